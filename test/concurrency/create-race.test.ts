import { strict as assert } from 'node:assert'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

// On PostgreSQL, two requests creating the same thing at once both found it absent, both inserted,
// and the one whose insert hit the unique key a moment later answered 500 (a unique violation)
// instead of what it answers a moment after: 409 already_exists, or already-so in a bulk row.
for (const dialect of DIALECTS)
  describe(`concurrency: the same thing created by several requests at once, on ${dialect}`, function () {
    this.timeout(60_000)
    const ROUNDS = 5
    const AT_ONCE = 6
    let t: TestApp
    let admin: string
    before(async () => {
      t = await startApp(dialect)
      admin = await t.org('acme')
      await t.call(t.operatorToken, 'POST', '/v1/devices/categories', { name: 'router' })
    })
    after(async () => t?.close())

    const races: Array<{
      what: string
      token: () => string
      path: string
      body: (round: number) => Record<string, unknown>
      won: number
      lost: (res: { status: number; body: Record<string, unknown> }) => unknown
      lostAs: unknown
    }> = [
      {
        what: 'orgs create',
        token: () => t.operatorToken,
        path: '/v1/orgs',
        body: (round) => ({ slug: `same-${round}`, name: 'Same' }),
        won: 201,
        lost: (res) => [res.status, (res.body.error as { code: string }).code],
        lostAs: [409, 'already_exists'],
      },
      {
        what: 'seats provision',
        token: () => t.operatorToken,
        path: '/v1/orgs/acme/seats/pools',
        body: (round) => ({ product: `same-${round}`, seats: 1, expires: '2099-12-31' }),
        won: 201,
        lost: (res) => [res.status, (res.body.error as { code: string }).code],
        lostAs: [409, 'already_exists'],
      },
      {
        what: 'cloud provision',
        token: () => t.operatorToken,
        path: '/v1/orgs/acme/cloud/addons',
        body: (round) => ({ key: `same-${round}`, name: 'Same', total: 1, expires: '2099-12-31' }),
        won: 201,
        lost: (res) => [res.status, (res.body.error as { code: string }).code],
        lostAs: [409, 'already_exists'],
      },
      {
        what: 'devices add (a bulk row)',
        token: () => admin,
        path: '/v1/orgs/acme/devices/bulk-add',
        body: (round) => ({ items: [{ serial: `SAME-${round}`, category: 'router' }] }),
        won: 200,
        lost: (res) => [res.status, (res.body.results as Array<{ status: string }>)[0]!.status],
        lostAs: [200, 'already-so'],
      },
    ]

    for (const race of races)
      it(`${race.what}: ${AT_ONCE} requests at once, ${ROUNDS} rounds: one creates it, the others are told it exists, never 500`, async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const answers = await Promise.all(
            Array.from({ length: AT_ONCE }, () => t.call(race.token(), 'POST', race.path, race.body(round))),
          )
          const odd = answers.find((a) => a.status !== race.won && a.status !== 409)
          assert.equal(odd, undefined, JSON.stringify(odd?.body))
          const created = answers.filter((a) =>
            race.won === 200
              ? (a.body.results as Array<{ status: string }>)[0]!.status === 'changed'
              : a.status === race.won,
          )
          assert.equal(created.length, 1, JSON.stringify(answers.map((a) => a.body)))
          for (const other of answers.filter((a) => !created.includes(a)))
            assert.deepEqual(race.lost(other), race.lostAs, JSON.stringify(other.body))
        }
      })
  })
