import { strict as assert } from 'node:assert'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

// Two admins (or one job started twice, on two server processes) releasing the same lease at once.
// Both read the lease before either locked its pool; the second found it gone once it had the lock,
// released nothing, and still reported the row "changed" (and counted it in its job's audit entry),
// so support was told twice that the seat had been freed by them.
for (const dialect of DIALECTS)
  describe(`concurrency: one lease released by two requests at once, on ${dialect}`, function () {
    this.timeout(60_000)
    let t: TestApp
    let admin: string
    let poolId: string
    before(async () => {
      t = await startApp(dialect)
      admin = await t.org('rel', 'boss@rel.test')
      const pool = await t.call(t.operatorToken, 'POST', '/v1/orgs/rel/seats/pools', {
        product: 'cad',
        seats: 10,
        expires: '2099-12-31',
      })
      assert.equal(pool.status, 201, JSON.stringify(pool.body))
      const row = await t.storage.db
        .selectFrom('seat_pools')
        .select('id')
        .where('product', '=', 'cad')
        .executeTakeFirstOrThrow()
      poolId = row.id
    })
    after(async () => t?.close())

    it('only the request that released it reports the row changed', async () => {
      const out = await t.call(admin, 'POST', '/v1/orgs/rel/seats/pools/cad/checkout', { host: 'ws-1' })
      assert.equal(out.status, 200, JSON.stringify(out.body))
      const lease = out.body.id as string
      const release = () =>
        t.call(admin, 'POST', '/v1/orgs/rel/seats/releases', { items: [{ lease }], force: true })
      let answers: Array<{ status: number; body: any }>
      if (dialect === 'postgres') {
        // Hold the pool row, so that both requests read the lease and then wait for its lock.
        let unlock!: () => void
        const held = new Promise<void>((resolve) => (unlock = resolve))
        let locked!: () => void
        const isLocked = new Promise<void>((resolve) => (locked = resolve))
        const holder = t.storage.db.transaction().execute(async (trx) => {
          await sql`select id from seat_pools where id = ${poolId} for update`.execute(trx)
          locked()
          await held
        })
        await isLocked
        const pending = Promise.all([release(), release()])
        await sleep(500)
        unlock()
        await holder
        answers = await pending
      } else answers = await Promise.all([release(), release()])
      for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body))
      const statuses = answers.map((a) => a.body.results[0].status).sort()
      assert.deepEqual(statuses, ['already-so', 'changed'])
      const changedJobs = answers.map((a) => a.body.summary.changed).sort()
      assert.deepEqual(changedJobs, [0, 1])
      const audited = await t.storage.db
        .selectFrom('audit_events')
        .select('id')
        .where('action', '=', 'seats.release')
        .where('target', '=', `cad/${lease}`)
        .execute()
      assert.equal(audited.length, 1)
    })

    // `seats release --stale` (no force) found the seat idle; the app's heartbeat landed on another
    // process between that read and the release's delete (heartbeats lock no pool row). The
    // heartbeat was answered 200 ("you hold it"), then the seat was freed under the running app.
    if (dialect === 'postgres')
      it('a heartbeat that lands while an idle seat is being released keeps it: the row fails lease_active', async () => {
        const out = await t.call(admin, 'POST', '/v1/orgs/rel/seats/pools/cad/checkout', { host: 'ws-beat' })
        assert.equal(out.status, 200, JSON.stringify(out.body))
        const lease = out.body.id as string
        t.clock.advance(16 * 60_000) // past the 15-minute TTL: stale, released without force
        let unlock!: () => void
        const held = new Promise<void>((resolve) => (unlock = resolve))
        let locked!: () => void
        const isLocked = new Promise<void>((resolve) => (locked = resolve))
        const holder = t.storage.db.transaction().execute(async (trx) => {
          await sql`select id from seat_pools where id = ${poolId} for update`.execute(trx)
          locked()
          await held
        })
        await isLocked
        const pending = t.call(admin, 'POST', '/v1/orgs/rel/seats/releases', { items: [{ lease }] })
        await sleep(500) // the release has read the lease (idle) and waits for the pool
        const beat = await t.call(admin, 'POST', `/v1/orgs/rel/seats/leases/${lease}/heartbeat`)
        assert.equal(beat.status, 200, JSON.stringify(beat.body))
        unlock()
        await holder
        const released = await pending
        assert.equal(released.status, 200, JSON.stringify(released.body))
        assert.deepEqual(
          [released.body.results[0].status, released.body.results[0].code],
          ['failed', 'lease_active'],
        )
        const still = await t.storage.db.selectFrom('leases').select('id').where('id', '=', lease).execute()
        assert.equal(still.length, 1, 'the heartbeating app keeps its seat')
      })
  })
