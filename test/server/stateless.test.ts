import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Migrator, type Migration } from 'kysely/migration'
import { sql } from 'kysely'
import { build } from '../../src/server/app.js'
import { migrations } from '../../src/storage/migrations/index.js'
import { openStorage, type Storage } from '../../src/storage/open.js'
import { ManualClock, startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS, PG_URL, freshDb, type TestDb } from '../helpers/dialects.js'
import { runCli } from '../helpers/e2e.js'
import { ServerProcess } from '../helpers/server-process.js'

const HOUR = 3_600_000

/** licctl's migrator on a test schema, to undo migrations (storage/migrate.ts has no down). */
const migratorOf = (storage: Storage, db: TestDb) =>
  new Migrator({
    db: storage.db,
    provider: { getMigrations: async () => migrations as Record<string, Migration> },
    migrationTableName: 'licctl_migrations',
    migrationLockTableName: 'licctl_migrations_lock',
    migrationTableSchema: new URL(db.url).searchParams.get('schema')!,
  })
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))

for (const dialect of DIALECTS) {
  describe(`idempotency records are pruned by the server, on ${dialect}`, function () {
    let t: TestApp
    before(async () => (t = await startApp(dialect)))
    after(async () => t.close())

    it('deletes records older than the retention on its timer, and keeps the younger ones', async () => {
      const clock = new ManualClock(t.clock.now())
      const now = clock.now()
      const row = (key: string, age: number, status = 200) => ({
        scope: 'tok_x',
        key,
        request_hash: 'h',
        status_code: status,
        response_body: '{}',
        created_at: now - age,
      })
      await t.storage.db
        .insertInto('idempotency_keys')
        .values([
          row('old-answer', 2 * HOUR),
          row('old-reservation', 3 * HOUR, 0),
          row('young-answer', HOUR / 2),
          row('just-inside', HOUR - 1),
        ])
        .execute()
      const app = await build({
        storage: t.storage,
        clock,
        housekeeping: { idempotencyRetentionMs: HOUR, intervalMs: 20 },
      })
      const keys = async () =>
        (await t.storage.db.selectFrom('idempotency_keys').select('key').orderBy('key').execute()).map(
          (r) => r.key,
        )
      try {
        const deadline = Date.now() + 5_000
        while ((await keys()).length > 2 && Date.now() < deadline) await wait(20)
        assert.deepEqual(await keys(), ['just-inside', 'young-answer'])
        clock.advance(HOUR / 2 + 1)
        const later = Date.now() + 5_000
        while ((await keys()).length > 0 && Date.now() < later) await wait(20)
        assert.deepEqual(await keys(), [])
      } finally {
        await app.close()
      }
    })
  })
}

describe('server start options', function () {
  this.timeout(60_000)

  it('refuses a statement timeout, a retention or a pool size out of bounds, naming the flag (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'licctl-opts-'))
    try {
      const db = join(dir, 'x.sqlite')
      const bad = await runCli(['server', 'start', '--db', db, '--statement-timeout', 'soon'])
      assert.equal(bad.code, 2)
      assert.match(
        bad.stderr,
        /--statement-timeout: expected a duration like 90s, 15m, 2h or 14d, or 0 for none, got 'soon'/,
      )
      const short = await runCli(['server', 'start', '--db', db, '--idempotency-retention', '1m'])
      assert.equal(short.code, 2)
      assert.match(short.stderr, /--idempotency-retention must be between 10m and 365d, got '1m'/)
      // Too long for PostgreSQL (2^31-1 ms), or to mean anything: named, never a crash at start.
      const long = await runCli(['server', 'start', '--db', db, '--statement-timeout', '99999999999d'])
      assert.equal(long.code, 2)
      assert.match(
        long.stderr,
        /--statement-timeout must be between 1s and 24d, or 0 for none, got '99999999999d'/,
      )
      const pool = await runCli(['server', 'start', '--db', db, '--pool-size', String(2n ** 70n)])
      assert.equal(pool.code, 2)
      assert.match(pool.stderr, /--pool-size must be between 1 and 1000, got '1180591620717411303424'/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('several servers on one PostgreSQL database', function () {
  this.timeout(120_000)
  before(function () {
    if (!PG_URL) this.skip()
  })
  let dir: string
  const dbs: TestDb[] = []
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'licctl-pg-'))))
  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('cancels a statement over the statement timeout, and sizes the pool as told', async () => {
    const db = await freshDb('postgres', dir)
    dbs.push(db)
    const storage = await openStorage(db.url, { poolSize: 3, statementTimeoutMs: 300 })
    try {
      assert.deepEqual(storage.pool, { max: 3, statementTimeoutMs: 300 })
      await assert.rejects(sql`select pg_sleep(2)`.execute(storage.db), /statement timeout/)
      // The pool never holds more connections than its size, whatever is asked of it at once.
      const pids = await Promise.all(
        Array.from({ length: 12 }, () =>
          sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.05)`.execute(storage.db),
        ),
      )
      assert.equal(new Set(pids.map((r) => r.rows[0]!.pid)).size, 3)
    } finally {
      await storage.close()
    }
  })

  it('two `server migrate` at once on a database every migration behind but the first: both succeed, each migration is applied once', async () => {
    // `server migrate` upgrades an initialized database only (it refuses an empty one): the
    // operator token and the first migration's tables stay, every later migration is undone.
    const db = await freshDb('postgres', dir)
    dbs.push(db)
    await ServerProcess.init(db.url)
    const all = Object.keys(migrations)
    const storage0 = await openStorage(db.url)
    try {
      const { error } = await migratorOf(storage0, db).migrateTo(all[0]!)
      assert.equal(error, undefined)
    } finally {
      await storage0.close()
    }
    const runs = await Promise.all([1, 2].map(() => runCli(['server', 'migrate', '--db', db.url])))
    assert.deepEqual(
      runs.map((r) => r.code),
      [0, 0],
      runs.map((r) => r.stderr).join('\n'),
    )
    assert.deepEqual(runs.map((r) => r.stdout.trim()).sort(), [
      `Applied ${all.slice(1).join(', ')}.`,
      `Up to date (${all.at(-1)}).`,
    ])
    const storage = await openStorage(db.url)
    try {
      const rows = await sql<{ name: string }>`select name from licctl_migrations order by name`.execute(
        storage.db,
      )
      assert.deepEqual(
        rows.rows.map((r) => r.name),
        all,
      )
    } finally {
      await storage.close()
    }
  })

  it('two `server start --migrate` at once on a database a migration behind: one applies it, both serve', async () => {
    const db = await freshDb('postgres', dir)
    dbs.push(db)
    const operator = await ServerProcess.init(db.url)
    const last = Object.keys(migrations).at(-1)!
    const storage = await openStorage(db.url)
    try {
      const { error } = await migratorOf(storage, db).migrateDown()
      assert.equal(error, undefined)
    } finally {
      await storage.close()
    }
    const refused = await runCli(['server', 'start', '--db', db.url, '--port', '0'])
    assert.equal(refused.code, 2, refused.stderr)
    assert.match(
      refused.stderr,
      new RegExp(`is older than this licctl: migrations pending \\(${last}\\)\n.*or start with --migrate`),
    )

    const servers = await Promise.all(
      [1, 2].map(() =>
        ServerProcess.start(db.url, 'info', ['--migrate', '--pool-size', '4', '--statement-timeout', '5s']),
      ),
    )
    try {
      const opened = servers.map(
        (s) => s.logLines().find((l) => l.msg === 'database opened') as Record<string, unknown>,
      )
      assert.deepEqual(opened.map((l) => l.migrationsApplied).sort(), [[], [last]])
      assert.deepEqual(
        opened.map((l) => [l.poolSize, l.statementTimeoutMs]),
        [
          [4, 5000],
          [4, 5000],
        ],
      )
      for (const s of servers) {
        const res = await fetch(`${s.url}/v1/me`, { headers: { authorization: `Bearer ${operator}` } })
        assert.equal(res.status, 200)
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()))
    }
  })
})
