import { strict as assert } from 'node:assert'
import { sql, type Kysely } from 'kysely'
import { Migrator, type Migration } from 'kysely/migration'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS, freshDb, openTestStorage } from '../helpers/dialects.js'
import { verifyAudit } from '../../src/server/services/audit-log.js'
import type { ServiceContext } from '../../src/server/context.js'
import type { Database } from '../../src/storage/schema.js'
import { migrations } from '../../src/storage/migrations/index.js'
import { systemClock } from '../../src/domain/clock.js'
import { entryHash } from '../../src/domain/audit-chain.js'

const operatorCtx = (db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): ServiceContext => ({
  db,
  dialect,
  clock: systemClock,
  principal: { kind: 'operator', tokenId: 'test' },
})

/** Runs `change` with the append-only triggers off: how a tamperer with database access works. */
async function withoutTriggers(db: Kysely<Database>, dialect: string, change: () => Promise<unknown>) {
  if (dialect === 'postgres') {
    await sql`alter table audit_events disable trigger audit_events_append_only`.execute(db)
    try {
      await change()
    } finally {
      await sql`alter table audit_events enable trigger audit_events_append_only`.execute(db)
    }
    return
  }
  await sql`drop trigger audit_events_no_update`.execute(db)
  await sql`drop trigger audit_events_no_delete`.execute(db)
  try {
    await change()
  } finally {
    await sql`create trigger audit_events_no_update before update on audit_events
      begin select raise(abort, 'audit_events is append-only: UPDATE refused'); end`.execute(db)
    await sql`create trigger audit_events_no_delete before delete on audit_events
      begin select raise(abort, 'audit_events is append-only: DELETE refused'); end`.execute(db)
  }
}

for (const dialect of DIALECTS) {
  describe(`audit chain on ${dialect}`, function () {
    let t: TestApp
    let admin: string
    const verify = () => verifyAudit(operatorCtx(t.storage.db, dialect), 'acme')
    const entries = () =>
      t.storage.db
        .selectFrom('audit_events')
        .innerJoin('organizations', 'organizations.id', 'audit_events.org_id')
        .select(['audit_events.id', 'audit_events.seq', 'audit_events.hash'])
        .where('organizations.slug', '=', 'acme')
        .orderBy('seq')
        .execute()

    beforeEach(async () => {
      t = await startApp(dialect)
      admin = await t.org('acme', 'admin@acme.test')
      await t.org('globex', 'admin@globex.test')
      const add = await t.call(admin, 'POST', '/v1/orgs/acme/users/bulk-add', {
        items: ['bob', 'carol', 'dave'].map((n) => ({ email: `${n}@acme.test` })),
      })
      assert.equal(add.status, 200, JSON.stringify(add.body))
      await t.call(admin, 'PATCH', '/v1/orgs/acme', { contactPhone: '+1 555 0100' })
      await t.call(t.operatorToken, 'POST', '/v1/orgs/acme/cloud/addons', {
        key: 'cp',
        name: 'Cloud Processing',
        total: 5,
        expires: '2027-01-01',
      })
      const assigned = await t.call(admin, 'POST', '/v1/orgs/acme/cloud/addons/cp/bulk-assign', {
        items: [{ email: 'bob@acme.test' }, { email: 'carol@acme.test' }],
      })
      assert.equal(assigned.status, 200, JSON.stringify(assigned.body))
    })
    afterEach(() => t.close())

    it('refuses UPDATE of an audit entry through SQL', async () => {
      await assert.rejects(
        sql`update audit_events set actor = 'someone else'`.execute(t.storage.db),
        /append-only/,
      )
    })

    it('refuses DELETE of an audit entry through SQL', async () => {
      await assert.rejects(sql`delete from audit_events`.execute(t.storage.db), /append-only/)
      const { n } = await t.storage.db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow()
      assert.ok(Number(n) >= 8, `entries kept: ${n}`)
    })

    it('chains every entry of the organization: seq 1..n, and verify holds with the head hash', async () => {
      const rows = await entries()
      assert.deepEqual(
        rows.map((r) => r.seq),
        rows.map((_, i) => i + 1),
      )
      const report = await verify()
      assert.equal(report.broken, null)
      assert.equal(report.intact, true)
      assert.equal(report.entries, rows.length)
      assert.deepEqual(report.head, { seq: rows.length, hash: rows.at(-1)!.hash })
      const head = await t.storage.db
        .selectFrom('audit_heads')
        .innerJoin('organizations', 'organizations.id', 'audit_heads.chain')
        .select(['audit_heads.seq', 'audit_heads.hash'])
        .where('organizations.slug', '=', 'acme')
        .executeTakeFirstOrThrow()
      assert.deepEqual({ seq: Number(head.seq), hash: head.hash }, report.head)
    })

    it('names the exact entry whose content was altered with SQL', async () => {
      const rows = await entries()
      const victim = rows[3]!
      await withoutTriggers(t.storage.db, dialect, () =>
        sql`update audit_events set after = ${'{"role":"admin"}'} where id = ${victim.id}`.execute(
          t.storage.db,
        ),
      )
      const report = await verify()
      assert.equal(report.intact, false)
      assert.deepEqual(
        { id: report.broken?.id, seq: report.broken?.seq, reason: report.broken?.reason },
        { id: victim.id, seq: 4, reason: 'altered' },
      )
      assert.equal(report.entries, 3)
    })

    it('names the entry after one deleted from the middle', async () => {
      const rows = await entries()
      await withoutTriggers(t.storage.db, dialect, () =>
        sql`delete from audit_events where id = ${rows[2]!.id}`.execute(t.storage.db),
      )
      const report = await verify()
      assert.deepEqual(
        [report.broken?.id, report.broken?.reason, report.broken?.message],
        [rows[3]!.id, 'missing', `entry 3 is missing before entry 4 (${rows[3]!.id})`],
      )
    })

    it('names the run of entries deleted from the middle', async () => {
      const rows = await entries()
      await withoutTriggers(t.storage.db, dialect, () =>
        sql`delete from audit_events where id in (${rows[2]!.id}, ${rows[3]!.id})`.execute(t.storage.db),
      )
      const report = await verify()
      assert.deepEqual(
        [report.broken?.id, report.broken?.reason, report.broken?.message],
        [rows[4]!.id, 'missing', `entries 3–4 are missing before entry 5 (${rows[4]!.id})`],
      )
    })

    it('reports entries deleted from the end against the head', async () => {
      const rows = await entries()
      const n = rows.length
      await withoutTriggers(t.storage.db, dialect, () =>
        sql`delete from audit_events where id = ${rows[n - 1]!.id}`.execute(t.storage.db),
      )
      const report = await verify()
      assert.deepEqual(report.broken, {
        id: null,
        seq: n,
        reason: 'missing',
        message: `entry ${n} is missing from the end of the log (the head says ${n})`,
      })
      assert.deepEqual(report.head, { seq: n - 1, hash: rows[n - 2]!.hash })
    })

    it('names the last entry when it was rewritten with its hash recomputed (the head holds the old one)', async () => {
      const rows = await entries()
      const n = rows.length
      const victim = rows[n - 1]!
      const stored = await t.storage.db
        .selectFrom('audit_events')
        .selectAll()
        .where('id', '=', victim.id)
        .executeTakeFirstOrThrow()
      const forged = { ...stored, actor: 'someone else' }
      const hash = entryHash({ ...forged, seq: Number(forged.seq), prev_hash: forged.prev_hash! })
      await withoutTriggers(t.storage.db, dialect, () =>
        sql`update audit_events set actor = ${forged.actor}, hash = ${hash} where id = ${victim.id}`.execute(
          t.storage.db,
        ),
      )
      const report = await verify()
      assert.deepEqual(report.broken, {
        id: victim.id,
        seq: n,
        reason: 'head-mismatch',
        message: `entry ${n} (${victim.id}) does not match the chain head, which holds another hash for it: the entry was rewritten with its hash recomputed, or the head was altered`,
      })
      // What held is the chain before it: the forged entry's hash is no head to keep.
      assert.equal(report.entries, n - 1)
      assert.deepEqual(report.head, { seq: n - 1, hash: rows[n - 2]!.hash })
    })

    it('names the first entry past a head that was set back', async () => {
      const rows = await entries()
      const n = rows.length
      const org = await t.storage.db
        .selectFrom('organizations')
        .select('id')
        .where('slug', '=', 'acme')
        .executeTakeFirstOrThrow()
      await sql`update audit_heads set seq = ${n - 2}, hash = ${rows[n - 3]!.hash} where chain = ${org.id}`.execute(
        t.storage.db,
      )
      const report = await verify()
      assert.deepEqual(report.broken, {
        id: rows[n - 2]!.id,
        seq: n - 1,
        reason: 'head-mismatch',
        message: `entries ${n - 1}–${n} are past the chain head (entry ${n - 2}), from entry ${n - 1} (${rows[n - 2]!.id}): written around the server, or the head was set back`,
      })
      assert.equal(report.entries, n - 2)
      assert.deepEqual(report.head, { seq: n - 2, hash: rows[n - 3]!.hash })
    })

    it('says the first entry does not start the chain, not that it does not follow an entry 0', async () => {
      const rows = await entries()
      await withoutTriggers(t.storage.db, dialect, () =>
        sql`update audit_events set prev_hash = ${'a'.repeat(64)} where id = ${rows[0]!.id}`.execute(
          t.storage.db,
        ),
      )
      const report = await verify()
      assert.deepEqual(report.broken, {
        id: rows[0]!.id,
        seq: 1,
        reason: 'relinked',
        message: `entry 1 (${rows[0]!.id}) does not start the chain: its previous hash is not the chain's first, so it was altered or entries before it were removed`,
      })
      assert.deepEqual([report.entries, report.head], [0, null])
    })

    it('still lists and shows the entries verify names: one inserted around the server, one edited to hold no JSON', async () => {
      const rows = await entries()
      const edited = rows[2]!
      await withoutTriggers(t.storage.db, dialect, async () => {
        await sql`update audit_events set before = ${'{bad'}, after = ${'[1,2]'} where id = ${edited.id}`.execute(
          t.storage.db,
        )
        await sql`insert into audit_events (id, org_id, actor, action, target, before, after, created_at)
          select ${'ev_inserted'}, org_id, ${'mallory'}, ${'seats.release'}, ${'cad'}, null, null, created_at
          from audit_events where id = ${edited.id}`.execute(t.storage.db)
      })
      const list = await t.call(admin, 'GET', '/v1/orgs/acme/audit?limit=1000')
      assert.equal(list.status, 200, JSON.stringify(list.body))
      const listed = list.body.items as Array<{
        id: string
        before: unknown
        after: unknown
        seq: unknown
        hash: unknown
      }>
      const shown = listed.find((e) => e.id === edited.id)!
      assert.deepEqual([shown.before, shown.after], [{ unreadable: '{bad' }, { unreadable: '[1,2]' }])
      const inserted = listed.find((e) => e.id === 'ev_inserted')!
      assert.deepEqual([inserted.seq, inserted.hash], [null, null])
      for (const id of [edited.id, 'ev_inserted']) {
        const one = await t.call(admin, 'GET', `/v1/orgs/acme/audit/${id}`)
        assert.equal(one.status, 200, JSON.stringify(one.body))
        assert.equal(one.body.entry.id, id)
      }
      // And verify names the first of them.
      assert.deepEqual([(await verify()).broken?.id], [edited.id])
    })

    it('still lists and shows an entry whose time was edited to hold no instant (at: null); verify names it', async () => {
      const edited = (await entries())[2]!
      const tamper = () =>
        sql`update audit_events set created_at = ${'yesterday'} where id = ${edited.id}`.execute(t.storage.db)
      if (dialect === 'postgres') {
        // PostgreSQL's bigint column refuses such a value: there is no such entry to show.
        await withoutTriggers(t.storage.db, dialect, () =>
          assert.rejects(tamper(), /invalid input syntax for type bigint/),
        )
        return
      }
      await withoutTriggers(t.storage.db, dialect, tamper)
      const list = await t.call(admin, 'GET', '/v1/orgs/acme/audit?limit=1000')
      assert.equal(list.status, 200, JSON.stringify(list.body))
      const listed = list.body.items as Array<{ id: string; at: string | null }>
      assert.deepEqual(
        listed.filter((e) => e.at === null).map((e) => e.id),
        [edited.id],
      )
      const one = await t.call(admin, 'GET', `/v1/orgs/acme/audit/${edited.id}`)
      assert.equal(one.status, 200, JSON.stringify(one.body))
      assert.deepEqual([one.body.entry.id, one.body.entry.at], [edited.id, null])
      const report = await verify()
      assert.deepEqual([report.broken?.id, report.broken?.reason], [edited.id, 'altered'])
    })

    it('detects an entry whose hash was recomputed (the next entry no longer links to it)', async () => {
      const rows = await entries()
      await withoutTriggers(t.storage.db, dialect, () =>
        sql`update audit_events set hash = ${'f'.repeat(64)} where id = ${rows[1]!.id}`.execute(t.storage.db),
      )
      const report = await verify()
      // Entry 2's own content no longer gives its (forged) hash: it is named first.
      assert.deepEqual([report.broken?.id, report.broken?.reason], [rows[1]!.id, 'altered'])
    })

    it('keeps the chain intact under concurrent writers of one organization', async function () {
      this.timeout(60_000)
      const jobs = []
      for (let i = 0; i < 8; i++) {
        jobs.push(
          t.call(admin, 'POST', '/v1/orgs/acme/cloud/addons/cp/bulk-revoke', {
            items: [{ email: 'bob@acme.test' }, { email: 'carol@acme.test' }],
          }),
          t.call(admin, 'POST', '/v1/orgs/acme/cloud/addons/cp/bulk-assign', {
            items: [{ email: 'carol@acme.test' }, { email: 'bob@acme.test' }, { email: 'dave@acme.test' }],
          }),
          t.call(admin, 'POST', '/v1/orgs/acme/tokens', { name: `ci-${i}` }),
        )
      }
      const results = await Promise.all(jobs)
      for (const r of results) assert.ok(r.status < 300, JSON.stringify(r.body))
      const report = await verify()
      assert.equal(report.broken, null)
      assert.equal(report.entries, (await entries()).length)
    })
  })

  describe(`audit chain migration on ${dialect}`, function () {
    it('chains the entries written before it, per organization', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'licctl-chain-'))
      const db = await freshDb(dialect, dir)
      const storage = await openTestStorage(db)
      try {
        const before = Object.fromEntries(
          Object.entries(migrations).filter(([name]) => name < '0006'),
        ) as Record<string, Migration>
        const migrator = (list: Record<string, Migration>) =>
          new Migrator({
            db: storage.db,
            provider: { getMigrations: async () => list },
            migrationTableName: 'licctl_migrations',
            migrationLockTableName: 'licctl_migrations_lock',
            ...(dialect === 'postgres'
              ? { migrationTableSchema: new URL(db.url).searchParams.get('schema')! }
              : {}),
          })
        const first = await migrator(before).migrateToLatest()
        assert.equal(first.error, undefined)
        const now = Date.parse('2026-01-01T00:00:00Z')
        await storage.db
          .insertInto('organizations')
          .values(
            ['o1', 'o2'].map((id) => ({
              id,
              slug: id,
              name: id,
              created_at: now,
              updated_at: now,
            })) as never,
          )
          .execute()
        await sql`insert into audit_events (id, org_id, actor, action, target, before, after, created_at) values
          ('ev_1', 'o1', 'operator', 'org.create', 'o1', null, '{"name":"o1"}', ${now}),
          ('ev_2', 'o2', 'operator', 'org.create', 'o2', null, null, ${now + 1}),
          ('ev_3', 'o1', 'a@o1.test', 'org.update', 'o1', '{"x":1}', '{"x":2}', ${now + 2})`.execute(
          storage.db,
        )
        const second = await migrator(migrations as Record<string, Migration>).migrateToLatest()
        assert.equal(second.error, undefined)
        const rows = await storage.db.selectFrom('audit_events').select(['id', 'seq']).orderBy('id').execute()
        assert.deepEqual(
          rows.map((r) => [r.id, Number(r.seq)]),
          [
            ['ev_1', 1],
            ['ev_2', 1],
            ['ev_3', 2],
          ],
        )
        const ctx = operatorCtx(storage.db, dialect)
        const o1 = await verifyAudit(ctx, 'o1')
        assert.deepEqual([o1.intact, o1.entries], [true, 2])
        const o2 = await verifyAudit(ctx, 'o2')
        assert.deepEqual([o2.intact, o2.entries], [true, 1])
      } finally {
        await storage.close()
        await db.drop()
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })
}
