import { ROOT, type CliResult } from './e2e.js'
import { CliStderrCopy, learnInputs, spawnProcess } from './spawn.js'

/**
 * Runs bin/run.js on a pseudo-terminal (util-linux `script`), so stdin and stdout are TTYs as for a
 * person at a terminal. `answers` are typed one by one, each after the output so far matches its
 * `after` pattern. stdout and stderr arrive merged, as on a screen. For the secret scan, the screen
 * counts as the CLI's stdout and a copy of its stderr is taken on the side (CliStderrCopy).
 */
export function runInPty(
  args: string[],
  opts: {
    env?: Record<string, string | undefined>
    answers?: Array<{ after: RegExp; type: string }>
    timeoutMs?: number
  } = {},
): Promise<CliResult> {
  const copy = new CliStderrCopy()
  const command = [...copy.argv, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')
  learnInputs((opts.answers ?? []).map((a) => a.type))
  return new Promise((resolve, reject) => {
    const child = spawnProcess('script', ['-qfec', command, '/dev/null'], {
      cwd: ROOT,
      env: {
        ...process.env,
        LICCTL_URL: undefined,
        LICCTL_TOKEN: undefined,
        LICCTL_ORG: undefined,
        NO_COLOR: '1',
        TERM: 'xterm',
        ...opts.env,
        ...copy.env,
      } as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const pending = [...(opts.answers ?? [])]
    let output = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`pty run timed out; screen so far:\n${output}`))
    }, opts.timeoutMs ?? 15_000)
    const onData = (d: Buffer) => {
      output += d.toString()
      while (pending.length > 0 && pending[0]!.after.test(output)) child.stdin.write(pending.shift()!.type)
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      child.stdin.destroy()
      const stdout = output.replaceAll('\r\n', '\n')
      copy.take(args, stdout)
      resolve({ code: code ?? -1, stdout, stderr: '' })
    })
  })
}
