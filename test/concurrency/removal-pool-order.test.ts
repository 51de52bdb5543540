import { strict as assert } from 'node:assert'
import pg from 'pg'
import { contentionRetries } from '../../src/server/transaction.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { PG_URL } from '../helpers/dialects.js'
import { answeredOrBlocked, holdRemoval } from '../helpers/hold-removal.js'

/**
 * A removal released each seat (add-on) its members hold, locking the seat's pool as it came to it:
 * a batch whose first member holds a seat of `cam` and second a seat of `cad` locked cam, then cad;
 * a removal of a member holding seats of both locked them in the order of its leases, cad first.
 * Two such removals at once locked the two pools in opposite orders: a deadlock, which PostgreSQL
 * broke after its timeout (and the runner retried). Now a removal locks every pool its members
 * hold in, sorted, before releasing anything. Deterministic: the batch is held (a removal hook)
 * after releasing its first member's part; the other removal is seen waiting (pg_blocking_pids)
 * before the batch goes on.
 */
const describePg = PG_URL ? describe : describe.skip

describePg(
  'concurrency: removals releasing seats of several pools lock them in one order, on postgres',
  function () {
    this.timeout(60_000)
    let t: TestApp
    let admin: string
    let monitor: pg.Client

    before(async () => {
      t = await startApp('postgres')
      admin = await t.org('pools', 'boss@pools.test')
      for (const product of ['cad', 'cam']) {
        const pool = await t.call(t.operatorToken, 'POST', '/v1/orgs/pools/seats/pools', {
          product,
          seats: 100,
          expires: '2099-12-31',
        })
        assert.equal(pool.status, 201, JSON.stringify(pool.body))
      }
      for (const key of ['xa', 'xb']) {
        const addon = await t.call(t.operatorToken, 'POST', '/v1/orgs/pools/cloud/addons', {
          key,
          name: key.toUpperCase(),
          total: 100,
          expires: '2099-12-31',
        })
        assert.equal(addon.status, 201, JSON.stringify(addon.body))
      }
      monitor = new pg.Client({ connectionString: PG_URL })
      await monitor.connect()
    })
    after(async () => {
      await monitor?.end()
      await t?.close()
    })

    const checkout = async (email: string, product: string) => {
      const res = await t.call(admin, 'POST', `/v1/orgs/pools/seats/pools/${product}/checkout`, {
        host: `${product}-ws`,
        user: email,
      })
      assert.equal(res.status, 200, JSON.stringify(res.body))
    }
    const assign = async (email: string, key: string) => {
      const res = await t.call(admin, 'POST', `/v1/orgs/pools/cloud/addons/${key}/bulk-assign`, {
        items: [{ email }],
      })
      assert.deepEqual([res.status, res.body.summary?.changed], [200, 1], JSON.stringify(res.body))
    }

    /**
     * What each member holds, and the hook after which the batch is held: a holds the second pool,
     * b the first, c both (released first-then-second: a seat in the order checked out, add-ons by key).
     */
    const kinds = [
      { what: 'seats of two pools', first: 'cad', second: 'cam', take: checkout, after: 15 },
      { what: 'add-ons of two pools', first: 'xa', second: 'xb', take: assign, after: 25 },
    ]

    let round = 0
    for (const kind of kinds)
      for (const second of ['bulk removal', 'removal of one member'])
        it(`${kind.what}: a batch releasing the second pool then the first, and a ${second} releasing the first then the second: no deadlock`, async () => {
          const before = { ...contentionRetries }
          round++
          const [a, b, c] = ['a', 'b', 'c'].map((x) => `${x}${round}@pools.test`) as [string, string, string]
          const add = await t.call(admin, 'POST', '/v1/orgs/pools/users/bulk-add', {
            items: [a, b, c].map((email) => ({ email })),
          })
          assert.equal(add.status, 200, JSON.stringify(add.body))
          await kind.take(a, kind.second)
          await kind.take(b, kind.first)
          await kind.take(c, kind.first)
          await kind.take(c, kind.second)
          // Held after the seats hook (10) released a's seat: the batch holds cam.
          const held = await holdRemoval(
            () =>
              t.call(admin, 'POST', '/v1/orgs/pools/users/bulk-remove', {
                items: [{ email: a }, { email: b }],
              }),
            a,
            15,
          )
          let other: Promise<{ status: number; body: any }> | undefined
          try {
            other =
              second === 'bulk removal'
                ? t.call(admin, 'POST', '/v1/orgs/pools/users/bulk-remove', { items: [{ email: c }] })
                : t.call(admin, 'DELETE', `/v1/orgs/pools/users/${c}`)
            const { answered, blocked } = await answeredOrBlocked(monitor, held.pid, other)
            assert.equal(answered, undefined, 'the other removal did not wait for the batch')
            assert.equal(blocked.length, 1, JSON.stringify(blocked))
          } finally {
            held.release()
          }
          const [batch, single] = await Promise.all([held.answer, other])
          assert.deepEqual([batch.status, batch.body.summary?.changed], [200, 2], JSON.stringify(batch.body))
          assert.equal(single.status, 200, JSON.stringify(single.body))
          const left = await Promise.all([
            t.storage.db
              .selectFrom('leases')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow(),
            t.storage.db
              .selectFrom('addon_assignments')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow(),
          ])
          assert.deepEqual(
            left.map((r) => Number(r.n)),
            [0, 0],
            'leases and add-ons left',
          )
          const pools = await t.storage.db
            .selectFrom('seat_pools')
            .select(['product', 'used'])
            .orderBy('product')
            .execute()
          assert.deepEqual(pools, [
            { product: 'cad', used: 0 },
            { product: 'cam', used: 0 },
          ])
          const addons = await t.storage.db
            .selectFrom('addon_pools')
            .select(['key', 'assigned'])
            .orderBy('key')
            .execute()
          assert.deepEqual(addons, [
            { key: 'xa', assigned: 0 },
            { key: 'xb', assigned: 0 },
          ])
          assert.deepEqual(contentionRetries, before, 'transactions retried')
        })
  },
)
