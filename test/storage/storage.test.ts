import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { newId } from '../../src/domain/ids.js'
import { initializeServer } from '../../src/server/services/operator.js'
import { AppError } from '../../src/server/errors.js'
import { migrateToLatest } from '../../src/storage/migrate.js'
import type { Storage } from '../../src/storage/open.js'
import { DIALECTS, PG_URL, freshDb, openTestStorage, type TestDb } from '../helpers/dialects.js'

if (process.env.LICCTL_REQUIRE_PG === '1' && !PG_URL)
  throw new Error('LICCTL_REQUIRE_PG=1 but LICCTL_TEST_PG_URL is not set')

for (const dialect of DIALECTS) {
  describe(`storage on ${dialect}`, function () {
    let dir: string
    let db: TestDb
    let storage: Storage
    const now = Date.parse('2026-03-01T12:00:00Z')

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'licctl-storage-'))
      db = await freshDb(dialect, dir)
      storage = await openTestStorage(db)
      await initializeServer(storage.db, now)
    })
    after(async () => {
      await storage?.close()
      await db?.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    async function org(slug: string) {
      const id = newId('org', now)
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
          created_at: now,
          updated_at: now,
        })
        .execute()
      return id
    }

    it('applies every migration from empty, and a second run applies nothing', async () => {
      const again = await migrateToLatest(storage.db)
      assert.deepEqual(again.applied, [])
      assert.equal(again.current, '0003-cloud-addons')
    })

    it('refuses to initialize an initialized database', async () => {
      await assert.rejects(
        initializeServer(storage.db, now),
        (e: unknown) => e instanceof AppError && e.code === 'already_initialized',
      )
    })

    it('round-trips instants as numbers (bigint columns on PostgreSQL)', async () => {
      const id = await org('instants')
      const row = await storage.db
        .selectFrom('organizations')
        .select(['created_at', 'updated_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      assert.equal(row.created_at, now)
      assert.equal(typeof row.created_at, 'number')
    })

    it('keeps organization slugs and user emails unique', async () => {
      await org('unique-slug')
      await assert.rejects(org('unique-slug'))
      await storage.db
        .insertInto('users')
        .values({ id: newId('usr'), email: 'u@x.test', name: null, created_at: now })
        .execute()
      await assert.rejects(
        storage.db
          .insertInto('users')
          .values({ id: newId('usr'), email: 'u@x.test', name: null, created_at: now })
          .execute(),
      )
    })

    it('enforces foreign keys', async () => {
      await assert.rejects(
        storage.db
          .insertInto('memberships')
          .values({ org_id: 'org_missing', user_id: 'usr_missing', role: 'member', created_at: now })
          .execute(),
      )
    })

    it('rejects a pool with more leases than seats, and more add-ons assigned than bought (CHECK)', async () => {
      const orgId = await org('checks')
      const poolId = newId('sp')
      await storage.db
        .insertInto('seat_pools')
        .values({
          id: poolId,
          org_id: orgId,
          product: 'cad',
          seats: 2,
          used: 2,
          expires_at: now + 1e9,
          lease_ttl_seconds: 900,
          max_roaming_seconds: null,
          created_at: now,
          updated_at: now,
        })
        .execute()
      await assert.rejects(
        storage.db.updateTable('seat_pools').set({ used: 3 }).where('id', '=', poolId).execute(),
      )
      await assert.rejects(
        storage.db.updateTable('seat_pools').set({ used: -1 }).where('id', '=', poolId).execute(),
      )
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
    })

    it('grants exactly the free seats when many conditional increments race', async () => {
      const orgId = await org('race')
      const poolId = newId('sp')
      await storage.db
        .insertInto('seat_pools')
        .values({
          id: poolId,
          org_id: orgId,
          product: 'race',
          seats: 10,
          used: 0,
          expires_at: now + 1e9,
          lease_ttl_seconds: 900,
          max_roaming_seconds: null,
          created_at: now,
          updated_at: now,
        })
        .execute()
      const attempts = await Promise.all(
        Array.from({ length: 40 }, () =>
          storage.db
            .updateTable('seat_pools')
            .set((eb) => ({ used: eb('used', '+', 1) }))
            .where('id', '=', poolId)
            .where('used', '<', sql<number>`seats`)
            .returning('used')
            .executeTakeFirst(),
        ),
      )
      assert.equal(attempts.filter(Boolean).length, 10)
      const pool = await storage.db
        .selectFrom('seat_pools')
        .select('used')
        .where('id', '=', poolId)
        .executeTakeFirstOrThrow()
      assert.equal(pool.used, 10)
    })

    if (dialect === 'sqlite') {
      it('opens SQLite in WAL mode with foreign keys and a busy timeout', async () => {
        const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(storage.db)
        assert.equal(mode.rows[0]?.journal_mode, 'wal')
        const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(storage.db)
        assert.equal(fk.rows[0]?.foreign_keys, 1)
        const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(storage.db)
        assert.equal(busy.rows[0]?.timeout, 5000)
      })
    }
  })
}
