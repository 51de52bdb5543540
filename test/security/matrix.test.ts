import { strict as assert } from 'node:assert'
import type { FastifyInstance } from 'fastify'
import { build } from '../../src/server/app.js'
import type { Access } from '../../src/contract/endpoint.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

type Role =
  'anonymous' | 'member' | 'admin' | 'read-only' | 'other-org admin' | 'revoked' | 'expired' | 'operator'
const ROLES: Role[] = [
  'anonymous',
  'member',
  'admin',
  'read-only',
  'other-org admin',
  'revoked',
  'expired',
  'operator',
]

/** What a role must get on a route: allowed through to the route's own logic, or one refusal. */
type Expected = 'allowed' | { status: number; code: string; message?: string }

const OTHER_ORG = {
  status: 403,
  code: 'wrong_organization',
  message: "this token acts for organization 'globex', not 'acme'",
}
/** acme exists: a caller let through must never be told otherwise. */
const ACME_NOT_FOUND = "organization 'acme' not found"
const UNAUTHENTICATED = { status: 401, code: 'unauthenticated' }
const FORBIDDEN = { status: 403, code: 'forbidden' }
const NOT_ADMIN = { status: 403, code: 'not_admin' }
const READ_ONLY = { status: 403, code: 'read_only_token' }

/**
 * The allowed set, derived from what the route declares (access and mutation in the endpoint
 * table): the test knows the rules, not the routes, so a new route is covered as it lands.
 */
function expected(role: Role, access: Access, mutation: boolean, scoped: boolean): Expected {
  if (access === 'public' || role === 'operator') return 'allowed'
  if (role === 'anonymous' || role === 'revoked' || role === 'expired') return UNAUTHENTICATED
  if (role === 'other-org admin' && scoped) return OTHER_ORG
  if (access === 'operator') return FORBIDDEN
  if (role === 'read-only' && mutation) return READ_ONLY
  if (access === 'admin' && role === 'member') return NOT_ADMIN
  return 'allowed'
}

/** Harmless values for path parameters: nothing they name exists, so nothing is changed. */
const PARAM_VALUES: Record<string, string> = {
  org: 'acme',
  email: 'nobody@acme.test',
  id: 'x_0000000000',
  product: 'no-such-product',
  addon: 'no-such-addon',
}

for (const dialect of DIALECTS) {
  describe(`authorization matrix: every route of the OpenAPI document × 8 callers, on ${dialect}`, function () {
    this.timeout(60_000)
    let t: TestApp
    let app: FastifyInstance
    const tokens: Partial<Record<Role, string>> = {}
    let operations: Array<{ method: string; path: string; operationId: string }>

    before(async () => {
      t = await startApp(dialect)
      // Revoked and expired tokens are failures by design here: no rate limit in the way.
      app = await build({ storage: t.storage, clock: t.clock, authFailureLimits: false })
      const call = async (token: string, method: string, url: string, payload?: unknown) => {
        const res = await app.inject({
          method: method as 'GET',
          url,
          headers: { authorization: `Bearer ${token}` },
          ...(payload === undefined ? {} : { payload: payload as object }),
        })
        assert.ok(res.statusCode < 300, `${method} ${url}: ${res.body}`)
        return res.json()
      }
      tokens.operator = t.operatorToken
      tokens.admin = await t.org('acme', 'alice@acme.test')
      tokens['other-org admin'] = await t.org('globex', 'gina@globex.test')
      await call(tokens.admin, 'POST', '/v1/orgs/acme/users/bulk-add', {
        items: [{ email: 'bob@acme.test' }],
      })
      const create = (body: object) => call(tokens.admin!, 'POST', '/v1/orgs/acme/tokens', body)
      tokens.member = (await create({ userEmail: 'bob@acme.test' })).token
      tokens['read-only'] = (await create({ readOnly: true })).token
      const revoked = await create({ name: 'revoked' })
      await call(tokens.admin, 'DELETE', `/v1/orgs/acme/tokens/${revoked.id}`)
      tokens.revoked = revoked.token
      tokens.expired = (await create({ expiresAt: new Date(t.clock.now() + 60_000).toISOString() })).token
      t.clock.advance(60_000)

      const doc = (await app.inject({ method: 'GET', url: '/v1/openapi.json' })).json() as {
        paths: Record<string, Record<string, { operationId?: string }>>
      }
      operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops)
          .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
          .map(([method, op]) => ({ method: method.toUpperCase(), path, operationId: op.operationId ?? '' })),
      )
    })
    after(async () => {
      await app.close()
      await t.close()
    })

    it('covers every registered route, and every route declares who may call it', () => {
      const documented = new Set(operations.map((o) => `${o.method} ${o.path.replace(/\{(\w+)\}/g, ':$1')}`))
      const routes = app.routeList.filter((r) => r.url !== '/v1/openapi.json')
      assert.deepEqual(
        routes.filter((r) => !documented.has(`${r.method} ${r.url}`)).map((r) => `${r.method} ${r.url}`),
        [],
        'routes missing from the OpenAPI document',
      )
      assert.deepEqual(
        routes.filter((r) => r.access === undefined).map((r) => `${r.method} ${r.url}`),
        [],
        'routes without a declared access',
      )
      assert.ok(operations.length >= 30, `${operations.length} operations`)
    })

    it('gives each caller exactly the answer its rights call for, on every route', async () => {
      const problems: string[] = []
      let cells = 0
      for (const op of operations) {
        const routeUrl = op.path.replace(/\{(\w+)\}/g, ':$1')
        const route = app.routeList.find((r) => r.method === op.method && r.url === routeUrl)!
        const url = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
          encodeURIComponent(PARAM_VALUES[name]!),
        )
        const scoped = op.path.includes('{org}')
        for (const role of ROLES) {
          cells++
          const token = tokens[role]
          const body = ['POST', 'PATCH', 'PUT'].includes(op.method) ? {} : undefined
          const res = await app.inject({
            method: op.method as 'GET',
            url,
            headers: token ? { authorization: `Bearer ${token}` } : {},
            ...(body === undefined ? {} : { payload: body }),
          })
          const got = res.json() as { error?: { code: string; message: string } }
          const want = expected(role, route.access!, route.mutation, scoped)
          const where = `${op.operationId} ${op.method} ${url} as ${role}`
          if (res.statusCode >= 500) problems.push(`${where}: ${res.statusCode} ${res.body}`)
          else if (want === 'allowed') {
            const refused =
              res.statusCode === 401 ||
              res.statusCode === 403 ||
              (res.statusCode === 404 && got.error?.message === ACME_NOT_FOUND)
            if (refused)
              problems.push(`${where}: expected to be let through, got ${res.statusCode} ${res.body}`)
          } else if (
            res.statusCode !== want.status ||
            got.error?.code !== want.code ||
            (want.message !== undefined && got.error?.message !== want.message)
          )
            problems.push(`${where}: expected ${want.status} ${want.code}, got ${res.statusCode} ${res.body}`)
        }
      }
      assert.deepEqual(problems, [])
      assert.equal(cells, operations.length * ROLES.length)
    })
  })
}
