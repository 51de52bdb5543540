import { strict as assert } from 'node:assert'
import type { FastifyInstance } from 'fastify'
import { build } from '../../src/server/app.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

const WINDOW = 60_000

/**
 * Failed authentications are limited per client address and per presented token, counted in the
 * database so that every server process on it counts together.
 */
for (const dialect of DIALECTS) {
  describe(`rate limiting of failed authentications, on ${dialect}`, function () {
    let t: TestApp
    let a: FastifyInstance // two "processes" on one database
    let b: FastifyInstance
    let admin: string

    before(async () => {
      t = await startApp(dialect)
      admin = await t.org('acme', 'alice@acme.test')
      // The window starts on a multiple of its length: start the clock 10 s into one.
      t.clock.ms = Math.ceil(t.clock.ms / WINDOW) * WINDOW + 10_000
      const limits = { perIp: 6, perToken: 3, windowMs: WINDOW }
      a = await build({ storage: t.storage, clock: t.clock, authFailureLimits: limits })
      b = await build({ storage: t.storage, clock: t.clock, authFailureLimits: limits })
    })
    after(async () => {
      await a.close()
      await b.close()
      await t.close()
    })

    const get = async (app: FastifyInstance, token: string, ip: string) => {
      const res = await app.inject({
        method: 'GET',
        url: '/v1/orgs/acme',
        remoteAddress: ip,
        headers: { authorization: `Bearer ${token}` },
      })
      return { status: res.statusCode, body: res.json(), retryAfter: res.headers['retry-after'] }
    }

    it('answers 429 rate_limited with Retry-After once one token failed too often, on any server', async () => {
      const bad = `lic_u_${'B'.repeat(43)}`
      const seen = [
        await get(a, bad, '10.0.0.1'),
        await get(b, bad, '10.0.0.2'),
        await get(a, bad, '10.0.0.3'),
        await get(b, bad, '10.0.0.4'),
      ]
      assert.deepEqual(
        seen.map((r) => r.status),
        [401, 401, 401, 429],
      )
      assert.deepEqual(seen[3]!.body, {
        error: {
          code: 'rate_limited',
          message: 'too many failed authentications with this token: retry in 50 s',
          // notAuthenticated: a refused token all the same (the CLI's exit 4, and no retry).
          details: { retryAfterSeconds: 50, notAuthenticated: true },
        },
      })
      assert.equal(seen[3]!.retryAfter, '50')
      assert.equal(seen[0]!.retryAfter, undefined, 'a plain 401 has no Retry-After')
    })

    it('limits an address trying many tokens, and never a valid token from that address', async () => {
      const statuses = []
      for (let i = 0; i < 8; i++)
        statuses.push((await get(i % 2 ? a : b, `lic_u_${String(i).repeat(43)}`, '10.9.9.9')).status)
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 429, 429])
      assert.equal((await get(a, admin, '10.9.9.9')).status, 200)
      assert.equal((await get(b, `lic_u_${'Z'.repeat(43)}`, '10.9.9.8')).status, 401, 'another address')
    })

    it('counts a malformed Authorization header, and forgets a window once it is over', async () => {
      const res = await a.inject({
        method: 'GET',
        url: '/v1/orgs/acme',
        remoteAddress: '10.9.9.9',
        headers: { authorization: 'Basic eDp5' },
      })
      assert.equal(res.statusCode, 429)
      t.clock.advance(50_000)
      assert.equal((await get(a, `lic_u_${'Q'.repeat(43)}`, '10.9.9.9')).status, 401)
      // No secret in the database: tokens are counted under a hash.
      const rows = await t.storage.db.selectFrom('rate_limits').selectAll().execute()
      assert.ok(rows.length > 0)
      assert.ok(rows.every((r) => !r.key.includes('lic_')))
    })
  })
}
