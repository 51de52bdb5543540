import { strict as assert } from 'node:assert'
import { sql } from 'kysely'
import pg from 'pg'
import { contentionRetries } from '../../src/server/transaction.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { PG_URL } from '../helpers/dialects.js'
import { answeredOrBlocked } from '../helpers/hold-removal.js'

/**
 * An admin's bulk release (`seats release`) locked each lease's pool as its row came to it, in the
 * order of the file: holding one pool while waiting for another, it deadlocked with a removal
 * (which locks its members' pools sorted) or another release naming them the other way round. It
 * now locks every pool its rows name first, sorted. Deterministic: another connection holds the
 * first pool of that order; the release, naming a lease of the second pool first, is seen waiting
 * (pg_blocking_pids) — and must be holding nothing else meanwhile (the second pool locks NOWAIT).
 */
const describePg = PG_URL ? describe : describe.skip

describePg('concurrency: a bulk seat release locks its pools in one order, on postgres', function () {
  this.timeout(60_000)
  let t: TestApp
  let admin: string
  let holder: pg.Client
  let probe: pg.Client

  before(async () => {
    t = await startApp('postgres')
    admin = await t.org('rel', 'boss@rel.test')
    for (const product of ['cad', 'cam']) {
      const pool = await t.call(t.operatorToken, 'POST', '/v1/orgs/rel/seats/pools', {
        product,
        seats: 100,
        expires: '2099-12-31',
      })
      assert.equal(pool.status, 201, JSON.stringify(pool.body))
    }
    holder = new pg.Client({ connectionString: PG_URL })
    await holder.connect()
    probe = new pg.Client({ connectionString: PG_URL })
    await probe.connect()
  })
  after(async () => {
    await holder?.end()
    await probe?.end()
    await t?.close()
  })

  for (const [round, by] of ['lease', 'user'].entries())
    it(`rows naming the later pool's lease first (by ${by}): the release waits for the first pool holding no other`, async () => {
      const before = { ...contentionRetries }
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(t.storage.db)
      const pools = `"${rows[0]!.schema}".seat_pools`
      // The order every locker uses: the pools' ids, as the database sorts them.
      const [first, second] = await t.storage.db
        .selectFrom('seat_pools')
        .select(['id', 'product'])
        .orderBy('id')
        .execute()
      const users = [`u${round}@rel.test`, `v${round}@rel.test`]
      const add = await t.call(admin, 'POST', '/v1/orgs/rel/users/bulk-add', {
        items: users.map((email) => ({ email })),
      })
      assert.equal(add.status, 200, JSON.stringify(add.body))
      const lease = async (email: string, product: string) => {
        const res = await t.call(admin, 'POST', `/v1/orgs/rel/seats/pools/${product}/checkout`, {
          host: `ws-${round}`,
          user: email,
        })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        return res.body.id as string
      }
      // By lease: the second pool's lease, then the first's. By user: v holds the second pool, u the first.
      const late = await lease(users[1]!, second!.product)
      const early = await lease(users[0]!, first!.product)
      const items =
        by === 'lease' ? [{ lease: late }, { lease: early }] : [{ user: users[1] }, { user: users[0] }]

      await holder.query('begin')
      try {
        await holder.query(`select id from ${pools} where id = $1 for update`, [first!.id])
        const pid = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid
        const release = t.call(admin, 'POST', '/v1/orgs/rel/seats/releases', { items, force: true })
        const { answered, blocked } = await answeredOrBlocked(probe, pid, release)
        assert.equal(answered, undefined, JSON.stringify(answered?.body))
        assert.equal(blocked.length, 1, JSON.stringify(blocked))
        // Waiting for the first pool, the release holds the second one not: it is free to lock.
        await probe.query('begin')
        try {
          await probe.query(`select id from ${pools} where id = $1 for update nowait`, [second!.id])
        } finally {
          await probe.query('rollback')
        }
        await holder.query('rollback')
        const done = await release
        assert.deepEqual(
          [done.status, done.body.summary],
          [200, { changed: 2, unchanged: 0, failed: 0 }],
          JSON.stringify(done.body),
        )
      } finally {
        await holder.query('rollback').catch(() => {})
      }
      assert.deepEqual(contentionRetries, before, 'transactions retried')
    })
})
