import { strict as assert } from 'node:assert'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

describe('server app', function () {
  let t: TestApp

  before(async () => {
    t = await startApp('sqlite')
  })
  after(async () => t.close())

  it('answers health without a token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/health' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().status, 'ok')
    assert.equal(res.json().dialect, 'sqlite')
  })

  it('gives every answer an x-request-id, keeping a caller’s plain id and replacing anything else', async () => {
    const fresh = await t.app.inject({ method: 'GET', url: '/v1/health' })
    assert.match(String(fresh.headers['x-request-id']), /^req_[0-9a-z]{26}$/)
    const kept = await t.app.inject({
      method: 'GET',
      url: '/v1/nowhere',
      headers: { 'x-request-id': 'ci-run-42.step:7', authorization: `Bearer ${t.operatorToken}` },
    })
    assert.equal(kept.statusCode, 404)
    assert.equal(kept.headers['x-request-id'], 'ci-run-42.step:7')
    for (const hostile of ['two words', 'x'.repeat(129), 'a\u0000b', '{"level":60}']) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/v1/health',
        headers: { 'x-request-id': hostile },
      })
      assert.match(String(res.headers['x-request-id']), /^req_/, hostile)
    }
  })

  it('answers an unknown route with the one error shape', async () => {
    const res = await t.call(t.operatorToken, 'GET', '/v1/nowhere?x=1')
    assert.equal(res.status, 404)
    assert.deepEqual(res.body, { error: { code: 'not_found', message: 'no route GET /v1/nowhere' } })
    // Without a token, an unknown route says 401 like a known one: no probing for routes.
    const unauthenticated = await t.app.inject({ method: 'DELETE', url: '/v2/orgs' })
    assert.equal(unauthenticated.statusCode, 401)
    assert.equal(unauthenticated.json().error.code, 'unauthenticated')
  })

  it('answers a method a path does not take 405 method_not_allowed with an Allow header; 404 where no method has the path', async () => {
    for (const url of ['/v1/orgs/acme/activations/ids', '/v1/orgs/acme/activations/ids/']) {
      const res = await t.app.inject({
        method: 'DELETE',
        url,
        headers: { authorization: `Bearer ${t.operatorToken}` },
      })
      assert.equal(res.statusCode, 405, url)
      assert.equal(res.headers.allow, 'GET, HEAD, POST')
      assert.deepEqual(res.json(), {
        error: {
          code: 'method_not_allowed',
          message: `DELETE is not allowed on ${url}: it takes GET, HEAD, POST`,
          details: { allowed: ['GET', 'HEAD', 'POST'] },
        },
      })
    }
    // A path parameter is any one segment, as the router reads it.
    const show = await t.call(t.operatorToken, 'PUT', '/v1/orgs/acme/audit/ev_anything')
    assert.equal(show.status, 405)
    assert.deepEqual(show.body.error.details, { allowed: ['GET', 'HEAD'] })
    const nowhere = await t.call(t.operatorToken, 'DELETE', '/v1/orgs/acme/activations/ids/x/y/z')
    assert.equal(nowhere.status, 404)
    assert.equal(nowhere.body.error.code, 'not_found')
  })

  it('rejects invalid values and unknown keys with 400 validation_failed, naming each field', async () => {
    const res = await t.call(t.operatorToken, 'POST', '/v1/orgs', {
      slug: 'Bad Slug',
      name: 'x',
      colour: 'red',
      admin: { email: 'not-an-email', shoeSize: 44 },
    })
    assert.equal(res.status, 400)
    assert.equal(res.body.error.code, 'validation_failed')
    assert.equal(res.body.error.message, 'body.slug: lowercase letters, digits and single dashes')
    assert.deepEqual(res.body.error.details.issues, [
      { path: 'body.slug', message: 'lowercase letters, digits and single dashes' },
      { path: 'body.admin.email', message: 'Invalid email address' },
      { path: 'body.admin.shoeSize', message: 'unknown field' },
      { path: 'body.colour', message: 'unknown field' },
    ])
  })

  it('refuses a query parameter on a route that takes none: a ?dryRun=true there would apply the change', async () => {
    const admin = await t.org('noquery')
    await t.call(admin, 'POST', '/v1/orgs/noquery/users/bulk-add', { items: [{ email: 'bob@noquery.test' }] })
    const dry = await t.call(admin, 'POST', '/v1/orgs/noquery/users/bulk-remove?dryRun=true', {
      items: [{ email: 'bob@noquery.test' }],
    })
    assert.equal(dry.status, 400)
    assert.deepEqual(dry.body.error.details.issues, [
      { path: 'query.dryRun', message: 'unknown query parameter' },
    ])
    const users = await t.call(admin, 'GET', '/v1/orgs/noquery/users')
    assert.deepEqual(
      users.body.items.map((u: { email: string }) => u.email),
      ['admin@noquery.test', 'bob@noquery.test'],
    )
    // A read too: a filter typed where it is not taken never quietly answers everything.
    const verify = await t.call(admin, 'GET', '/v1/orgs/noquery/audit/verify?since=7d')
    assert.equal(verify.status, 400)
    assert.equal(verify.body.error.message, 'query.since: unknown query parameter')
    // Public routes keep taking what probes and caches add.
    assert.equal((await t.app.inject({ method: 'GET', url: '/v1/health?probe=lb' })).statusCode, 200)
  })

  it('names query and path problems as such, and list items by index', async () => {
    const query = await t.call(t.operatorToken, 'GET', '/v1/orgs?limit=0&colour=red')
    assert.equal(query.status, 400)
    assert.deepEqual(
      query.body.error.details.issues.map((i: { path: string }) => i.path),
      ['query.limit', 'query.colour'],
    )
    assert.equal(query.body.error.details.issues[1].message, 'unknown query parameter')
    // A number in a query is decimal digits, as the CLI's flags read it: 1e1 is not 10, 0x2 not 2.
    for (const lax of ['1e1', '0x2', '2.0', ' '])
      assert.deepEqual(
        (await t.call(t.operatorToken, 'GET', `/v1/orgs?limit=${encodeURIComponent(lax)}`)).body.error.details
          .issues,
        [{ path: 'query.limit', message: `not a whole number, got ${JSON.stringify(lax)}` }],
        lax,
      )
    // A page size of 20 digits is refused by the page's own bound, not the largest safe integer
    for (const huge of ['5000', '99999999999999999999']) {
      const issues = (await t.call(t.operatorToken, 'GET', `/v1/orgs?limit=${huge}`)).body.error.details
        .issues
      assert.equal(issues[0].path, 'query.limit', huge)
      assert.equal(issues[0].message, 'must be at most 1000', huge)
    }
    assert.equal((await t.call(t.operatorToken, 'GET', '/v1/orgs?limit=2')).status, 200)
    const params = await t.call(t.operatorToken, 'GET', '/v1/orgs/Not_A_Slug')
    assert.equal(params.status, 400)
    assert.equal(params.body.error.details.issues[0].path, 'params.org')
    const admin = await t.org('items')
    const items = await t.call(admin, 'POST', '/v1/orgs/items/users/bulk-add', {
      items: [{ email: 'ok@items.test' }, { email: 'nope' }],
    })
    assert.equal(items.status, 400)
    assert.equal(items.body.error.details.issues[0].path, 'body.items[1].email')
  })

  it('refuses a bulk request over 1,000 items with too_many_items, saying the limit', async () => {
    const admin = await t.org('many')
    const res = await t.call(admin, 'POST', '/v1/orgs/many/users/bulk-add', {
      items: Array.from({ length: 1001 }, (_, i) => ({ email: `u${i}@many.test` })),
    })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, {
      error: {
        code: 'too_many_items',
        message: 'at most 1000 items per request: send the rest in further requests',
        details: { maxItems: 1000 },
      },
    })
  })

  it('answers malformed JSON and an unsupported content type with 4xx and the error shape', async () => {
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/v1/orgs',
      headers: { authorization: `Bearer ${t.operatorToken}`, 'content-type': 'application/json' },
      payload: '{"slug": ',
    })
    assert.equal(malformed.statusCode, 400)
    assert.equal(malformed.json().error.code, 'bad_request')
    const text = await t.app.inject({
      method: 'POST',
      url: '/v1/orgs',
      headers: { authorization: `Bearer ${t.operatorToken}`, 'content-type': 'application/xml' },
      payload: '<org slug="acme"/>',
    })
    assert.equal(text.statusCode, 415)
    assert.deepEqual(text.json().error, {
      code: 'unsupported_media_type',
      message: "unsupported content type 'application/xml': send application/json",
    })
  })

  it('refuses bodies over the size limit with 413 before reading them', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/orgs',
      headers: { authorization: `Bearer ${t.operatorToken}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ slug: 'big', name: 'x'.repeat(1_100_000) }),
    })
    assert.equal(res.statusCode, 413)
    assert.deepEqual(res.json(), {
      error: { code: 'payload_too_large', message: 'request body is too large' },
    })
  })

  it('while shutting down, answers late requests 503 unavailable in the one error shape, closing the connection', async () => {
    const draining = await startApp('sqlite')
    try {
      draining.app.draining = true
      for (const url of ['/v1/health', '/v1/orgs']) {
        const res = await draining.app.inject({
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${draining.operatorToken}` },
        })
        assert.equal(res.statusCode, 503, url)
        assert.equal(res.headers.connection, 'close')
        assert.deepEqual(res.json(), {
          error: {
            code: 'unavailable',
            message: 'the server is shutting down: retry, or use another server',
          },
        })
      }
    } finally {
      await draining.close()
    }
  })

  it('answers an unexpected failure with 500 internal, the request id and no detail', async () => {
    const broken = await startApp('sqlite')
    const token = broken.operatorToken
    await broken.storage.db.schema.dropTable('organizations').execute()
    const res = await broken.call(token, 'GET', '/v1/orgs')
    await broken.close()
    assert.equal(res.status, 500)
    assert.equal(res.body.error.code, 'internal')
    assert.match(res.body.error.message, /^internal error \(request req_[0-9a-z]{26}\)$/)
    assert.equal(res.body.error.details, undefined)
  })
})

for (const dialect of DIALECTS) {
  describe(`auth and access on ${dialect}`, function () {
    let t: TestApp
    let admin: string
    let member: string
    let other: string
    before(async () => {
      t = await startApp(dialect)
      admin = await t.org('acme', 'alice@acme.test')
      other = await t.org('globex', 'gina@globex.test')
      await t.call(admin, 'POST', '/v1/orgs/acme/users/bulk-add', { items: [{ email: 'bob@acme.test' }] })
      member = (await t.call(admin, 'POST', '/v1/orgs/acme/tokens', { userEmail: 'bob@acme.test' })).body
        .token
    })
    after(async () => t.close())

    it('401s without a token, with a malformed header and with an unknown token', async () => {
      const none = await t.app.inject({ method: 'GET', url: '/v1/orgs/acme' })
      assert.equal(none.statusCode, 401)
      assert.equal(none.json().error.code, 'unauthenticated')
      const malformed = await t.app.inject({
        method: 'GET',
        url: '/v1/orgs/acme',
        headers: { authorization: 'Basic abc' },
      })
      assert.equal(malformed.statusCode, 401)
      assert.equal((await t.call('lic_u_nope', 'GET', '/v1/orgs/acme')).status, 401)
    })

    it('403s another organization’s token, a member doing admin work, and a read-only token writing', async () => {
      const cross = await t.call(other, 'GET', '/v1/orgs/acme')
      assert.equal(cross.status, 403)
      assert.equal(cross.body.error.code, 'wrong_organization')
      const notAdmin = await t.call(member, 'POST', '/v1/orgs/acme/users/bulk-add', {
        items: [{ email: 'x@acme.test' }],
      })
      assert.equal(notAdmin.status, 403)
      assert.equal(notAdmin.body.error.code, 'not_admin')
      const ro = (await t.call(admin, 'POST', '/v1/orgs/acme/tokens', { readOnly: true })).body.token
      assert.equal((await t.call(ro, 'GET', '/v1/orgs/acme/users')).status, 200)
      const write = await t.call(ro, 'PATCH', '/v1/orgs/acme', { name: 'Nope' })
      assert.equal(write.status, 403)
      assert.equal(write.body.error.code, 'read_only_token')
      assert.equal(
        (await t.call(member, 'POST', '/v1/orgs', { slug: 'x1', name: 'x' })).body.error.code,
        'forbidden',
      )
    })

    it('stops revoked and expired tokens', async () => {
      const created = (
        await t.call(admin, 'POST', '/v1/orgs/acme/tokens', {
          name: 'temp',
          expiresAt: new Date(t.clock.now() + 60_000).toISOString(),
        })
      ).body
      assert.equal((await t.call(created.token, 'GET', '/v1/me')).status, 200)
      t.clock.advance(61_000)
      assert.equal((await t.call(created.token, 'GET', '/v1/me')).body.error.message, 'token expired')
      const second = (await t.call(admin, 'POST', '/v1/orgs/acme/tokens', {})).body
      assert.equal((await t.call(admin, 'DELETE', `/v1/orgs/acme/tokens/${second.id}`)).status, 200)
      assert.equal((await t.call(second.token, 'GET', '/v1/me')).status, 401)
    })

    it('removing a member revokes their tokens; the last admin cannot be removed or demoted', async () => {
      await t.call(admin, 'POST', '/v1/orgs/acme/users/bulk-add', { items: [{ email: 'carol@acme.test' }] })
      const carol = (await t.call(admin, 'POST', '/v1/orgs/acme/tokens', { userEmail: 'carol@acme.test' }))
        .body.token
      const removed = await t.call(admin, 'DELETE', '/v1/orgs/acme/users/carol@acme.test')
      assert.equal(removed.status, 200)
      assert.deepEqual(removed.body, {
        email: 'carol@acme.test',
        tokensRevoked: 1,
        leasesReleased: [],
        addonsRevoked: [],
        releases: [
          { topic: 'seats', noun: 'seats', action: 'released', count: 0, items: [] },
          { topic: 'cloud', noun: 'add-ons', action: 'revoked', count: 0, items: [] },
          { topic: 'tokens', noun: 'tokens', action: 'revoked', count: 1, items: [] },
        ],
      })
      assert.equal((await t.call(carol, 'GET', '/v1/me')).status, 401)
      const lastAdmin = await t.call(admin, 'DELETE', '/v1/orgs/acme/users/alice@acme.test')
      assert.equal(lastAdmin.status, 409)
      assert.equal(lastAdmin.body.error.code, 'last_admin')
      const demote = await t.call(admin, 'PATCH', '/v1/orgs/acme/users/alice@acme.test', { role: 'member' })
      assert.equal(demote.body.error.code, 'last_admin')
    })

    it('replays a mutation with the same Idempotency-Key and refuses the key for another body', async () => {
      const key = { 'idempotency-key': 'test-key-0001' }
      const first = await t.app.inject({
        method: 'POST',
        url: '/v1/orgs/acme/users/bulk-add',
        headers: { authorization: `Bearer ${admin}`, ...key },
        payload: { items: [{ email: 'dave@acme.test' }] },
      })
      assert.equal(first.json().summary.changed, 1)
      const again = await t.app.inject({
        method: 'POST',
        url: '/v1/orgs/acme/users/bulk-add',
        headers: { authorization: `Bearer ${admin}`, ...key },
        payload: { items: [{ email: 'dave@acme.test' }] },
      })
      assert.equal(again.headers['idempotent-replayed'], 'true')
      assert.deepEqual(again.json(), first.json())
      const other = await t.app.inject({
        method: 'POST',
        url: '/v1/orgs/acme/users/bulk-add',
        headers: { authorization: `Bearer ${admin}`, ...key },
        payload: { items: [{ email: 'erin@acme.test' }] },
      })
      assert.equal(other.statusCode, 422)
      assert.equal(other.json().error.code, 'idempotency_key_reused')
    })

    it('paginates members with a cursor', async () => {
      await t.call(admin, 'POST', '/v1/orgs/acme/users/bulk-add', {
        items: Array.from({ length: 7 }, (_, i) => ({ email: `p${i}@acme.test` })),
      })
      const seen: string[] = []
      let cursor: string | null = null
      do {
        const res: { body: { items: Array<{ email: string }>; nextCursor: string | null } } = await t.call(
          admin,
          'GET',
          `/v1/orgs/acme/users?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        )
        assert.ok(res.body.items.length <= 3)
        seen.push(...res.body.items.map((m) => m.email))
        cursor = res.body.nextCursor
      } while (cursor)
      const all = (await t.call(admin, 'GET', '/v1/orgs/acme/users?limit=1000')).body.items.map(
        (m: { email: string }) => m.email,
      )
      assert.deepEqual(seen, all)
      assert.equal(new Set(seen).size, seen.length)
    })

    it('records audit entries with before and after', async () => {
      await t.call(admin, 'PATCH', '/v1/orgs/acme', { contactPhone: '+49 30 1234' })
      const log = await t.call(admin, 'GET', '/v1/orgs/acme/audit?action=org.update')
      assert.equal(log.body.items[0].actor, 'alice@acme.test')
      assert.deepEqual(log.body.items[0].before, { contactPhone: null })
      assert.deepEqual(log.body.items[0].after, { contactPhone: '+49 30 1234' })
      assert.equal((await t.call(member, 'GET', '/v1/orgs/acme/audit')).status, 403)
    })
  })
}

for (const dialect of DIALECTS) {
  describe(`a request without the body its endpoint needs, on ${dialect}`, function () {
    let t: TestApp
    let admin: string
    before(async () => {
      t = await startApp(dialect)
      admin = await t.org('acme', 'alice@acme.test')
    })
    after(async () => t.close())

    it('says a JSON body is required, not "expected an object, got null"; an empty object names its fields', async () => {
      for (const headers of [{}, { 'content-type': 'application/json' }]) {
        const none = await t.app.inject({
          method: 'POST',
          url: '/v1/orgs/acme/users/bulk-add',
          headers: { authorization: `Bearer ${admin}`, ...headers },
          ...('content-type' in headers ? { payload: 'null' } : {}),
        })
        assert.deepEqual(
          [none.statusCode, none.json()],
          [
            400,
            {
              error: {
                code: 'validation_failed',
                message: 'body: a JSON body is required',
                details: { issues: [{ path: 'body', message: 'a JSON body is required' }] },
              },
            },
          ],
        )
      }
      const empty = await t.call(admin, 'POST', '/v1/orgs/acme/users/bulk-add', {})
      assert.deepEqual([empty.status, empty.body.error.message], [400, 'body.items: required'])
    })
  })
}
