import { strict as assert } from 'node:assert'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

const ROUNDS = 25
/** One host, two spellings: both checkouts of a round name it at the same moment. */
const SPELLINGS = ['HOST-A', 'host-a']

for (const dialect of DIALECTS) {
  describe(`concurrent checkouts of one user on one host in different case, on ${dialect}`, function () {
    this.timeout(120_000)
    let t: TestApp
    let admin: string
    const base = '/v1/orgs/acme/seats'

    before(async () => {
      t = await startApp(dialect)
      admin = await t.org('acme', 'admin@acme.test')
      const add = await t.call(admin, 'POST', '/v1/orgs/acme/users/bulk-add', {
        items: [{ email: 'ann@acme.test', role: 'member' }],
      })
      assert.equal(add.status, 200, JSON.stringify(add.body))
      const res = await t.call(t.operatorToken, 'POST', `${base}/pools`, {
        product: 'race-cad',
        seats: 5,
        expires: '2030-12-31',
      })
      assert.equal(res.status, 201, JSON.stringify(res.body))
    })
    after(async () => t?.close())

    it(`one lease, one seat, whoever wins (${ROUNDS} rounds of ${SPELLINGS.join(' and ')})`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const answers = await Promise.all(
          SPELLINGS.map((host) =>
            t.call(admin, 'POST', `${base}/pools/race-cad/checkout`, { user: 'ann@acme.test', host }),
          ),
        )
        assert.deepEqual(
          answers.map((a) => a.status),
          [200, 200],
          `round ${round}: ${JSON.stringify(answers.map((a) => a.body))}`,
        )
        const leases = await t.storage.db.selectFrom('leases').select(['id', 'host']).execute()
        const { used } = await t.storage.db
          .selectFrom('seat_pools')
          .select('used')
          .where('product', '=', 'race-cad')
          .executeTakeFirstOrThrow()
        assert.equal(leases.length, 1, `round ${round}: ${JSON.stringify(leases)}`)
        assert.equal(used, 1, `round ${round}`)
        // Both answers are the one lease, under the spelling that won; one of them took the seat.
        assert.deepEqual(
          answers.map((a) => [a.body.id, a.body.host]),
          SPELLINGS.map(() => [leases[0]!.id, leases[0]!.host]),
        )
        assert.deepEqual(answers.map((a) => a.body.reused).sort(), [false, true], `round ${round}`)
        const back = await t.call(admin, 'POST', `${base}/leases/${leases[0]!.id}/checkin`)
        assert.equal(back.status, 200, JSON.stringify(back.body))
      }
    })
  })
}
