import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runProcess, type ProcessResult } from '../helpers/spawn.js'

/**
 * A private PostgreSQL cluster for one test, which the test may stop and start at will: its own
 * data directory in a temp dir, its own port on 127.0.0.1, trust auth. The shared PostgreSQL
 * (127.0.0.1:5432) that other test runs use is never touched.
 *
 * initdb and postgres refuse to run as root: as root the binaries run as the `postgres` OS user
 * (runuser); as anyone else, as that user.
 */
export class PgCluster {
  private running = false
  /** If the test process dies without `destroy` (a crash of mocha), the postmaster goes too. */
  private readonly onExit = () => {
    this.quit()
    rmSync(this.dir, { recursive: true, force: true })
  }

  private constructor(
    private readonly bin: string,
    private readonly asUser: string[],
    readonly dir: string,
    readonly port: number,
  ) {}

  /** postgres://postgres@127.0.0.1:<port>/postgres */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`
  }

  private get data(): string {
    return join(this.dir, 'data')
  }

  /**
   * What is missing to run a private cluster here (the binaries, or as root the `postgres` user),
   * or null when nothing is. LICCTL_TEST_PG_BIN names the binaries' folder; by default the newest
   * /usr/lib/postgresql/<version>/bin.
   */
  static async missing(): Promise<string | null> {
    const bin = PgCluster.binDir()
    if (!bin)
      return 'no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or LICCTL_TEST_PG_BIN'
    if (PgCluster.isRoot()) {
      const id = await runProcess('id', ['-u', 'postgres']).catch((err: Error) => ({
        code: -1,
        stderr: err.message,
      }))
      if (id.code !== 0)
        return `running as root, and there is no 'postgres' OS user to run initdb as (${id.stderr.trim()})`
      const runuser = await runProcess('runuser', ['-u', 'postgres', '--', 'true']).catch((err: Error) => ({
        code: -1,
        stderr: err.message,
      }))
      if (runuser.code !== 0)
        return `running as root, and 'runuser -u postgres' fails: ${runuser.stderr.trim()}`
    }
    return null
  }

  private static isRoot(): boolean {
    return process.getuid?.() === 0
  }

  private static binDir(): string | undefined {
    const candidates = process.env.LICCTL_TEST_PG_BIN
      ? [process.env.LICCTL_TEST_PG_BIN]
      : (existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [])
          .filter((v) => /^\d+$/.test(v))
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
    return candidates.find((d) => ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(join(d, b))))
  }

  /** initdb in a fresh temp dir, then start on a free port. */
  static async create(): Promise<PgCluster> {
    const bin = PgCluster.binDir()
    if (!bin) throw new Error((await PgCluster.missing()) ?? 'no PostgreSQL binaries')
    const dir = mkdtempSync(join(tmpdir(), 'licctl-pgcluster-'))
    const asUser = PgCluster.isRoot() ? ['runuser', '-u', 'postgres', '--'] : []
    try {
      if (PgCluster.isRoot()) {
        const uid = Number((await runProcess('id', ['-u', 'postgres'])).stdout.trim())
        const gid = Number((await runProcess('id', ['-g', 'postgres'])).stdout.trim())
        chownSync(dir, uid, gid)
      }
      const cluster = new PgCluster(bin, asUser, dir, await freePort())
      process.once('exit', cluster.onExit)
      await cluster.run('initdb', [
        '-D',
        cluster.data,
        '-A',
        'trust',
        '-U',
        'postgres',
        '-E',
        'UTF8',
        '--no-sync',
      ])
      await cluster.start()
      return cluster
    } catch (err) {
      rmSync(dir, { recursive: true, force: true })
      throw err
    }
  }

  private async run(tool: string, args: string[]): Promise<ProcessResult> {
    const file = join(this.bin, tool)
    const [cmd, ...rest] = [...this.asUser, file, ...args]
    const res = await runProcess(cmd!, rest, { cwd: this.dir })
    if (res.code !== 0)
      throw new Error(
        `${tool} ${args.join(' ')} exited ${res.code}: ${res.stderr}${res.stdout}\n${this.log()}`,
      )
    return res
  }

  /** The server's log so far (for failure messages). */
  log(): string {
    try {
      return readFileSync(join(this.dir, 'log'), 'utf8')
    } catch {
      return ''
    }
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = [
      '-c listen_addresses=127.0.0.1',
      `-p ${this.port}`,
      `-k ${this.dir}`,
      // A test cluster: durability across an OS crash is not what is tested (a clean stop still
      // writes everything out), speed is.
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c shared_buffers=16MB',
      '-c max_connections=40',
    ].join(' ')
    this.running = true
    await this.run('pg_ctl', [
      '-D',
      this.data,
      '-l',
      join(this.dir, 'log'),
      '-w',
      '-t',
      '120',
      '-o',
      options,
      'start',
    ])
  }

  /** `pg_ctl stop` in the given mode, waiting until the server is down. */
  async stop(mode: 'smart' | 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.run('pg_ctl', ['-D', this.data, '-m', mode, '-w', '-t', '120', 'stop'])
    this.running = false
  }

  /** Stops the server (immediately) if it may be running, and removes the cluster's directory. */
  async destroy(): Promise<void> {
    try {
      if (this.running || existsSync(join(this.data, 'postmaster.pid'))) await this.stop('immediate')
    } catch {
      this.quit()
    } finally {
      process.removeListener('exit', this.onExit)
      rmSync(this.dir, { recursive: true, force: true })
    }
  }

  /** Ends the postmaster by the pid it wrote (SIGQUIT is PostgreSQL's immediate stop); synchronous. */
  private quit(): void {
    try {
      const pid = Number(readFileSync(join(this.data, 'postmaster.pid'), 'utf8').split('\n')[0])
      if (pid > 0) process.kill(pid, 'SIGQUIT')
    } catch {
      // no pid file, or no such process: nothing left running
    }
  }
}

/** A TCP port on 127.0.0.1 free right now, below the kernel's ephemeral range (32768+) so that no
 * outgoing connection takes it while the cluster is down between a stop and a start. */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 10_000)
    const free = await new Promise<boolean>((done) => {
      const probe = createServer()
      probe.once('error', () => done(false))
      probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)))
    })
    if (free) return port
  }
  throw new Error('no free TCP port found on 127.0.0.1')
}
