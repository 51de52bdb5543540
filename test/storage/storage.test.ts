import { strict as assert } from 'node:assert'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql, type Kysely } from 'kysely'
import pg from 'pg'
import { newId } from '../../src/domain/ids.js'
import { initializeServer } from '../../src/server/services/operator.js'
import { AppError } from '../../src/server/errors.js'
import { migrateToLatest, pendingMigrations } from '../../src/storage/migrate.js'
import { migrations } from '../../src/storage/migrations/index.js'
import { openStorage, type Storage } from '../../src/storage/open.js'
import type { Database } from '../../src/storage/schema.js'
import { prepareQuery } from '../../src/storage/prepared.js'
import { inTransaction } from '../../src/server/transaction.js'
import { DIALECTS, PG_URL, freshDb, openTestStorage, type TestDb } from '../helpers/dialects.js'
import { runCli } from '../helpers/e2e.js'

/** CI (.ci/run) sets this: PostgreSQL must be tested there, so its absence fails instead of skipping. */
const REQUIRE_PG = process.env.LICCTL_REQUIRE_PG === '1'
const ALL_MIGRATIONS = Object.keys(migrations)

if (REQUIRE_PG && !PG_URL)
  describe('storage on postgres', function () {
    it('is required (LICCTL_REQUIRE_PG=1)', function () {
      assert.fail('LICCTL_REQUIRE_PG=1 but LICCTL_TEST_PG_URL is not set: PostgreSQL would go untested')
    })
  })

/** Whether PostgreSQL answers at all, within a few seconds. */
async function postgresAnswers(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 })
  try {
    await client.connect()
    await client.query('select 1')
    return null
  } catch (err) {
    return (err as Error).message || String(err)
  } finally {
    await client.end().catch(() => {})
  }
}

for (const dialect of DIALECTS) {
  describe(`storage on ${dialect}`, function () {
    let dir: string
    let db: TestDb
    let storage: Storage
    const now = Date.parse('2026-03-01T12:00:00Z')

    before(async function () {
      if (dialect === 'postgres') {
        const down = await postgresAnswers()
        if (down && REQUIRE_PG)
          throw new Error(`PostgreSQL is unreachable at ${PG_URL} (LICCTL_REQUIRE_PG=1): ${down}`)
        if (down) this.skip()
      }
      dir = mkdtempSync(join(tmpdir(), 'licctl-storage-'))
      db = await freshDb(dialect, dir)
      storage = await openTestStorage(db)
      await initializeServer(storage.db, now)
    })
    after(async () => {
      await storage?.close()
      await db?.drop()
      if (dir) rmSync(dir, { recursive: true, force: true })
    })

    async function org(slug: string, at = now) {
      const id = newId('org', at)
      await storage.db
        .insertInto('organizations')
        .values({
          id,
          slug,
          name: slug,
          contact_email: null,
          contact_phone: null,
          contact_address: null,
          perpetual_licenses: '[]',
          time_zone: 'UTC',
          device_preference: 'shortest',
          created_at: at,
          updated_at: at,
        })
        .execute()
      return id
    }

    async function user(email: string) {
      const id = newId('usr', now)
      await storage.db.insertInto('users').values({ id, email, name: null, created_at: now }).execute()
      return id
    }

    async function seatPool(orgId: string, product: string, seats: number, used = 0) {
      const id = newId('sp', now)
      await storage.db
        .insertInto('seat_pools')
        .values({
          id,
          org_id: orgId,
          product,
          seats,
          used,
          expires_at: now + 1e9,
          lease_ttl_seconds: 900,
          max_roaming_seconds: null,
          created_at: now,
          updated_at: now,
        })
        .execute()
      return id
    }

    /** The conditional update checkout relies on: take a seat only while one is free. */
    const takeSeat = (s: Storage, poolId: string) =>
      s.db
        .updateTable('seat_pools')
        .set((eb) => ({ used: eb('used', '+', 1) }))
        .where('id', '=', poolId)
        .where('used', '<', sql<number>`seats`)
        .returning('used')
        .executeTakeFirst()

    // On PostgreSQL the suite's own schema, already migrated, sits in the same database: the
    // migrator must look for its table in this schema only.
    it('applies every migration from empty (beside another licctl schema), and a second run applies nothing', async () => {
      const empty = await freshDb(dialect, dir)
      const other = await openTestStorage(empty)
      try {
        assert.deepEqual(await pendingMigrations(other.db), ALL_MIGRATIONS)
        const first = await migrateToLatest(other.db)
        assert.deepEqual(first.applied, ALL_MIGRATIONS)
        assert.equal(first.current, ALL_MIGRATIONS.at(-1))
        const again = await migrateToLatest(other.db)
        assert.deepEqual(again, { applied: [], current: ALL_MIGRATIONS.at(-1) })
        assert.deepEqual(await pendingMigrations(other.db), [])
      } finally {
        await other.close()
        await empty.drop()
      }
    })

    it('0011 lets a device license be retired, and keeps every license and rule across it (and back)', async () => {
      const retiring = await import('../../src/storage/migrations/0011-retired-device-licenses.js')
      const orgId = await org('retire-db')
      await storage.db
        .insertInto('device_categories')
        .values({ id: 'dc_retire', name: 'retire-db', description: null, models: '[]', created_at: now })
        .execute()
      await storage.db
        .insertInto('device_keys')
        .values({
          id: 'dk_retire',
          serial: 'RETIREDB0001',
          category_id: 'dc_retire',
          term: '1y',
          term_days: 365,
          license_count: 2,
          org_id: orgId,
          added_by: 'ann@acme.test',
          added_at: now,
          expires_at: now,
          issued_at: now,
        })
        .execute()
      await storage.db
        .insertInto('devices')
        .values({
          id: 'dv_retire',
          org_id: orgId,
          serial: 'R-1',
          name: null,
          site: null,
          model: null,
          category_id: 'dc_retire',
          license_start: '2026-03-01',
          license_days: 365,
          created_at: now,
          updated_at: now,
        })
        .execute()
      const license = (
        slot: number,
        state: 'pool' | 'assigned' | 'retired',
        device: string | null,
      ): Database['device_licenses'] => ({
        id: `dl_retire${slot}`,
        name: `RETIREDB0001-${slot}`,
        org_id: orgId,
        category_id: 'dc_retire',
        term: '1y',
        days: 365,
        key_id: 'dk_retire',
        key_count: 2,
        slot,
        state,
        device_id: device,
        assigned_at: device === null ? null : now,
        expires_at: now,
        created_at: now,
      })
      await storage.db
        .insertInto('device_licenses')
        .values([license(1, 'pool', null), license(2, 'assigned', 'dv_retire')])
        .execute()
      const setState = (state: string) =>
        storage.db
          .updateTable('device_licenses')
          .set({ state: state as 'pool' })
          .where('id', '=', 'dl_retire1')
          .execute()
      const rows = () =>
        storage.db
          .selectFrom('device_licenses')
          .select(['name', 'state', 'device_id', 'slot'])
          .where('org_id', '=', orgId)
          .orderBy('slot')
          .execute()
      await setState('retired')
      await assert.rejects(setState('lost'))
      // Down: retired licenses go back to the pool, and the state is refused again.
      await retiring.down(storage.db)
      assert.deepEqual(
        (await rows()).map((r) => r.state),
        ['pool', 'assigned'],
      )
      await assert.rejects(setState('retired'))
      // Up again (on SQLite, a second rebuild): the rows as they were, the other rules still held.
      await retiring.up(storage.db)
      assert.deepEqual(await rows(), [
        { name: 'RETIREDB0001-1', state: 'pool', device_id: null, slot: 1 },
        { name: 'RETIREDB0001-2', state: 'assigned', device_id: 'dv_retire', slot: 2 },
      ])
      await setState('retired')
      const again = (over: Partial<Database['device_licenses']>) =>
        storage.db
          .insertInto('device_licenses')
          .values({ ...license(1, 'pool', null), id: 'dl_retire9', name: 'RETIREDB0001-9', ...over })
          .execute()
      await assert.rejects(again({}), 'a slot is one license of its key')
      await assert.rejects(again({ slot: 3 }), 'a slot is within the key count')
      await assert.rejects(again({ key_id: null, key_count: null, slot: null, state: 'assigned' }))
      await assert.rejects(again({ key_id: null, key_count: null, slot: null, days: 0 }))
      await assert.rejects(again({ key_id: null, key_count: null, slot: null, device_id: 'dv_none' }))
    })

    it('runs a prepared query as Kysely builds it: arguments rebound on each call, constants kept', async () => {
      const orgA = await org('prep-a')
      const orgB = await org('prep-b')
      const bySlug = prepareQuery((db, slug: string) =>
        db.selectFrom('organizations').select(['id', 'slug']).where('slug', '=', slug),
      )
      assert.deepEqual(await bySlug.takeFirst(storage.db, 'prep-a'), { id: orgA, slug: 'prep-a' })
      assert.deepEqual(await bySlug.takeFirst(storage.db, 'prep-b'), { id: orgB, slug: 'prep-b' })
      assert.equal(await bySlug.takeFirst(storage.db, 'prep-none'), undefined)
      // The `+ 1` is a constant of the compiled query, the pool and the cap are arguments.
      const poolId = await seatPool(orgA, 'prep', 2)
      const take = prepareQuery((db, id: string, cap: number) =>
        db
          .updateTable('seat_pools')
          .set((eb) => ({ used: eb('used', '+', 1) }))
          .where('id', '=', id)
          .where('used', '<', cap)
          .returning('used'),
      )
      assert.deepEqual(
        await inTransaction(storage, async (trx) => [
          await take.takeFirst(trx, poolId, 2),
          await take.takeFirst(trx, poolId, 2),
          await take.takeFirst(trx, poolId, 2),
        ]),
        [{ used: 1 }, { used: 2 }, undefined],
      )
      const update = await take.execute(storage.db, 'sp_none', 9)
      assert.deepEqual(update.rows, [])
      // A build that does not pass an argument on as a parameter is refused, not run without it.
      const fixed = prepareQuery((db, _slug: string) =>
        db.selectFrom('organizations').select('id').where('slug', '=', 'prep-a'),
      )
      await assert.rejects(fixed.takeFirst(storage.db, 'prep-b'), /argument 0 is not a parameter/)
    })

    it('refuses to initialize an initialized database', async () => {
      await assert.rejects(
        initializeServer(storage.db, now),
        (e: unknown) => e instanceof AppError && e.code === 'already_initialized',
      )
      const operators = await storage.db
        .selectFrom('tokens')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('kind', '=', 'operator')
        .executeTakeFirstOrThrow()
      assert.equal(Number(operators.n), 1, 'the refused attempt issued no second operator token')
    })

    // Exit 2, not 3: the input (the database named) is the problem; 3 is for license-rule refusals.
    it('`server init` refuses to re-initialize, with exit 2 and already_initialized', async () => {
      const res = await runCli(['server', 'init', '--db', db.url, '--json'])
      assert.equal(res.code, 2, res.stderr)
      assert.equal(res.stdout, '')
      const error = (JSON.parse(res.stderr) as { error: { code: string; message: string } }).error
      assert.equal(error.code, 'already_initialized')
      assert.match(error.message, /^this database was initialized at 2026-03-01T12:00:00\.000Z$/)
    })

    it('round-trips instants as numbers (bigint columns on PostgreSQL), far beyond 32 bits', async () => {
      const farFuture = Date.parse('9999-12-31T23:59:59.999Z')
      for (const [slug, at] of [
        ['instants', now],
        ['far-future', farFuture],
      ] as const) {
        const id = await org(slug, at)
        const row = await storage.db
          .selectFrom('organizations')
          .select(['created_at', 'updated_at'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
        assert.deepEqual(row, { created_at: at, updated_at: at })
        assert.equal(typeof row.created_at, 'number')
      }
    })

    it('keeps organization slugs, user emails, memberships and leases (pool, user, host) unique', async () => {
      const orgId = await org('unique-slug')
      await assert.rejects(org('unique-slug'))
      const userId = await user('u@x.test')
      await assert.rejects(user('u@x.test'))
      const membership = { org_id: orgId, user_id: userId, role: 'member' as const, created_at: now }
      await storage.db.insertInto('memberships').values(membership).execute()
      await assert.rejects(storage.db.insertInto('memberships').values(membership).execute())
      const poolId = await seatPool(orgId, 'cad', 5)
      const lease = (host: string) => ({
        id: newId('ls', now),
        pool_id: poolId,
        user_id: userId,
        host,
        started_at: now,
        last_heartbeat_at: now,
        roaming_until: null,
      })
      await storage.db.insertInto('leases').values(lease('ws-1')).execute()
      await storage.db.insertInto('leases').values(lease('ws-2')).execute()
      await assert.rejects(storage.db.insertInto('leases').values(lease('ws-1')).execute())
    })

    it('enforces foreign keys, and deleting an organization cascades to what it owns', async () => {
      await assert.rejects(
        storage.db
          .insertInto('memberships')
          .values({ org_id: 'org_missing', user_id: 'usr_missing', role: 'member', created_at: now })
          .execute(),
      )
      const orgId = await org('cascade')
      await seatPool(orgId, 'cad', 1)
      await storage.db.deleteFrom('organizations').where('id', '=', orgId).execute()
      const left = await storage.db
        .selectFrom('seat_pools')
        .select('id')
        .where('org_id', '=', orgId)
        .execute()
      assert.deepEqual(left, [])
    })

    it('rejects a pool with more leases than seats, and more add-ons assigned than bought (CHECK)', async () => {
      const orgId = await org('checks')
      const poolId = await seatPool(orgId, 'cad', 2, 2)
      await assert.rejects(
        storage.db.updateTable('seat_pools').set({ used: 3 }).where('id', '=', poolId).execute(),
      )
      await assert.rejects(
        storage.db.updateTable('seat_pools').set({ used: -1 }).where('id', '=', poolId).execute(),
      )
      await assert.rejects(seatPool(orgId, 'over', 1, 2), 'inserting an overbooked pool')
      const addonId = newId('ad')
      await storage.db
        .insertInto('addon_pools')
        .values({
          id: addonId,
          org_id: orgId,
          key: 'cloud',
          name: 'Cloud',
          total: 1,
          assigned: 1,
          expires_at: now + 1e9,
          created_at: now,
          updated_at: now,
        })
        .execute()
      await assert.rejects(
        storage.db.updateTable('addon_pools').set({ assigned: 2 }).where('id', '=', addonId).execute(),
      )
      await assert.rejects(
        storage.db.updateTable('addon_pools').set({ assigned: -1 }).where('id', '=', addonId).execute(),
      )
      const pool = await storage.db
        .selectFrom('seat_pools')
        .select('used')
        .where('id', '=', poolId)
        .executeTakeFirstOrThrow()
      assert.equal(pool.used, 2, 'the refused updates changed nothing')
    })

    it('grants exactly the free seats when conditional increments race over several connections', async () => {
      const poolId = await seatPool(await org('race'), 'race', 10)
      // Four independent connections (pools on PostgreSQL), as several server processes would have.
      const others = await Promise.all([1, 2, 3].map(() => openStorage(db.url)))
      try {
        const all = [storage, ...others]
        const attempts = await Promise.all(
          Array.from({ length: 60 }, (_, i) => takeSeat(all[i % all.length]!, poolId)),
        )
        const granted = attempts.filter((a) => a !== undefined).map((a) => a.used)
        assert.deepEqual(
          granted.sort((a, b) => a - b),
          [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
          'each seat is granted once',
        )
      } finally {
        await Promise.all(others.map((o) => o.close()))
      }
      const pool = await storage.db
        .selectFrom('seat_pools')
        .select('used')
        .where('id', '=', poolId)
        .executeTakeFirstOrThrow()
      assert.equal(pool.used, 10)
    })

    if (dialect === 'sqlite') {
      it('opens SQLite in WAL mode with foreign keys, a busy timeout and NORMAL sync', async () => {
        const pragma = async (name: string) =>
          Object.values((await sql.raw(`pragma ${name}`).execute(storage.db)).rows[0] as object)[0]
        assert.equal(await pragma('journal_mode'), 'wal')
        assert.equal(await pragma('foreign_keys'), 1)
        assert.equal(await pragma('busy_timeout'), 5000)
        assert.equal(await pragma('synchronous'), 1)
      })
    }

    if (dialect === 'sqlite') {
      it('checkpoints the WAL on a worker thread, not in commits, and closes it on close()', async () => {
        const file = join(dir, 'checkpoints.sqlite')
        const wal = `${file}-wal`
        // The worker's first checkpoint comes well after the commits below (~60 ms): at its default
        // interval (100 ms) it sometimes came during them on a busy machine, and copied pages there.
        const bg = await openStorage(file, { checkpointInBackground: { intervalMs: 1000 } })
        let open = true
        try {
          await sql`create table filler (id integer primary key, pad text)`.execute(bg.db)
          const before = statSync(file).size
          // ~2,400 pages, past SQLite's default of 1,000 at which a commit would checkpoint by itself.
          for (let i = 0; i < 40; i++)
            await inTransaction(bg.db, async (trx) => {
              for (let j = 0; j < 60; j++)
                await sql`insert into filler (pad) values (${'x'.repeat(4000)})`.execute(trx)
            })
          assert.ok(statSync(wal).size > 2000 * 4096, `WAL of ${statSync(wal).size} bytes`)
          // Nothing has been copied by the commits themselves…
          assert.equal(statSync(file).size, before, 'a commit checkpointed')
          // …and the worker copies it, while the connection stays free.
          const deadline = Date.now() + 5000
          while (statSync(file).size < before + 2000 * 4096 && Date.now() < deadline)
            await new Promise((r) => setTimeout(r, 20))
          assert.ok(statSync(file).size >= before + 2000 * 4096, `database file ${statSync(file).size} bytes`)
          await bg.close()
          open = false
          // The worker's connection is closed too: the last connection to close removes the WAL.
          assert.equal(existsSync(wal), false, 'the WAL is still there: a connection is still open')
        } finally {
          if (open) await bg.close()
        }
      })
    }

    if (dialect === 'postgres') {
      it('finds its tables while another schema of the database is being dropped (the migrator’s check)', async () => {
        // Kysely's own introspector listed every schema's tables and failed with "schema … does
        // not exist" when one was dropped after its snapshot: `server start --migrate` failed so
        // once in the suite while another run dropped its schema. A repeatable-read transaction
        // makes the timing certain: its snapshot holds the other schema, dropped before the listing.
        const schema = new URL(db.url).searchParams.get('schema')!
        const other = `${schema}_other`
        const admin = new pg.Client({ connectionString: PG_URL })
        await admin.connect()
        try {
          await admin.query(`create schema ${other}`)
          await admin.query(`create table ${other}.t (id serial primary key)`)
          await storage.db
            .transaction()
            .setIsolationLevel('repeatable read')
            .execute(async (trx) => {
              await sql`select 1`.execute(trx)
              await admin.query(`drop schema ${other} cascade`)
              const tables = await trx.introspection.getTables()
              assert.ok(tables.some((t) => t.name === 'organizations' && t.schema === schema))
              assert.ok(tables.some((t) => t.name === 'licctl_migrations'))
              assert.deepEqual(
                tables.filter((t) => t.schema !== schema),
                [],
              )
            })
          assert.deepEqual(await pendingMigrations(storage.db), [])
        } finally {
          await admin.query(`drop schema if exists ${other} cascade`)
          await admin.end()
        }
      })

      it('prepares parameterized statements once per connection, and not BEGIN/COMMIT or wide INSERTs', async () => {
        const one = await openStorage(db.url, { poolSize: 1 })
        try {
          const text = 'select slug from organizations where slug = $1 and $2::int = 2'
          for (const slug of ['a', 'b', 'c'])
            await sql`select slug from organizations where slug = ${slug} and ${2}::int = 2`.execute(one.db)
          const wide = Array.from({ length: 65 }, (_, i) => i)
          await sql`select ${sql.join(wide)}`.execute(one.db)
          const prepared = await sql<{ statement: string; calls: string }>`
            select statement, generic_plans + custom_plans as calls from pg_prepared_statements`.execute(
            one.db,
          )
          assert.deepEqual(
            prepared.rows.filter((r) => r.statement === text).map((r) => Number(r.calls)),
            [3],
            JSON.stringify(prepared.rows),
          )
          assert.ok(
            !prepared.rows.some((r) => r.statement.includes('$65')),
            'a 65-parameter statement was named',
          )
        } finally {
          await one.close()
        }
      })

      it('runs a prepared statement again after another process changed its result columns', async () => {
        // Another process's migration adds a column under a connection that prepared `select *`:
        // PostgreSQL refuses that statement once ("cached plan must not change result type"). One
        // connection, so the statement is certainly prepared on the connection that runs it next.
        const one = await openStorage(db.url, { poolSize: 1 })
        const admin = new pg.Client({ connectionString: db.url.replace(/\?.*$/, '') })
        await admin.connect()
        const schema = new URL(db.url).searchParams.get('schema')!
        try {
          await admin.query(`create table ${schema}.plans (id int primary key)`)
          await admin.query(`insert into ${schema}.plans values (1)`)
          const read = (q: Kysely<any>) =>
            sql<Record<string, unknown>>`select * from plans where id = ${1}`.execute(q)
          assert.deepEqual((await read(one.db)).rows, [{ id: 1 }])
          await admin.query(`alter table ${schema}.plans add column note text default 'x'`)
          // Outside a transaction: retried at once.
          assert.deepEqual((await read(one.db)).rows, [{ id: 1, note: 'x' }])
          await admin.query(`alter table ${schema}.plans add column more int default 2`)
          // Inside one: the transaction is run again.
          const rows = await inTransaction(one.db, async (trx) => (await read(trx)).rows)
          assert.deepEqual(rows, [{ id: 1, note: 'x', more: 2 }])
        } finally {
          await admin.query(`drop table if exists ${schema}.plans`)
          await admin.end()
          await one.close()
        }
      })

      it('keeps the run in its own schema (search_path from ?schema=)', async () => {
        const schema = new URL(db.url).searchParams.get('schema')
        assert.match(String(schema), /^licctl_test_[0-9a-f]{12}$/)
        const tables = await sql<{ table_name: string }>`
          select table_name from information_schema.tables where table_schema = ${schema} order by 1`.execute(
          storage.db,
        )
        assert.ok(tables.rows.some((r) => r.table_name === 'organizations'))
        const current = await sql<{ s: string }>`select current_schema() as s`.execute(storage.db)
        assert.equal(current.rows[0]?.s, schema)
      })
    }
  })
}
