import { strict as assert } from 'node:assert'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

const ROUNDS = 25
/** One host, spelled eight ways: every request of a round names it at the same moment. */
const SPELLINGS = [
  'race-host',
  'RACE-HOST',
  'Race-Host',
  'rACE-hOST',
  'RaCe-HoSt',
  'race-HOST',
  'RACE-host',
  'rAce-Host',
]

for (const dialect of DIALECTS) {
  describe(`concurrent activations of one host in different case, on ${dialect}`, function () {
    this.timeout(120_000)
    let t: TestApp
    let admin: string
    const base = '/v1/orgs/acme/activations'

    before(async () => {
      t = await startApp(dialect)
      admin = await t.org('acme', 'admin@acme.test')
      for (const [product, type] of [
        ['race-nl', 'NL'],
        ['race-cc', 'CC'],
      ]) {
        const res = await t.call(t.operatorToken, 'POST', `${base}/entitlements`, {
          product,
          type,
          seats: 1000,
          expires: '2030-12-31',
        })
        assert.equal(res.status, 201, JSON.stringify(res.body))
      }
    })
    after(async () => t?.close())

    const race = async (product: string, quantity: number) => {
      const id = (await t.call(admin, 'POST', `${base}/ids`, { product, quantity })).body.id as string
      const answers = await Promise.all(
        SPELLINGS.map((host) => t.call(admin, 'POST', `${base}/ids/${id}/activate`, { host })),
      )
      const hosts = await t.storage.db
        .selectFrom('activation_hosts')
        .select(['host', 'seats'])
        .where('activation_id', '=', id)
        .execute()
      const { used } = await t.storage.db
        .selectFrom('activation_ids')
        .select('used')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      return { answers, hosts, used }
    }

    it(`an NL ID: one seat, one host row, whoever wins (${ROUNDS} rounds of ${SPELLINGS.length})`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { answers, hosts, used } = await race('race-nl', 5)
        assert.deepEqual(
          answers.map((a) => a.status),
          SPELLINGS.map(() => 200),
          JSON.stringify(answers.map((a) => a.body)),
        )
        assert.equal(answers.filter((a) => a.body.changed).length, 1, `round ${round}`)
        assert.equal(hosts.length, 1, `round ${round}: ${JSON.stringify(hosts)}`)
        assert.deepEqual([hosts[0]!.seats, used], [1, 1], `round ${round}`)
        // Every answer names the one host as it was first typed.
        assert.deepEqual(new Set(answers.map((a) => a.body.host)), new Set([hosts[0]!.host]))
      }
    })

    it(`a CC ID: every seat on one host row (${ROUNDS} rounds of ${SPELLINGS.length})`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { answers, hosts, used } = await race('race-cc', 20)
        assert.deepEqual(
          answers.map((a) => a.status),
          SPELLINGS.map(() => 200),
          JSON.stringify(answers.map((a) => a.body)),
        )
        assert.equal(hosts.length, 1, `round ${round}: ${JSON.stringify(hosts)}`)
        assert.deepEqual([hosts[0]!.seats, used], [SPELLINGS.length, SPELLINGS.length], `round ${round}`)
      }
    })
  })
}
