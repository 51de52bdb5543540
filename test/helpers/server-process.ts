import type { ChildProcess } from 'node:child_process'
import { runCli } from './e2e.js'
import { spawnCli } from './spawn.js'

/**
 * One real `licctl server start` process whose stderr (the JSON log) the test reads: for what the
 * process logs and how it shuts down, which the E2eServer harness deliberately keeps quiet.
 */
export class ServerProcess {
  stderr = ''
  stdout = ''
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>

  private constructor(
    readonly proc: ChildProcess,
    readonly url: string,
    exit: ServerProcess['exit'],
  ) {
    this.exit = exit
  }

  /** `server init` on `db` (returns the operator token) — once per database. */
  static async init(db: string): Promise<string> {
    const init = await runCli(['server', 'init', '--db', db, '--json'])
    if (init.code !== 0) throw new Error(`server init failed: ${init.stderr}`)
    return (JSON.parse(init.stdout) as { operatorToken: string }).operatorToken
  }

  static async start(db: string, logLevel = 'info', extraArgs: string[] = []): Promise<ServerProcess> {
    const proc = spawnCli(
      ['server', 'start', '--db', db, '--port', '0', '--log-level', logLevel, ...extraArgs],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      },
    )
    let stdout = ''
    let stderr = ''
    proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    // 'close', not 'exit': tests read the log once the process is gone, and at 'exit' its last lines
    // (`database closed`) may still be in the pipe.
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      proc.once('close', (code, signal) => done({ code, signal })),
    )
    const url = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`server did not start: ${stderr}`)), 15_000)
      const look = () => {
        const m = /listening on (http:\/\/\S+)/.exec(stdout)
        if (m) {
          clearTimeout(timer)
          ok(m[1]!)
        }
      }
      proc.stdout!.on('data', look)
      void exit.then(({ code }) => fail(new Error(`server exited ${code}: ${stderr}`)))
    })
    const server = new ServerProcess(proc, url, exit)
    proc.stdout!.on('data', (d: Buffer) => (server.stdout += d.toString()))
    proc.stderr!.on('data', (d: Buffer) => (server.stderr += d.toString()))
    server.stdout = stdout
    server.stderr = stderr
    return server
  }

  /** The log lines so far, parsed (every line must be JSON). */
  logLines(): Array<Record<string, unknown>> {
    return this.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
  }

  /** Resolves once a log line matches. */
  async waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!this.logLines().some(match)) {
      if (Date.now() > deadline) throw new Error(`log line not seen; log so far:\n${this.stderr}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  /** SIGTERM, then the exit. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM')
    return this.exit
  }
}
