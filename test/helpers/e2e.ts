import { strict as assert } from 'node:assert'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { freshDb, type TestDb } from './dialects.js'
import { recordSecret } from './secret-scan.js'
import { BIN, ROOT, runProcess, spawnCli, type ProcessResult } from './spawn.js'

export { ROOT }

export type CliResult = ProcessResult

export interface CliOptions {
  env?: Record<string, string | undefined>
  input?: string
  cwd?: string
}

/**
 * Runs the real bin/run.js (built dist/) as a child process on this Node. Its stdout and stderr go
 * to the run's secret scan (test/helpers/spawn.ts).
 */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return runProcess(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: {
      ...process.env,
      NO_COLOR: undefined,
      FORCE_COLOR: undefined,
      LICCTL_URL: undefined,
      LICCTL_TOKEN: undefined,
      LICCTL_ORG: undefined,
      ...opts.env,
    } as NodeJS.ProcessEnv,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  })
}

/**
 * A real license server: `bin/run.js server init` then `server start --port 0` on a temporary
 * database, with a config dir of its own for the CLI's profiles. `processes: 2` starts a second
 * `server start` on the same database (the multi-instance tests: one SQLite file, or one
 * PostgreSQL schema, shared by independent processes); `urls` has each process's address.
 */
export class E2eServer {
  url = ''
  operatorToken = ''
  readonly dir: string
  /** The address of each running server process, in start order (`url` is the first). */
  urls: string[] = []
  private procs: ChildProcess[] = []
  private db: TestDb | undefined

  private constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'licctl-e2e-'))
  }

  static async start(
    opts: { dialect?: 'sqlite' | 'postgres'; clock?: string; dbUrl?: string; processes?: number } = {},
  ): Promise<E2eServer> {
    const s = new E2eServer()
    s.db = opts.dbUrl
      ? { name: 'postgres', url: opts.dbUrl, drop: async () => {} }
      : await freshDb(opts.dialect ?? 'sqlite', s.dir)
    if (s.db.name === 'postgres' && !opts.dbUrl) {
      // A password in the URL (the test server trusts any): the secret scan looks for it everywhere
      // (test/helpers/spawn.ts learns it from the command lines).
      const url = new URL(s.db.url)
      url.password = `pw-${randomBytes(12).toString('hex')}`
      s.db = { ...s.db, url: url.toString() }
    }
    const init = await runCli(['server', 'init', '--db', s.db.url, '--json'])
    if (init.code !== 0) throw new Error(`server init failed: ${init.stderr}`)
    s.operatorToken = (JSON.parse(init.stdout) as { operatorToken: string }).operatorToken
    recordSecret(s.operatorToken, 'token')
    try {
      for (let i = 0; i < (opts.processes ?? 1); i++) await s.listen(opts.clock)
      if (new Set(s.urls).size !== s.urls.length) throw new Error(`two processes, one address: ${s.urls}`)
    } catch (err) {
      // The test's after() never sees this server: a process left running would keep mocha alive.
      await s.stop()
      throw err
    }
    return s
  }

  /** The database every process of this server uses (a SQLite path or a PostgreSQL URL). */
  get dbUrl(): string {
    return this.db!.url
  }

  /** Starts (another) server process on the same database; returns its URL. */
  async listen(clock?: string): Promise<string> {
    const args = [
      'server',
      'start',
      '--db',
      this.db!.url,
      '--port',
      '0',
      // info: every request is logged, and the secret scan reads the log
      '--log-level',
      'info',
      ...(clock ? ['--clock', clock] : []),
    ]
    const proc = spawnCli(args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    })
    this.procs.push(proc)
    const url = await new Promise<string>((ok, fail) => {
      let out = ''
      let err = ''
      const timer = setTimeout(() => {
        proc.kill() // not left running (it would keep the test process alive)
        fail(new Error(`server did not start: ${err}`))
      }, 15_000)
      proc.stderr!.on('data', (d: Buffer) => (err += d.toString()))
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString()
        const m = /listening on (http:\/\/\S+)/.exec(out)
        if (m) {
          clearTimeout(timer)
          ok(m[1]!)
        }
      })
      proc.on('exit', (code) => fail(new Error(`server exited ${code}: ${err}`)))
    })
    if (!this.url) this.url = url
    this.urls.push(url)
    return url
  }

  /**
   * Sends `signal` to every server process (SIGKILL: a crash, no shutdown at all) and waits for
   * them to exit. The database stays; `listen()` starts the server again on it.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all(this.procs.map((p) => exitOf(p, signal)))
    this.procs = []
    this.urls = []
    this.url = ''
  }

  /** Environment for a CLI call: this server, a token, an org (no profile file needed). */
  env(token: string, org?: string): Record<string, string> {
    return {
      LICCTL_URL: this.url,
      LICCTL_TOKEN: token,
      ...(org ? { LICCTL_ORG: org } : {}),
      LICCTL_CONFIG_DIR: join(this.dir, 'config'),
      // Where `orgs list` and `orgs create` remember slugs for shell completion: not the user's.
      LICCTL_CACHE_DIR: join(this.dir, 'cache'),
    }
  }

  /** Runs the CLI as the operator. */
  asOperator(args: string[], opts: CliOptions = {}): Promise<CliResult> {
    return runCli(args, { ...opts, env: { ...this.env(this.operatorToken), ...opts.env } })
  }

  /** Creates an organization with an admin through the CLI; returns the admin's token. */
  async createOrg(slug: string, adminEmail = `admin@${slug}.test`): Promise<string> {
    const res = await this.asOperator([
      'orgs',
      'create',
      slug,
      '--name',
      slug.toUpperCase(),
      '--admin-email',
      adminEmail,
      '--json',
    ])
    if (res.code !== 0) throw new Error(`orgs create failed: ${res.stderr}`)
    return (JSON.parse(res.stdout) as { admin: { token: string } }).admin.token
  }

  /** Stops every server process (SIGTERM: graceful), then drops the database. */
  async stop(): Promise<void> {
    await this.kill('SIGTERM')
    await this.db?.drop()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** Sends `signal` to a process (unless it has exited) and resolves once it has exited. */
function exitOf(p: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise<void>((done) => {
    if (p.exitCode !== null || p.signalCode !== null) return done()
    p.once('exit', () => done())
    p.kill(signal)
  })
}

/** Parses a --json error from stderr. */
export function jsonError(r: CliResult): { code: string; message: string } {
  return (JSON.parse(r.stderr.trim().split('\n').pop()!) as { error: { code: string; message: string } })
    .error
}

/** Asserts an exit code and a one-line reason on stderr, with nothing on stdout. */
export function assertFails(res: CliResult, code: number, reason: RegExp | string): void {
  assert.equal(res.code, code, `exit ${res.code}: ${res.stderr}${res.stdout}`)
  assert.equal(res.stdout, '')
  const first = res.stderr.split('\n')[0]!
  if (typeof reason === 'string') assert.equal(first, `Error: ${reason}`)
  else assert.match(first, reason)
}
