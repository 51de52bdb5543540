import { strict as assert } from 'node:assert'
import { hashToken } from '../../src/domain/tokens.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

for (const dialect of DIALECTS) {
  describe(`auth on ${dialect}`, function () {
    let t: TestApp
    let alice: string // admin of acme
    let gina: string // admin of globex
    let bob: string // member of acme
    let readOnly: string // alice, read-only

    const tokenFor = async (by: string, body: Record<string, unknown>) => {
      const res = await t.call(by, 'POST', '/v1/orgs/acme/tokens', body)
      assert.equal(res.status, 201, JSON.stringify(res.body))
      return res.body as { id: string; token: string }
    }

    before(async () => {
      t = await startApp(dialect)
      alice = await t.org('acme', 'alice@acme.test')
      gina = await t.org('globex', 'gina@globex.test')
      await t.call(alice, 'POST', '/v1/orgs/acme/users/bulk-add', { items: [{ email: 'bob@acme.test' }] })
      bob = (await tokenFor(alice, { userEmail: 'bob@acme.test' })).token
      readOnly = (await tokenFor(alice, { readOnly: true, name: 'ci' })).token
    })
    after(async () => t.close())

    describe('401 unauthenticated', () => {
      const cases: Array<[string, Record<string, string>, string]> = [
        ['no Authorization header', {}, 'missing token: send Authorization: Bearer <token>'],
        [
          'a non-bearer scheme',
          { authorization: 'Basic YWxpY2U6cHc=' },
          'malformed Authorization header: expected Bearer <token>',
        ],
        [
          'an unknown token',
          { authorization: 'Bearer lic_u_AAAAAAAAAAAAAAAAAAAA' },
          'invalid or revoked token',
        ],
      ]
      for (const [what, headers, message] of cases)
        it(`refuses ${what}`, async () => {
          const res = await t.app.inject({ method: 'GET', url: '/v1/orgs/acme', headers })
          assert.equal(res.statusCode, 401)
          assert.deepEqual(res.json(), { error: { code: 'unauthenticated', message } })
        })

      it('refuses a revoked token at once', async () => {
        const tok = await tokenFor(alice, { name: 'short-lived' })
        assert.equal((await t.call(tok.token, 'GET', '/v1/me')).status, 200)
        assert.equal((await t.call(alice, 'DELETE', `/v1/orgs/acme/tokens/${tok.id}`)).status, 200)
        const res = await t.call(tok.token, 'GET', '/v1/me')
        assert.equal(res.status, 401)
        assert.equal(res.body.error.message, 'invalid or revoked token')
      })

      it('refuses a token from the instant it expires, not a millisecond later', async () => {
        const expiresAt = new Date(t.clock.now() + 3_600_000).toISOString()
        const tok = await tokenFor(alice, { expiresAt })
        t.clock.advance(3_600_000 - 1)
        assert.equal((await t.call(tok.token, 'GET', '/v1/me')).status, 200)
        t.clock.advance(1)
        const res = await t.call(tok.token, 'GET', '/v1/me')
        assert.equal(res.status, 401)
        assert.equal(res.body.error.message, 'token expired')
      })

      it('refuses the tokens of a removed member, and only for that organization', async () => {
        // dora belongs to both organizations: removing her from acme leaves her globex token working.
        await t.call(alice, 'POST', '/v1/orgs/acme/users/bulk-add', { items: [{ email: 'dora@both.test' }] })
        await t.call(gina, 'POST', '/v1/orgs/globex/users/bulk-add', { items: [{ email: 'dora@both.test' }] })
        const inAcme = (await tokenFor(alice, { userEmail: 'dora@both.test' })).token
        const inGlobex = (
          await t.call(gina, 'POST', '/v1/orgs/globex/tokens', { userEmail: 'dora@both.test' })
        ).body.token as string
        const removed = await t.call(alice, 'DELETE', '/v1/orgs/acme/users/dora@both.test')
        assert.equal(removed.body.tokensRevoked, 1)
        assert.equal((await t.call(inAcme, 'GET', '/v1/orgs/acme')).status, 401)
        assert.equal((await t.call(inGlobex, 'GET', '/v1/orgs/globex')).status, 200)
      })
    })

    describe('403 not allowed', () => {
      it('answers another organization’s token 403 wrong_organization on every org-scoped route', async () => {
        for (const [method, url, body] of [
          ['GET', '/v1/orgs/acme'],
          ['GET', '/v1/orgs/acme/users'],
          ['GET', '/v1/orgs/acme/tokens'],
          ['GET', '/v1/orgs/acme/audit'],
          ['PATCH', '/v1/orgs/acme', { name: 'Mine now' }],
          ['POST', '/v1/orgs/acme/tokens', {}],
        ] as const) {
          const res = await t.call(gina, method, url, body)
          assert.equal(res.status, 403, `${method} ${url}`)
          assert.deepEqual(res.body.error, {
            code: 'wrong_organization',
            message: "this token acts for organization 'globex', not 'acme'",
          })
        }
      })

      it('refuses a member doing admin work, and lets them read and manage their own tokens', async () => {
        for (const [method, url, body] of [
          ['PATCH', '/v1/orgs/acme', { name: 'X' }],
          ['GET', '/v1/orgs/acme/audit'],
          ['POST', '/v1/orgs/acme/users/bulk-add', { items: [{ email: 'x@acme.test' }] }],
          ['POST', '/v1/orgs/acme/users/bulk-remove', { items: [{ email: 'alice@acme.test' }] }],
          ['DELETE', '/v1/orgs/acme/users/alice@acme.test'],
          ['PATCH', '/v1/orgs/acme/users/bob@acme.test', { role: 'admin' }],
          ['POST', '/v1/orgs/acme/tokens', { userEmail: 'alice@acme.test' }],
        ] as const) {
          const res = await t.call(bob, method, url, body)
          assert.equal(res.status, 403, `${method} ${url}`)
          assert.deepEqual(res.body.error, {
            code: 'not_admin',
            message: "only admins of 'acme' can do this",
          })
        }
        assert.equal((await t.call(bob, 'GET', '/v1/orgs/acme')).status, 200)
        assert.equal((await t.call(bob, 'GET', '/v1/orgs/acme/users')).status, 200)
        const own = await t.call(bob, 'POST', '/v1/orgs/acme/tokens', { name: 'laptop' })
        assert.equal(own.status, 201)
        assert.equal(own.body.userEmail, 'bob@acme.test')
        const listed = await t.call(bob, 'GET', '/v1/orgs/acme/tokens')
        assert.deepEqual(
          new Set(listed.body.items.map((i: { userEmail: string }) => i.userEmail)),
          new Set(['bob@acme.test']),
        )
        const alices = (await t.call(alice, 'GET', '/v1/orgs/acme/tokens')).body.items.find(
          (i: { userEmail: string }) => i.userEmail === 'alice@acme.test',
        )
        const other = await t.call(bob, 'DELETE', `/v1/orgs/acme/tokens/${alices.id}`)
        assert.equal(other.status, 403)
        assert.equal(other.body.error.code, 'not_admin')
        assert.equal((await t.call(bob, 'DELETE', `/v1/orgs/acme/tokens/${own.body.id}`)).status, 200)
      })

      it('lets a read-only token read everything its role may read and change nothing', async () => {
        for (const url of [
          '/v1/orgs/acme',
          '/v1/orgs/acme/users',
          '/v1/orgs/acme/tokens',
          '/v1/orgs/acme/audit',
        ])
          assert.equal((await t.call(readOnly, 'GET', url)).status, 200, url)
        for (const [method, url, body] of [
          ['PATCH', '/v1/orgs/acme', { name: 'X' }],
          ['POST', '/v1/orgs/acme/users/bulk-add', { items: [{ email: 'x@acme.test' }] }],
          ['PATCH', '/v1/orgs/acme/users/bob@acme.test', { role: 'admin' }],
          ['DELETE', '/v1/orgs/acme/users/bob@acme.test'],
          ['POST', '/v1/orgs/acme/tokens', { readOnly: false }],
        ] as const) {
          const res = await t.call(readOnly, method, url, body)
          assert.equal(res.status, 403, `${method} ${url}`)
          assert.deepEqual(res.body.error, { code: 'read_only_token', message: 'this token is read-only' })
        }
      })

      it('lets a read-only token dry-run every bulk endpoint (a read: nothing changes, no key is kept), never apply one', async () => {
        await t.call(t.operatorToken, 'POST', '/v1/orgs/acme/cloud/addons', {
          key: 'ro-plan',
          name: 'RO Plan',
          total: 5,
          expires: '2027-01-01',
        })
        const jobs: Array<[string, unknown[]]> = [
          ['/v1/orgs/acme/users/bulk-add', [{ email: 'x@acme.test' }]],
          ['/v1/orgs/acme/users/bulk-remove', [{ email: 'bob@acme.test' }]],
          ['/v1/orgs/acme/cloud/addons/ro-plan/bulk-assign', [{ email: 'bob@acme.test' }]],
          ['/v1/orgs/acme/cloud/addons/ro-plan/bulk-revoke', [{ email: 'bob@acme.test' }]],
          ['/v1/orgs/acme/seats/releases', [{ user: 'bob@acme.test' }]],
          ['/v1/orgs/acme/devices/bulk-add', [{ serial: 'RO-1', category: 'router' }]],
          ['/v1/orgs/acme/devices/bulk-remove', [{ serial: 'RO-1' }]],
          ['/v1/orgs/acme/devices/bulk-assign', [{ serial: 'RO-1' }]],
          ['/v1/orgs/acme/devices/bulk-detach', [{ serial: 'RO-1' }]],
        ]
        const members = async () =>
          ((await t.call(alice, 'GET', '/v1/orgs/acme/users')).body.items as Array<{ email: string }>).map(
            (u) => u.email,
          )
        const before = await members()
        const audit = async () => (await t.call(alice, 'GET', '/v1/orgs/acme/audit')).body.items.length
        const entries = await audit()
        for (const [i, [url, items]] of jobs.entries()) {
          const key = `ro-dry-run-${dialect}-${i}`
          const res = await t.call(readOnly, 'POST', url, { dryRun: true, items }, { 'idempotency-key': key })
          assert.equal(res.status, 200, `${url}: ${JSON.stringify(res.body)}`)
          assert.equal(res.body.dryRun, true, url)
          const kept = await t.storage.db
            .selectFrom('idempotency_keys')
            .select('key')
            .where('key', '=', key)
            .execute()
          assert.deepEqual(kept, [], `${url}: a dry run keeps no Idempotency-Key`)
          // Applying is a change: refused before the body is looked at, with or without a key.
          for (const body of [{ items }, { dryRun: false, items }, { items: 'not a list' }]) {
            const real = await t.call(readOnly, 'POST', url, body, { 'idempotency-key': `${key}-real` })
            assert.equal(real.status, 403, `${url} ${JSON.stringify(body)}`)
            assert.deepEqual(real.body.error, { code: 'read_only_token', message: 'this token is read-only' })
          }
          // A dry run is the token's to ask for: its input rules are its to learn.
          const bad = await t.call(readOnly, 'POST', url, { dryRun: true, items: 'not a list' })
          assert.equal(bad.status, 400, url)
          assert.equal(bad.body.error.code, 'validation_failed', url)
        }
        assert.deepEqual(await members(), before)
        assert.equal(await audit(), entries)
        // A read-only member's token is still refused admin work, dry or not.
        const bobReadOnly = (await t.call(bob, 'POST', '/v1/orgs/acme/tokens', { readOnly: true })).body.token
        const dry = await t.call(bobReadOnly, 'POST', '/v1/orgs/acme/users/bulk-add', {
          dryRun: true,
          items: [{ email: 'x@acme.test' }],
        })
        assert.equal(dry.status, 403)
        assert.equal(dry.body.error.code, 'not_admin')
      })

      it('keeps no Idempotency-Key for a dry run of any token, and keeps one for applying', async () => {
        const url = '/v1/orgs/acme/users/bulk-add'
        const items = [{ email: 'kept@acme.test' }]
        const keys = async (key: string) =>
          (await t.storage.db.selectFrom('idempotency_keys').select('key').where('key', '=', key).execute())
            .length
        const dry = await t.call(
          alice,
          'POST',
          url,
          { dryRun: true, items },
          { 'idempotency-key': 'dry-key-1' },
        )
        assert.equal(dry.status, 200)
        assert.equal(await keys('dry-key-1'), 0)
        const real = await t.call(alice, 'POST', url, { items }, { 'idempotency-key': 'real-key-1' })
        assert.equal(real.status, 200)
        assert.equal(await keys('real-key-1'), 1)
      })

      it('keeps creating organizations to the operator', async () => {
        const res = await t.call(alice, 'POST', '/v1/orgs', { slug: 'mine', name: 'Mine' })
        assert.equal(res.status, 403)
        assert.deepEqual(res.body.error, {
          code: 'forbidden',
          message:
            'only the server operator can do this: use the operator token that `licctl server init` printed (LICCTL_TOKEN=<operator token> licctl …)',
          details: { requires: 'operator' },
        })
      })

      it('applies a role change to tokens already issued', async () => {
        await t.call(alice, 'POST', '/v1/orgs/acme/users/bulk-add', {
          items: [{ email: 'erin@acme.test', role: 'admin' }],
        })
        const erin = (await tokenFor(alice, { userEmail: 'erin@acme.test' })).token
        assert.equal((await t.call(erin, 'GET', '/v1/orgs/acme/audit')).status, 200)
        await t.call(alice, 'PATCH', '/v1/orgs/acme/users/erin@acme.test', { role: 'member' })
        assert.equal((await t.call(erin, 'GET', '/v1/orgs/acme/audit')).status, 403)
      })
    })

    it('says who a token belongs to', async () => {
      const { tokenId, ...operator } = (await t.call(t.operatorToken, 'GET', '/v1/me')).body
      assert.match(tokenId, /^tok_/)
      assert.deepEqual(operator, { kind: 'operator', email: null, org: null, role: null, readOnly: false })
      const me = (await t.call(readOnly, 'GET', '/v1/me')).body
      assert.deepEqual(
        { kind: me.kind, email: me.email, org: me.org, role: me.role, readOnly: me.readOnly },
        { kind: 'user', email: 'alice@acme.test', org: 'acme', role: 'admin', readOnly: true },
      )
    })

    it('stores tokens only as hashes, and records when a token was last used', async () => {
      const tok = await tokenFor(alice, { name: 'hash-check' })
      const rows = await t.storage.db.selectFrom('tokens').selectAll().execute()
      assert.ok(rows.every((r) => !JSON.stringify(r).includes(tok.token.slice(6))))
      const row = rows.find((r) => r.id === tok.id)!
      assert.equal(row.token_hash, hashToken(tok.token))
      assert.equal(row.prefix, tok.token.slice(0, 10))
      assert.equal(row.last_used_at, null)
      await t.call(tok.token, 'GET', '/v1/me')
      const listed = (await t.call(alice, 'GET', '/v1/orgs/acme/tokens?limit=1000')).body.items.find(
        (i: { id: string }) => i.id === tok.id,
      )
      assert.equal(listed.lastUsedAt, new Date(t.clock.now()).toISOString())
      assert.ok(!('token' in listed))
    })
  })
}
