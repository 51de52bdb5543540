import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LicctlClient } from '../../src/client/index.js'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { isPostgresUrl, openStorage, type Storage } from '../../src/storage/open.js'
import { addonAssignments } from '../helpers/addon-assignments.js'
import { DIALECTS, freshDb, type TestDb } from '../helpers/dialects.js'
import { E2eServer, runCli, type CliResult } from '../helpers/e2e.js'
import { daysFromToday } from '../../scripts/lib/dates.js'
import { spawnCli } from '../helpers/spawn.js'
import { FaultProxy } from './proxy.js'

const USERS = 5000

/**
 * The admin re-running a job after a network drop must get no duplicates and no half job. Two
 * ways a job breaks: the CLI is killed mid-job (SIGKILL: no clean-up at all), and the connection is
 * cut after the server applied a batch but before its answer arrived.
 */
for (const dialect of DIALECTS) {
  describe(`fault: a bulk job interrupted mid-way completes on re-run, on ${dialect}`, function () {
    this.timeout(180_000)
    let dir: string
    let db: TestDb
    let storage: Storage
    let server: E2eServer
    let admin: string
    let proxy: FaultProxy
    let file: string
    const emails = Array.from({ length: USERS }, (_, i) => `user${String(i).padStart(5, '0')}@dept.test`)

    const env = (url: string, batch: number) => ({
      ...server.env(admin, 'acme'),
      LICCTL_URL: url,
      LICCTL_BULK_BATCH_SIZE: String(batch),
    })

    async function provision(key: string) {
      const res = await server.asOperator([
        'cloud',
        'provision',
        key,
        '--name',
        key,
        '--total',
        String(USERS),
        '--expires',
        daysFromToday(400),
        '--org',
        'acme',
      ])
      assert.equal(res.code, 0, res.stderr)
    }

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'licctl-fault-'))
      db = await freshDb(dialect, dir)
      server = await E2eServer.start({ dbUrl: db.url })
      storage = await openStorage(db.url)
      admin = await server.createOrg('acme', 'alice@acme.test')
      file = join(dir, 'department.csv')
      writeFileSync(file, 'email,name\r\n' + emails.map((e, i) => `${e},"Person, ${i}"\r\n`).join(''))
      const add = await runCli(['orgs', 'users', 'add', '--file', file], { env: server.env(admin, 'acme') })
      assert.equal(add.code, 0, add.stderr)
      proxy = await FaultProxy.start(server.url)
    })
    after(async () => {
      await proxy?.close()
      await storage?.close()
      await server?.stop()
      await db?.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    it('the CLI killed with SIGKILL after some batches: re-running assigns exactly the file’s users, once each', async () => {
      await provision('killed')
      // Slow answers so the job is certainly in flight when the kill lands.
      proxy.delayMs = 40
      const child = spawnCli(['cloud', 'assign', 'killed', '--file', file], {
        env: { ...process.env, NO_COLOR: '1', ...env(proxy.url, 500) },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      const exited = new Promise<NodeJS.Signals | null>((ok) =>
        child.on('exit', (_code, signal) => ok(signal)),
      )
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString()
        // The first batch is reported: kill while the next ones are on their way.
        if (out.split('\n').length > 500 && !child.killed) child.kill('SIGKILL')
      })
      assert.equal(await exited, 'SIGKILL')
      proxy.delayMs = 0
      // The server finishes the batch it was given (its transaction commits or not, as a whole).
      await new Promise((r) => setTimeout(r, 500))
      const partial = await addonAssignments(storage, 'killed')
      assert.ok(partial.rows >= 500 && partial.rows < USERS, `half a job: ${partial.rows} of ${USERS}`)
      assert.equal(partial.rows % 500, 0, 'batches are all or nothing')
      assert.equal(partial.assigned, partial.rows)

      const rerun = await runCli(['cloud', 'assign', 'killed', '--file', file, '--json'], {
        env: env(server.url, 500),
      })
      assert.equal(rerun.code, 0, rerun.stderr)
      const doc = JSON.parse(rerun.stdout) as {
        summary: { changed: number; unchanged: number; failed: number }
      }
      assert.deepEqual(doc.summary, { changed: USERS - partial.rows, unchanged: partial.rows, failed: 0 })
      const done = await addonAssignments(storage, 'killed')
      assert.deepEqual([done.rows, done.distinct, done.assigned], [USERS, USERS, USERS])
      assert.deepEqual(done.emails, emails)
    })

    it('an answer lost to a cut connection: the batch is retried with the same Idempotency-Key and applied once', async () => {
      await provision('cut')
      proxy.bulkRequests = 0
      proxy.cutAnswerOf.add(2)
      const res: CliResult = await runCli(['cloud', 'assign', 'cut', '--file', file, '--json'], {
        env: env(proxy.url, 1000),
      })
      assert.equal(res.code, 0, res.stderr)
      assert.equal(proxy.bulkRequests, USERS / 1000 + 1, 'one batch was sent twice')
      const doc = JSON.parse(res.stdout) as {
        results: Array<{ status: string }>
        summary: { changed: number; unchanged: number; failed: number }
      }
      // The retry got the first answer replayed ("changed"), not a second application ("already-so").
      assert.deepEqual(doc.summary, { changed: USERS, unchanged: 0, failed: 0 })
      assert.equal(doc.results.length, USERS)
      const done = await addonAssignments(storage, 'cut')
      assert.deepEqual([done.rows, done.distinct, done.assigned], [USERS, USERS, USERS])
      const again = await runCli(['cloud', 'assign', 'cut', '--file', file, '--json'], {
        env: env(server.url, 1000),
      })
      assert.equal(again.code, 0, again.stderr)
      assert.deepEqual(JSON.parse(again.stdout).summary, { changed: 0, unchanged: USERS, failed: 0 })
    })
  })
}

const ROWS = 3000
const BATCH = 500

/** A bulk job from a file, and the database's own view of what it has applied. */
interface KilledJob {
  topic: 'cloud' | 'devices'
  /** Makes ROWS targets ready for the job and room for all of them; returns the targets, in file order. */
  provision(server: E2eServer, admin: string): Promise<string[]>
  /** The file the CLI reads. */
  file(targets: string[]): string
  command: string[]
  /** The table a batch writes first: while a transaction holds a write on it, a batch is half-done. */
  table: 'addon_assignments' | 'device_licenses'
  /**
   * The targets the job has applied, and counts that must each equal their number: the guarded
   * counter or pool, the rows holding what was granted, the per-row audit entries.
   */
  applied(storage: Storage): Promise<{ targets: string[]; counts: Record<string, number> }>
}

const countOf = async (q: { executeTakeFirstOrThrow(): Promise<{ n: number | string }> }) =>
  Number((await q.executeTakeFirstOrThrow()).n)

const KILLED_JOBS: KilledJob[] = [
  {
    topic: 'cloud',
    async provision(server, admin) {
      const targets = Array.from({ length: ROWS }, (_, i) => `user${String(i).padStart(5, '0')}@dept.test`)
      const client = LicctlClient.create({ baseUrl: server.url, token: admin })
      const op = LicctlClient.create({ baseUrl: server.url, token: server.operatorToken })
      try {
        for (let i = 0; i < ROWS; i += 1000) {
          const people = targets.slice(i, i + 1000).map((email) => ({ email, role: 'member' as const }))
          await client.users.add({ org: 'acme' }, people, { dryRun: false })
        }
        await op.cloud.provision(
          { org: 'acme' },
          { key: 'render', name: 'Render', total: ROWS, expires: '2099-12-31' },
        )
      } finally {
        await Promise.all([client.close(), op.close()])
      }
      return targets
    },
    file: (targets) => 'email\r\n' + targets.map((e) => `${e}\r\n`).join(''),
    command: ['cloud', 'assign', 'render'],
    table: 'addon_assignments',
    async applied(storage) {
      const render = await addonAssignments(storage, 'render')
      const audits = storage.db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('action', '=', 'cloud.assign')
        .where('target', 'like', 'render/%')
      return {
        targets: render.emails,
        counts: { assigned: render.assigned, auditEntries: await countOf(audits) },
      }
    },
  },
  {
    topic: 'devices',
    async provision(server, admin) {
      const targets = Array.from({ length: ROWS }, (_, i) => `SN-${String(i).padStart(5, '0')}`)
      const client = LicctlClient.create({ baseUrl: server.url, token: admin })
      const op = LicctlClient.create({ baseUrl: server.url, token: server.operatorToken })
      try {
        await op.devices.categoriesAdd({}, { name: 'router', models: ['R-1'] })
        const { keys } = await op.devices.keysIssue({}, { category: 'router', term: '1y', count: ROWS })
        await client.devices.keysAdd({ org: 'acme' }, { key: keys[0]!.key, acceptTerms: true })
        for (let i = 0; i < ROWS; i += 1000) {
          const devices = targets.slice(i, i + 1000).map((serial) => ({ serial, model: 'R-1' }))
          await client.devices.add({ org: 'acme' }, devices, { dryRun: false })
        }
      } finally {
        await Promise.all([client.close(), op.close()])
      }
      return targets
    },
    file: (targets) => 'serial\n' + targets.map((s) => `${s}\n`).join(''),
    command: ['devices', 'assign'],
    table: 'device_licenses',
    async applied(storage) {
      const licensed = await storage.db
        .selectFrom('devices')
        .select('serial')
        .where('license_start', 'is not', null)
        .execute()
      const assigned = await storage.db
        .selectFrom('device_licenses')
        .select('device_id')
        .where('state', '=', 'assigned')
        .execute()
      const inPool = storage.db
        .selectFrom('device_licenses')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('state', '=', 'pool')
      const audits = storage.db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('action', '=', 'devices.assign')
      return {
        targets: licensed.map((d) => d.serial),
        counts: {
          assignedLicenses: assigned.length,
          devicesHoldingThem: new Set(assigned.map((a) => a.device_id)).size,
          takenFromPool: ROWS - (await countOf(inPool)),
          auditEntries: await countOf(audits),
        },
      }
    },
  },
]

/**
 * Resolves while a server's transaction has written to `table` and not committed: on PostgreSQL, a
 * backend other than ours holds RowExclusiveLock on it (taken by INSERT/UPDATE, held to the end of
 * the transaction); on SQLite, the database's write lock has been held for SQLITE_BATCH_HOLD_MS
 * without a break, looked at every millisecond (a batch of 500 rows holds it for several, the
 * one-statement transactions around it for a fraction of one; since statements are kept prepared
 * and bulk INSERTs are set-based, a cloud batch no longer held it 20 ms). Rejects if `ended` first.
 */
const SQLITE_BATCH_HOLD_MS = 3

async function midTransaction(dbUrl: string, table: string, ended: Promise<unknown>): Promise<void> {
  let over = false
  void ended.then(() => (over = true))
  const tick = () => new Promise((r) => setTimeout(r, isPostgresUrl(dbUrl) ? 5 : 1))
  if (isPostgresUrl(dbUrl)) {
    const url = new URL(dbUrl)
    const schema = url.searchParams.get('schema')!
    url.searchParams.delete('schema')
    const client = new pg.Client({ connectionString: url.toString() })
    await client.connect()
    try {
      for (;;) {
        if (over) throw new Error('the job ended before a batch was seen mid-transaction')
        const { rowCount } = await client.query(
          `select 1 from pg_locks l join pg_class c on c.oid = l.relation
             join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = $1 and c.relname = $2 and l.mode = 'RowExclusiveLock'
             and l.granted and l.pid <> pg_backend_pid()`,
          [schema, table],
        )
        if (rowCount) return
        await tick()
      }
    } finally {
      await client.end()
    }
  }
  const db = new SQLite(dbUrl, { timeout: 0 })
  try {
    let heldSince: number | undefined
    for (;;) {
      if (over) throw new Error('the job ended before a batch was seen mid-transaction')
      try {
        db.exec('begin immediate')
        db.exec('rollback')
        heldSince = undefined
      } catch (err) {
        if (!String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY')) throw err
        heldSince ??= Date.now()
        if (Date.now() - heldSince >= SQLITE_BATCH_HOLD_MS) return
      }
      await tick()
    }
  } finally {
    db.close()
  }
}

/**
 * kill -9 of the SERVER in the middle of a bulk job (issue 11): the process dies while its second
 * batch's transaction has written and not committed, the CLI loses its connection and stops. After a restart on the
 * same database the invariants hold: what is applied is whole batches of the file (a prefix of it,
 * a multiple of the batch size), every count agrees with the rows, one job entry per applied batch,
 * the audit chain verifies. Re-running the same command completes the job: each row applied once.
 */
for (const dialect of DIALECTS) {
  describe(`fault: the server killed with SIGKILL mid bulk job, restarted, the job re-run, on ${dialect}`, function () {
    this.timeout(240_000)
    let server: E2eServer
    let admin: string
    let dir: string

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'licctl-kill-'))
      server = await E2eServer.start({ dialect })
      admin = await server.createOrg('acme', 'alice@acme.test')
    })
    after(async () => {
      await server?.stop()
      rmSync(dir, { recursive: true, force: true })
    })

    /**
     * The invariants after any interruption, `jobEntries` being the bulk job entries the batches so
     * far must have written (one per batch that committed); returns how many rows are applied.
     */
    async function invariants(job: KilledJob, targets: string[], jobEntries: (n: number) => number) {
      const storage = await openStorage(server.dbUrl)
      let n: number
      try {
        const { targets: done, counts } = await job.applied(storage)
        n = done.length
        assert.deepEqual(
          done.sort(),
          targets.slice(0, n).sort(),
          'the applied rows are the start of the file',
        )
        assert.equal(n % BATCH, 0, `batches are all or nothing: ${n} rows applied`)
        assert.deepEqual(counts, Object.fromEntries(Object.keys(counts).map((k) => [k, n])))
        const jobs = await countOf(
          storage.db
            .selectFrom('audit_events')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .where('action', '=', `${job.topic}.assign.bulk`),
        )
        assert.equal(jobs, jobEntries(n), 'one job entry per committed batch')
      } finally {
        await storage.close()
      }
      const verify = await runCli(['orgs', 'audit', 'verify', '--json'], { env: server.env(admin, 'acme') })
      assert.equal(verify.code, 0, verify.stdout + verify.stderr)
      assert.equal((JSON.parse(verify.stdout) as { intact: boolean }).intact, true)
      return n
    }

    for (const job of KILLED_JOBS) {
      it(`${job.command.join(' ')} --file: killed after its first batch, the server restarted, the re-run applies the rest once`, async () => {
        const targets = await job.provision(server, admin)
        const file = join(dir, `${job.topic}.csv`)
        writeFileSync(file, job.file(targets))
        const env = {
          ...process.env,
          NO_COLOR: '1',
          ...server.env(admin, 'acme'),
          LICCTL_BULK_BATCH_SIZE: String(BATCH),
        }
        const cli = spawnCli([...job.command, '--file', file], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        let out = ''
        let killed: Promise<void> | undefined
        const exited = new Promise<number | null>((ok) => cli.on('exit', (code) => ok(code)))
        cli.stdout!.on('data', (d: Buffer) => {
          out += d.toString()
          // The first batch is reported and the CLI sends the next: kill the server once that
          // batch's transaction has written (and not yet committed).
          if (out.split('\n').length > BATCH && !killed)
            killed = midTransaction(server.dbUrl, job.table, exited).then(() => server.kill('SIGKILL'))
        })
        const code = await exited
        assert.ok(killed, `the job ended before the kill: ${out.slice(-500)}`)
        await killed
        assert.notEqual(code, 0, 'the CLI lost its server')

        await server.listen()
        const partial = await invariants(job, targets, (n) => n / BATCH)
        assert.ok(partial >= BATCH && partial < ROWS, `half a job: ${partial} of ${ROWS}`)

        const rerun = await runCli([...job.command, '--file', file, '--json'], {
          env: { ...server.env(admin, 'acme'), LICCTL_BULK_BATCH_SIZE: String(BATCH) },
        })
        assert.equal(rerun.code, 0, rerun.stderr)
        const doc = JSON.parse(rerun.stdout) as {
          summary: { changed: number; unchanged: number; failed: number }
        }
        assert.deepEqual(doc.summary, { changed: ROWS - partial, unchanged: partial, failed: 0 })
        // The re-run's batches each write a job entry, those of rows already so too.
        assert.equal(await invariants(job, targets, () => partial / BATCH + ROWS / BATCH), ROWS)
      })
    }
  })
}
