import { strict as assert } from 'node:assert'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

const NOW = Date.parse('2026-01-15T10:00:00Z')
/** 10000-01-01T00:00:00Z: what "--expires 9999-12-31" stored before the bound (valid through that day, UTC). */
const YEAR_10000 = 253_402_300_800_000
const LATEST = '9999-12-31T00:00:00.000Z'

for (const dialect of DIALECTS) {
  describe(`times beyond what licctl stores, on ${dialect}`, function () {
    let t: TestApp
    let admin = ''
    const op = (method: string, path: string, body?: object) => t.call(t.operatorToken, method, path, body)
    const refusal = (res: { status: number; body: { error?: { code: string; message: string } } }) => [
      res.status,
      res.body.error?.code,
      res.body.error?.message,
    ]

    before(async () => {
      t = await startApp(dialect, NOW)
      admin = await t.org('acme', 'admin@acme.test')
      const pool = await op('POST', '/v1/orgs/acme/seats/pools', {
        product: 'cad',
        seats: 1,
        expires: '2027-01-01',
      })
      assert.equal(pool.status, 201, JSON.stringify(pool.body))
      const addon = await op('POST', '/v1/orgs/acme/cloud/addons', {
        key: 'cp',
        name: 'CP',
        total: 1,
        expires: '2027-01-01',
      })
      assert.equal(addon.status, 201, JSON.stringify(addon.body))
      const cat = await op('POST', '/v1/devices/categories', { name: 'router' })
      assert.equal(cat.status, 201, JSON.stringify(cat.body))
    })
    after(() => t.close())

    it('refuses an expiration whose end is not a time licctl can store or show (400, nothing stored)', async () => {
      const cases: Array<[string, string, object, string]> = [
        [
          'POST',
          '/v1/orgs/acme/seats/pools',
          { product: 'big', seats: 1, expires: '9999-12-31' },
          'body.expires: after 9999-12-29, the latest date licctl accepts',
        ],
        [
          'POST',
          '/v1/orgs/acme/cloud/addons',
          { key: 'xx', name: 'X', total: 1, expires: '9999-12-31' },
          'body.expires: after 9999-12-29, the latest date licctl accepts',
        ],
        [
          'POST',
          '/v1/orgs/acme/cloud/addons',
          { key: 'yy', name: 'Y', total: 1, expires: '9999-12-31T23:00:00-05:00' },
          'body.expires: after 9999-12-31T00:00:00Z, the latest time licctl stores',
        ],
        [
          'PATCH',
          '/v1/orgs/acme/seats/pools/cad',
          { expires: '9999-12-31T12:00:00Z' },
          'body.expires: after 9999-12-31T00:00:00Z, the latest time licctl stores',
        ],
        [
          'PATCH',
          '/v1/orgs/acme/cloud/addons/cp',
          { expires: '0000-01-01T00:00:00+01:00' },
          'body.expires: before 1970-01-01T00:00:00Z, the earliest time licctl stores',
        ],
        [
          'POST',
          '/v1/orgs/acme/activations/entitlements',
          { product: 'viewer', type: 'NL', seats: 1, expires: '9999-12-31' },
          'body.expires: after 9999-12-29, the latest date licctl accepts',
        ],
        [
          'POST',
          '/v1/devices/keys',
          { category: 'router', term: '1y', count: 1, expires: '9999-12-30' },
          'body.expires: after 9999-12-29, the latest date licctl accepts',
        ],
      ]
      for (const [method, path, body, message] of cases)
        assert.deepEqual(refusal(await op(method, path, body)), [400, 'validation_failed', message], path)
      // Tokens take what was typed, in the one expiry schema, and compute it on the server: a date,
      // a duration (from the server's now), or an instant.
      for (const [body, message] of [
        [{ expires: '9999-12-31' }, 'body.expires: after 9999-12-29, the latest date licctl accepts'],
        [{ expires: '99999999999d' }, 'body.expires: longer than any time licctl stores (at most 2932896d)'],
        [{ expires: '0d' }, 'body.expires: expected a duration longer than zero'],
        [
          { expires: '1180591620717411303424d' },
          'body.expires: longer than any time licctl stores (at most 2932896d)',
        ],
        // Within the longest duration, but past the bound from the server's now
        [
          { expires: '2932800d' },
          "body.expires: after 9999-12-31T00:00:00Z, the latest time licctl stores, got '2932800d'",
        ],
        [
          { expiresAt: '9999-12-31T23:59:59Z' },
          "body.expiresAt: after 9999-12-31T00:00:00Z, the latest time licctl stores, got '9999-12-31T23:59:59Z'",
        ],
      ] as const)
        assert.deepEqual(refusal(await t.call(admin, 'POST', '/v1/orgs/acme/tokens', body)), [
          400,
          'validation_failed',
          message,
        ])
      // Nothing of the above was stored, and every list still answers.
      for (const path of [
        '/v1/orgs/acme/seats/pools',
        '/v1/orgs/acme/cloud/addons',
        '/v1/orgs/acme/tokens',
        '/v1/orgs/acme/activations/entitlements',
      ]) {
        const list = await t.call(admin, 'GET', path)
        assert.equal(list.status, 200, `${path}: ${JSON.stringify(list.body)}`)
        for (const item of list.body.items) assert.notEqual(item.expiresAt?.slice(0, 4), '9999', path)
      }
    })

    it('accepts the bounds themselves, and shows them in every time zone', async () => {
      const pool = await op('POST', '/v1/orgs/acme/seats/pools', {
        product: 'edge',
        seats: 1,
        expires: '9999-12-29',
      })
      assert.equal(pool.status, 201, JSON.stringify(pool.body))
      assert.deepEqual(
        [pool.body.expiresAt, pool.body.validThrough],
        ['9999-12-30T00:00:00.000Z', '9999-12-29'],
      )
      const addon = await op('POST', '/v1/orgs/acme/cloud/addons', {
        key: 'edge',
        name: 'Edge',
        total: 1,
        expires: LATEST,
      })
      assert.equal(addon.status, 201, JSON.stringify(addon.body))
      // The organization moves to the zone furthest east: every day shown is still in 9999.
      assert.equal(
        (await t.call(admin, 'PATCH', '/v1/orgs/acme', { timeZone: 'Pacific/Kiritimati' })).status,
        200,
      )
      const addons = await t.call(admin, 'GET', '/v1/orgs/acme/cloud/addons')
      assert.equal(addons.status, 200, JSON.stringify(addons.body))
      const pools = await t.call(admin, 'GET', '/v1/orgs/acme/seats/pools')
      assert.equal(pools.status, 200, JSON.stringify(pools.body))
      assert.equal(
        pools.body.items.find((p: { product: string }) => p.product === 'edge').validThrough,
        '9999-12-30',
      )
      assert.equal((await t.call(admin, 'PATCH', '/v1/orgs/acme', { timeZone: 'UTC' })).status, 200)
    })

    it('answers 400, never 500, for an expiry window beyond what it can compute', async () => {
      for (const [query, message] of [
        ['within=99999999999d', 'query.within: longer than any time licctl stores (at most 2932896d)'],
        [
          'within=1180591620717411303424d',
          'query.within: longer than any time licctl stores (at most 2932896d)',
        ],
        ['within=0d', 'query.within: expected a duration longer than zero'],
        ['within=30d&failWithin=0s', 'query.failWithin: expected a duration longer than zero'],
        ['within=1m', 'query.within: expected a window of an hour or more (m is minutes; a month is 30d)'],
        [
          'within=30d&failWithin=59m59s',
          'query.failWithin: expected a window of an hour or more (m is minutes; a month is 30d)',
        ],
        [
          'within=2920000d',
          "query.within: the window would end after 9999-12-31T00:00:00Z, the latest time licctl stores, got '2920000d'",
        ],
        ['within=7d&failWithin=14d', "query.failWithin: must not be longer than the window (7d), got '14d'"],
      ] as const) {
        const res = await t.call(admin, 'GET', `/v1/orgs/acme/expiry?${query}`)
        assert.deepEqual(refusal(res), [400, 'validation_failed', message], query)
        assert.equal(res.body.error.details.issues[0].path, message.split(':')[0], query)
      }
    })

    it('a row stored out of range by an older version takes no list down, and the migration caps it', async () => {
      const db = t.storage.db
      const orgId = (
        await db.selectFrom('organizations').select('id').where('slug', '=', 'acme').executeTakeFirstOrThrow()
      ).id
      await db
        .updateTable('seat_pools')
        .set({ expires_at: YEAR_10000 })
        .where('product', '=', 'cad')
        .execute()
      await db.updateTable('addon_pools').set({ expires_at: YEAR_10000 }).where('key', '=', 'cp').execute()
      await db.updateTable('tokens').set({ expires_at: YEAR_10000 }).where('org_id', '=', orgId).execute()
      // Presented within the range: the list answers, and so does the expiry check's capacity pass.
      for (const path of [
        '/v1/orgs/acme/seats/pools',
        '/v1/orgs/acme/cloud/addons',
        '/v1/orgs/acme/tokens',
      ]) {
        const list = await t.call(admin, 'GET', path)
        assert.equal(list.status, 200, `${path}: ${JSON.stringify(list.body)}`)
      }
      const pools = await t.call(admin, 'GET', '/v1/orgs/acme/seats/pools')
      assert.deepEqual(
        pools.body.items
          .filter((p: { product: string }) => p.product === 'cad')
          .map((p: { expiresAt: string }) => p.expiresAt),
        [LATEST],
      )
      assert.equal((await t.call(admin, 'GET', '/v1/orgs/acme/expiry?capacity=1')).status, 200)
      // The migration caps what is stored.
      const { up: capExpirations } = await import('../../src/storage/migrations/0009-expirations-in-range.js')
      await capExpirations(db)
      const stored = await db
        .selectFrom('seat_pools')
        .select('expires_at')
        .where('product', '=', 'cad')
        .executeTakeFirstOrThrow()
      assert.equal(Number(stored.expires_at), Date.parse(LATEST))
      const token = await db
        .selectFrom('tokens')
        .select('expires_at')
        .where('org_id', '=', orgId)
        .executeTakeFirstOrThrow()
      assert.equal(Number(token.expires_at), Date.parse(LATEST))
    })
  })
}
