import { strict as assert } from 'node:assert'
import { audit } from '../../src/server/services/audit.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

const START = Date.parse('2026-01-15T10:00:00Z')

/**
 * Which audit entries explain's history takes as its subject's: the ends of a target and the user
 * in a before or after, matched as typed (case, `_` and `%` too), the same on both dialects.
 */
for (const dialect of DIALECTS) {
  describe(`explain history: targets matched exactly on ${dialect}`, function () {
    let t: TestApp
    let admin: string
    let id: string
    let split: string
    let lease: string
    let underscoreLease: string

    const call = async (token: string, method: string, path: string, body?: object) => {
      const res = await t.call(token, method, `/v1/orgs/acme${path}`, body)
      assert.ok(res.status < 300, `${path}: ${JSON.stringify(res.body)}`)
      return res.body
    }
    const history = async (subject: string, name: string) => {
      const e = await call(
        admin,
        'GET',
        `/explain/bob@acme.test?subject=${subject}&name=${encodeURIComponent(name)}`,
      )
      return (e.history as Array<{ action: string; target: string }>).map((h) => [h.action, h.target])
    }

    before(async () => {
      t = await startApp(dialect, START)
      admin = await t.org('acme', 'admin@acme.test')
      await call(admin, 'POST', '/users/bulk-add', { items: [{ email: 'bob@acme.test' }] })
      await call(t.operatorToken, 'POST', '/activations/entitlements', {
        product: 'flow',
        type: 'CC',
        seats: 4,
        expires: '2027-01-01',
      })
      id = (await call(admin, 'POST', '/activations/ids', { product: 'flow', quantity: 3 })).id
      await call(admin, 'POST', `/activations/ids/${id}/activate`, { host: 'lic-a' })
      split = (await call(admin, 'POST', `/activations/ids/${id}/split`, { quantity: 1 })).id
      for (const product of ['cad', 'c_d'])
        await call(t.operatorToken, 'POST', '/seats/pools', { product, seats: 2, expires: '2027-01-01' })
      lease = (
        await call(admin, 'POST', '/seats/pools/cad/checkout', { host: 'ws-1', user: 'bob@acme.test' })
      ).id
      underscoreLease = (
        await call(admin, 'POST', '/seats/pools/c_d/checkout', { host: 'ws-1', user: 'bob@acme.test' })
      ).id
      // Entries no request writes (an older server's, a migration's): a pool's product in another
      // case, its user in another case. Neither is about bob's seats of `cad`.
      const org = await t.storage.db
        .selectFrom('organizations')
        .select('id')
        .where('slug', '=', 'acme')
        .executeTakeFirstOrThrow()
      const src = { principal: { kind: 'operator' as const, tokenId: 'test' }, clock: t.clock }
      await audit(t.storage.db, src, {
        orgId: org.id,
        action: 'seats.checkout',
        target: 'CAD/ls_0000000000000000000000upper',
        after: { used: 1, user: 'bob@acme.test', host: 'ws-9' },
      })
      await audit(t.storage.db, src, {
        orgId: org.id,
        action: 'seats.checkout',
        target: 'cad/ls_0000000000000000000000other',
        after: { used: 1, user: 'BOB@acme.test', host: 'ws-9' },
      })
    })
    after(() => t.close())

    it('an activation ID: its hosts’ entries and the split that names it, in any case, matched exactly', async () => {
      assert.deepEqual(await history('activation', id), [
        ['activations.split', `${id}/${split}`],
        ['activations.activate', `${id}/lic-a`],
        ['activations.generate', id],
      ])
      assert.deepEqual(await history('activation', split), [['activations.split', `${id}/${split}`]])
      // `ACT_…` is the same ID (Crockford base32 ignores case): spelled in lowercase before any
      // match, which stays exact (SQLite's LIKE had found `act_…` for any spelling at all).
      assert.deepEqual(await history('activation', id.toUpperCase()), await history('activation', id))
      assert.deepEqual(await history('activation', split.toUpperCase()), await history('activation', split))
      // `%` and `_` are characters, not wildcards: they name no ID (404), so no history either.
      for (const name of ['%', '_', `${id.slice(0, -1)}_`, `${id.slice(0, 8)}%`]) {
        const res = await t.call(
          admin,
          'GET',
          `/v1/orgs/acme/explain/bob@acme.test?subject=activation&name=${encodeURIComponent(name)}`,
        )
        assert.deepEqual([res.status, res.body.error?.code], [404, 'not_found'], name)
      }
    })

    it('a seat pool: the entries of its leases naming the user, as typed', async () => {
      assert.deepEqual(await history('pool', 'cad'), [
        ['seats.checkout', `cad/${lease}`],
        ['user.add', 'bob@acme.test'],
      ])
      // `c_d/` is not a pattern that `cad/` matches, nor the other way round.
      assert.deepEqual(await history('pool', 'c_d'), [
        ['seats.checkout', `c_d/${underscoreLease}`],
        ['user.add', 'bob@acme.test'],
      ])
    })
  })
}
