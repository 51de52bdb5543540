import { strict as assert } from 'node:assert'
import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { build } from '../../src/server/app.js'
import { orgParams } from '../../src/contract/common.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

/**
 * Who may call a route is decided before anything about the request's input, and a caller learns
 * nothing about organizations it cannot see: not whether they exist, not their input rules.
 */
for (const dialect of DIALECTS) {
  describe(`access before input, on ${dialect}`, function () {
    let t: TestApp
    let alice: string // admin of acme
    let gina: string // admin of globex
    let bob: string // member of acme
    let readOnly: string // alice, read-only

    before(async () => {
      t = await startApp(dialect)
      alice = await t.org('acme', 'alice@acme.test')
      gina = await t.org('globex', 'gina@globex.test')
      await t.call(alice, 'POST', '/v1/orgs/acme/users/bulk-add', { items: [{ email: 'bob@acme.test' }] })
      bob = (await t.call(alice, 'POST', '/v1/orgs/acme/tokens', { userEmail: 'bob@acme.test' })).body.token
      readOnly = (await t.call(alice, 'POST', '/v1/orgs/acme/tokens', { readOnly: true })).body.token
      await t.call(t.operatorToken, 'POST', '/v1/orgs/acme/seats/pools', {
        product: 'cad',
        seats: 2,
        expires: '2030-01-01',
      })
    })
    after(async () => t.close())

    const notFound = (slug: string) => ({
      error: { code: 'not_found', message: `organization '${slug}' not found` },
    })
    const wrongOrg = (own: string, named: string) => ({
      error: {
        code: 'wrong_organization',
        message: `this token acts for organization '${own}', not '${named}'`,
      },
    })

    // Valid requests on every kind of org-scoped route: reads, admin work, member work, operator work.
    const requests = (org: string): Array<[string, string, unknown?]> => [
      ['GET', `/v1/orgs/${org}`],
      ['PATCH', `/v1/orgs/${org}`, { name: 'Mine now' }],
      ['GET', `/v1/orgs/${org}/users`],
      ['GET', `/v1/orgs/${org}/audit`],
      ['GET', `/v1/orgs/${org}/tokens`],
      ['POST', `/v1/orgs/${org}/tokens`, {}],
      ['POST', `/v1/orgs/${org}/users/bulk-add`, { items: [{ email: 'eve@evil.test' }] }],
      ['DELETE', `/v1/orgs/${org}/users/alice@acme.test`],
      ['GET', `/v1/orgs/${org}/seats/pools`],
      ['POST', `/v1/orgs/${org}/seats/pools/cad/checkout`, { host: 'pc-1' }],
      ['POST', `/v1/orgs/${org}/seats/pools`, { product: 'x', seats: 1, expires: '2030-01-01' }],
      ['GET', `/v1/orgs/${org}/cloud/addons`],
      ['POST', `/v1/orgs/${org}/cloud/addons`, { key: 'kk', name: 'K', total: 1, expires: '2030-01-01' }],
    ]

    // The spec's exit 4 for another organization, without telling which slugs exist: the answer
    // depends only on the token's own organization and the slug named, never on the slug's existence.
    it('answers a user token naming another organization 403 wrong_organization, whether it exists or not', async () => {
      for (const [who, token, own] of [
        ['admin of globex', () => gina, 'globex'],
        ['read-only token of acme', () => readOnly, 'acme'],
        ['member of acme', () => bob, 'acme'],
      ] as const) {
        const target = own === 'globex' ? 'acme' : 'globex'
        const existing = requests(target)
        const missing = requests('ghost')
        for (const [i, [method, url, body]] of existing.entries()) {
          const seen = await t.call(token(), method, url, body)
          const unseen = await t.call(token(), missing[i]![0], missing[i]![1], missing[i]![2])
          assert.deepEqual(
            [seen.status, seen.body],
            [403, wrongOrg(own, target)],
            `${who}: ${method} ${url} ${JSON.stringify(seen.body)}`,
          )
          assert.deepEqual(
            [unseen.status, unseen.body],
            [403, wrongOrg(own, 'ghost')],
            `${who}: ${method} ${url}`,
          )
        }
      }
    })

    it('answers byte for byte the same before and after the named organization exists', async () => {
      const raw = async (token: string, method: string, url: string, body?: unknown) => {
        const res = await t.app.inject({
          method: method as 'GET',
          url,
          headers: { authorization: `Bearer ${token}` },
          ...(body === undefined ? {} : { payload: body as object }),
        })
        return [res.statusCode, res.headers['content-type'], res.headers['content-length'], res.body]
      }
      const callers = [gina, readOnly, bob]
      const before = []
      for (const token of callers)
        for (const [method, url, body] of requests('poison')) before.push(await raw(token, method, url, body))
      await t.org('poison', 'pat@poison.test')
      const after = []
      for (const token of callers)
        for (const [method, url, body] of requests('poison')) after.push(await raw(token, method, url, body))
      assert.deepEqual(after, before)
      assert.ok(before.every(([status]) => status === 403))
    })

    it('gives a member of several organizations the same answer with a token of the other one', async () => {
      // gina joins acme too; her globex token still acts only for globex, and says so for acme as for ghost.
      await t.call(alice, 'POST', '/v1/orgs/acme/users/bulk-add', { items: [{ email: 'gina@globex.test' }] })
      for (const slug of ['acme', 'ghost']) {
        const res = await t.call(gina, 'GET', `/v1/orgs/${slug}/users`)
        assert.deepEqual([res.status, res.body], [403, wrongOrg('globex', slug)])
      }
      await t.call(alice, 'DELETE', '/v1/orgs/acme/users/gina@globex.test')
    })

    it('still tells the operator which organizations do not exist, and members what they may not do', async () => {
      const ghost = await t.call(t.operatorToken, 'GET', '/v1/orgs/ghost')
      assert.deepEqual([ghost.status, ghost.body], [404, notFound('ghost')])
      const member = await t.call(bob, 'PATCH', '/v1/orgs/acme', { name: 'X' })
      assert.deepEqual(
        [member.status, member.body.error.code],
        [403, 'not_admin'],
        'a member of the organization is told it is admin work',
      )
      const operatorWork = await t.call(alice, 'POST', '/v1/orgs/acme/seats/pools', {
        product: 'x',
        seats: 1,
        expires: '2030-01-01',
      })
      assert.deepEqual(operatorWork.body, {
        error: {
          code: 'forbidden',
          message:
            'only the server operator can do this: use the operator token that `licctl server init` printed (LICCTL_TOKEN=<operator token> licctl …)',
          details: { requires: 'operator' },
        },
      })
    })

    describe('a route’s declared access is checked before its input', () => {
      let app: Awaited<ReturnType<typeof build>>
      before(async () => {
        app = await build({ storage: t.storage, clock: t.clock })
        // Routes only this test registers, declaring access the way the endpoint table does.
        const routes: FastifyPluginAsyncZod = async (v1) => {
          const body = z.strictObject({ name: z.string().min(1) })
          for (const [access, mutation] of [
            ['admin', true],
            ['member', true],
            ['member', false],
            ['operator', true],
            ['token', true],
          ] as const)
            v1.post(
              `/orgs/:org/probe-${access}-${mutation ? 'write' : 'read'}`,
              { config: { access, mutation }, schema: { params: orgParams, body } },
              async () => ({ ok: true }),
            )
          // A route that takes a dry run (every bulk route, a resize): one (`"dryRun": true` in its
          // body) is a read.
          v1.post(
            '/orgs/:org/probe-member-bulk',
            {
              config: { access: 'member', mutation: true, dryRun: true },
              schema: { params: orgParams, body: body.extend({ dryRun: z.boolean().optional() }) },
            },
            async () => ({ ok: true }),
          )
        }
        await app.register(routes, { prefix: '/v1' })
      })
      after(async () => app.close())

      const send = async (token: string, url: string, payload: string, type = 'application/json') => {
        const res = await app.inject({
          method: 'POST',
          url,
          payload,
          headers: { authorization: `Bearer ${token}`, 'content-type': type },
        })
        return [res.statusCode, res.json()] as const
      }
      const invalid = JSON.stringify({ name: 42, colour: 'red' })
      const bodies: Array<[string, string, string?]> = [
        ['a body that fails its schema', invalid],
        ['malformed JSON', '{"name": '],
        ['an unsupported content type', 'name=x', 'text/plain'],
        ['an empty JSON body', ''],
        ['a body over the size limit', JSON.stringify({ name: 'x'.repeat(1_100_000) })],
      ]

      for (const [what, payload, type] of bodies)
        it(`refuses ${what} from a caller without the right to the route, with the caller's refusal`, async () => {
          assert.deepEqual(await send(gina, '/v1/orgs/acme/probe-member-read', payload, type), [
            403,
            wrongOrg('globex', 'acme'),
          ])
          assert.deepEqual(await send(gina, '/v1/orgs/ghost/probe-member-read', payload, type), [
            403,
            wrongOrg('globex', 'ghost'),
          ])
          assert.deepEqual(await send(bob, '/v1/orgs/acme/probe-admin-write', payload, type), [
            403,
            { error: { code: 'not_admin', message: "only admins of 'acme' can do this" } },
          ])
          assert.deepEqual(await send(readOnly, '/v1/orgs/acme/probe-member-write', payload, type), [
            403,
            { error: { code: 'read_only_token', message: 'this token is read-only' } },
          ])
          assert.deepEqual(await send(readOnly, '/v1/orgs/acme/probe-token-write', payload, type), [
            403,
            { error: { code: 'read_only_token', message: 'this token is read-only' } },
          ])
          // A route that takes a dry run lets a read-only token send one, which only a body read as JSON can be:
          // a body that cannot be read is refused as the token's, not as the body's.
          assert.deepEqual(await send(readOnly, '/v1/orgs/acme/probe-member-bulk', payload, type), [
            403,
            { error: { code: 'read_only_token', message: 'this token is read-only' } },
          ])
          assert.deepEqual(await send(alice, '/v1/orgs/acme/probe-operator-write', payload, type), [
            403,
            {
              error: {
                code: 'forbidden',
                message:
                  'only the server operator can do this: use the operator token that `licctl server init` printed (LICCTL_TOKEN=<operator token> licctl …)',
                details: { requires: 'operator' },
              },
            },
          ])
        })

      it('lets callers with the right to the route reach its input rules', async () => {
        for (const [token, url] of [
          [alice, '/v1/orgs/acme/probe-admin-write'],
          [bob, '/v1/orgs/acme/probe-member-write'],
          [readOnly, '/v1/orgs/acme/probe-member-read'],
          [t.operatorToken, '/v1/orgs/ghost/probe-operator-write'],
          [t.operatorToken, '/v1/orgs/acme/probe-admin-write'],
        ] as const) {
          const [status, body] = await send(token, url, invalid)
          assert.equal(status, 400, url)
          assert.equal(body.error.code, 'validation_failed', url)
          assert.deepEqual(await send(token, url, JSON.stringify({ name: 'x' })), [200, { ok: true }])
        }
        // A route that takes a dry run: a writer learns its body's rules; so does a read-only token
        // sending a dry run.
        const bulk = '/v1/orgs/acme/probe-member-bulk'
        for (const [token, payload] of [
          [bob, '{"name": '],
          [bob, invalid],
          [readOnly, JSON.stringify({ dryRun: true, name: 42 })],
        ] as const) {
          const [status, body] = await send(token, bulk, payload)
          assert.equal(status, 400, payload)
          assert.equal(
            body.error.code,
            payload === '{"name": ' ? 'bad_request' : 'validation_failed',
            payload,
          )
        }
        assert.deepEqual(await send(readOnly, bulk, JSON.stringify({ dryRun: true, name: 'x' })), [
          200,
          { ok: true },
        ])
      })
    })

    describe('text input', () => {
      // PostgreSQL cannot store U+0000 in text: the statement failed (22021) and the route answered
      // 500. A fuzzed audit-entry id found it; a path parameter, a query value and a body field here.
      it('refuses the NUL character anywhere, naming the field, before any query', async () => {
        const nul = 'ab\u0000cd'
        const cases: Array<[string, string, unknown, string]> = [
          ['GET', `/v1/orgs/acme/audit/${encodeURIComponent(nul)}`, undefined, 'params.id'],
          ['GET', `/v1/orgs/acme/seats/leases?user=${encodeURIComponent(nul)}`, undefined, 'query.user'],
          ['POST', '/v1/orgs/acme/seats/pools/cad/checkout', { host: nul }, 'body.host'],
          [
            'POST',
            '/v1/orgs/acme/users/bulk-add',
            // Behind a clean row: the path names the row and field the NUL is in, not the ones before.
            {
              items: [
                { email: 'd@acme.test', name: 'D' },
                { email: 'c@acme.test', name: nul },
              ],
            },
            'body.items[1].name',
          ],
        ]
        for (const [method, url, body, path] of cases) {
          const res = await t.call(alice, method, url, body)
          assert.equal(res.status, 400, `${method} ${url}: ${JSON.stringify(res.body)}`)
          assert.equal(res.body.error.code, 'validation_failed')
          assert.ok(
            res.body.error.details.issues.some(
              (i: { path: string; message: string }) =>
                i.path === path && i.message === 'must not contain the NUL character (U+0000)',
            ),
            JSON.stringify(res.body),
          )
        }
        const members = await t.call(alice, 'GET', '/v1/orgs/acme/users')
        for (const email of ['d@acme.test', 'c@acme.test'])
          assert.ok(!JSON.stringify(members.body).includes(email), `${email}: the refused batch was applied`)
      })
    })

    describe('content type and size', () => {
      it('answers a text/plain body 415 unsupported_media_type, not a schema error', async () => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/orgs/acme/tokens',
          payload: '{"name":"ci"}',
          headers: { authorization: `Bearer ${alice}`, 'content-type': 'text/plain; charset=utf-8' },
        })
        assert.equal(res.statusCode, 415)
        assert.deepEqual(res.json(), {
          error: {
            code: 'unsupported_media_type',
            message: "unsupported content type 'text/plain': send application/json",
          },
        })
      })

      it('answers a body over 1 MiB 413 payload_too_large, in the error shape', async () => {
        const items = Array.from({ length: 1000 }, (_, i) => ({ email: `${'x'.repeat(1100)}${i}@acme.test` }))
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/orgs/acme/users/bulk-add',
          payload: JSON.stringify({ items }),
          headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
        })
        assert.equal(res.statusCode, 413)
        assert.deepEqual(res.json(), {
          error: { code: 'payload_too_large', message: 'request body is too large' },
        })
      })
    })
  })
}
