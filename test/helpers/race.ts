import { join } from 'node:path'
import { ROOT } from './e2e.js'
import { spawnProcess } from './spawn.js'

/** One client call, as race-client.mjs makes it: `topic.name` of LicctlClient, then its arguments. */
export type RaceCall = [method: string, ...args: unknown[]]

/** What one call got: the value it returned, or the error's HTTP status (0: no answer) and code. */
export type RaceOutcome = { ok: true; value: unknown } | { ok: false; status: number; code: string }

const SCRIPT = join(ROOT, 'test/helpers/race-client.mjs')

/**
 * Races `calls` from `clients` separate Node processes (the built client, each with its own
 * connection pool), client c talking to server process `urls[c % urls.length]` and making calls c,
 * c + clients, c + 2·clients… Each process first opens its connections with `warm`; the calls start
 * only once every process is ready, so they are all in flight together. Returns each call's outcome,
 * in the order of `calls`.
 */
export async function raceFromProcesses(opts: {
  urls: string[]
  token: string
  warm: RaceCall
  calls: RaceCall[]
  clients: number
}): Promise<RaceOutcome[]> {
  const children = Array.from({ length: opts.clients }, (_, c) => {
    const mine = opts.calls.filter((_, i) => i % opts.clients === c)
    const job = { baseUrl: opts.urls[c % opts.urls.length], token: opts.token, warm: opts.warm, calls: mine }
    const child = spawnProcess(process.execPath, [SCRIPT, JSON.stringify(job)], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const ready = new Promise<void>((ok, fail) => {
      child.stdout.on('data', () => stdout.startsWith('ready\n') && ok())
      child.once('close', (code) =>
        fail(new Error(`race client ${c} exited ${code} before ready: ${stderr}`)),
      )
    })
    // 'close', not 'exit': at 'exit' the last of the child's stdout (its answers, one long line) may
    // still be in the pipe, and the last line read was then `ready` (1 run in 50 of the loop).
    const done = new Promise<RaceOutcome[]>((ok, fail) =>
      child.once('close', (code) => {
        const last = stdout.trim().split('\n').pop()!
        if (code !== 0) return fail(new Error(`race client ${c} exited ${code}: ${stderr}`))
        ok(JSON.parse(last) as RaceOutcome[])
      }),
    )
    return { child, ready, done }
  })
  let answers: RaceOutcome[][]
  try {
    await Promise.all(children.map((c) => c.ready))
    for (const { child } of children) child.stdin.end('go\n')
    answers = await Promise.all(children.map((c) => c.done))
  } catch (err) {
    // One process failed: the others would wait for the start forever.
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL')
    await Promise.allSettled(children.map((c) => c.done))
    throw err
  }
  return opts.calls.map((_, i) => answers[i % opts.clients]![Math.floor(i / opts.clients)]!)
}
