import { strict as assert } from 'node:assert'
import { contentionRetries } from '../../src/server/transaction.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

// Removing a member releases what they hold in the same transaction. A checkout or an assignment
// racing the removal read the membership before the removal deleted it, and wrote its lease or
// assignment after the removal had released theirs: on PostgreSQL a removed member kept a seat.
for (const dialect of DIALECTS)
  describe(`concurrency: a member removed while checking out or being assigned, on ${dialect}`, function () {
    this.timeout(120_000)
    let t: TestApp
    let admin: string
    before(async () => {
      t = await startApp(dialect)
      admin = await t.org('race', 'boss@race.test')
      const pool = await t.call(t.operatorToken, 'POST', '/v1/orgs/race/seats/pools', {
        product: 'cad',
        seats: 100,
        expires: '2099-12-31',
      })
      assert.equal(pool.status, 201, JSON.stringify(pool.body))
      const addon = await t.call(t.operatorToken, 'POST', '/v1/orgs/race/cloud/addons', {
        key: 'proc',
        name: 'Proc',
        total: 100,
        expires: '2099-12-31',
      })
      assert.equal(addon.status, 201, JSON.stringify(addon.body))
    })
    after(async () => t?.close())

    it('a removed member holds no seat and no add-on, whichever request went first', async () => {
      for (let round = 0; round < 30; round++) {
        const email = `m${round}@race.test`
        const add = await t.call(admin, 'POST', '/v1/orgs/race/users/bulk-add', { items: [{ email }] })
        assert.equal(add.status, 200, JSON.stringify(add.body))
        await Promise.all([
          t.call(admin, 'POST', '/v1/orgs/race/seats/pools/cad/checkout', { host: `h${round}`, user: email }),
          t.call(admin, 'POST', '/v1/orgs/race/cloud/addons/proc/bulk-assign', { items: [{ email }] }),
          t.call(admin, 'POST', '/v1/orgs/race/users/bulk-remove', { items: [{ email }] }),
        ])
        const leases = await t.storage.db
          .selectFrom('leases')
          .innerJoin('users', 'users.id', 'leases.user_id')
          .select('leases.id')
          .where('users.email', '=', email)
          .execute()
        const assigned = await t.storage.db
          .selectFrom('addon_assignments')
          .innerJoin('users', 'users.id', 'addon_assignments.user_id')
          .select('addon_assignments.user_id')
          .where('users.email', '=', email)
          .execute()
        assert.deepEqual([round, leases.length, assigned.length], [round, 0, 0])
      }
    })

    // A bulk removal whose first row releases a seat of the pool, and a checkout for its second row's
    // member: the removal locked each member as it came to it, so it held the pool (released) while
    // the checkout held the member (key share) and waited for the pool. PostgreSQL broke the cycle
    // after its deadlock timeout and the runner retried; the batch now locks its members first.
    it('a bulk removal and a checkout for one of its members lock in one order: no deadlock to retry', async () => {
      const before = contentionRetries.deadlock ?? 0
      for (let round = 0; round < 20; round++) {
        const holder = `holder${round}@race.test`
        const racer = `racer${round}@race.test`
        const add = await t.call(admin, 'POST', '/v1/orgs/race/users/bulk-add', {
          items: [{ email: holder }, { email: racer }],
        })
        assert.equal(add.status, 200, JSON.stringify(add.body))
        const held = await t.call(admin, 'POST', '/v1/orgs/race/seats/pools/cad/checkout', {
          host: `held${round}`,
          user: holder,
        })
        assert.equal(held.status, 200, JSON.stringify(held.body))
        const [removed] = await Promise.all([
          t.call(admin, 'POST', '/v1/orgs/race/users/bulk-remove', {
            items: [{ email: holder }, { email: racer }],
          }),
          t.call(admin, 'POST', '/v1/orgs/race/seats/pools/cad/checkout', { host: `r${round}`, user: racer }),
        ])
        assert.equal(removed.status, 200, JSON.stringify(removed.body))
      }
      assert.equal((contentionRetries.deadlock ?? 0) - before, 0, 'deadlocks retried')
    })
  })
