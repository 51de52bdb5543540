import { strict as assert } from 'node:assert'
import { createServer, type AddressInfo } from 'node:net'
import nock from 'nock'
import { z } from 'zod'
import type { ApiError } from '../../src/client/errors.js'
import {
  AuthError,
  fromResponse,
  InputRejectedError,
  LicctlError,
  NetworkError,
  NotFoundError,
  RuleRefusedError,
  ServerError,
} from '../../src/client/errors.js'
import { Transport } from '../../src/client/transport.js'

const BASE = 'http://licenses.test'
const TOKEN = 'lic_u_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'

describe('client: fromResponse maps status and code to one error', function () {
  const table: Array<[number, unknown, typeof ApiError, number, string]> = [
    [
      400,
      { error: { code: 'validation_failed', message: 'bad' } },
      InputRejectedError,
      2,
      'validation_failed',
    ],
    [
      413,
      { error: { code: 'payload_too_large', message: 'big' } },
      InputRejectedError,
      2,
      'payload_too_large',
    ],
    [409, { error: { code: 'no_free_seat', message: 'full' } }, RuleRefusedError, 3, 'no_free_seat'],
    [
      409,
      { error: { code: 'cloud_license_required', message: 'Cloud Processing License Required' } },
      RuleRefusedError,
      3,
      'cloud_license_required',
    ],
    [401, { error: { code: 'unauthenticated', message: 'no' } }, AuthError, 4, 'unauthenticated'],
    [403, { error: { code: 'read_only_token', message: 'ro' } }, AuthError, 4, 'read_only_token'],
    [404, { error: { code: 'not_found', message: 'gone' } }, NotFoundError, 5, 'not_found'],
    [500, { error: { code: 'internal', message: 'oops' } }, ServerError, 1, 'internal'],
    // Unknown codes and bodies fall back on the status.
    [404, null, NotFoundError, 5, 'not_found'],
    [403, 'html', AuthError, 4, 'forbidden'],
    [409, { error: { code: 'some_new_rule', message: 'x' } }, RuleRefusedError, 3, 'some_new_rule'],
    [502, null, ServerError, 1, 'server_error'],
  ]
  for (const [status, body, Class, exit, code] of table) {
    it(`${status} ${JSON.stringify(body)} → ${Class.name}, exit ${exit}`, () => {
      const err = fromResponse(status, body, 'req_1')
      assert.ok(err instanceof Class)
      assert.equal(err.exitCode, exit)
      assert.equal(err.code, code)
      assert.equal(err.requestId, 'req_1')
    })
  }
})

describe('client: transport', function () {
  const sleeps: number[] = []
  const transport = () =>
    new Transport({ baseUrl: BASE, token: TOKEN, sleep: async (ms) => void sleeps.push(ms) })

  beforeEach(() => {
    sleeps.length = 0
    nock.disableNetConnect()
  })
  afterEach(() => {
    nock.cleanAll()
    nock.enableNetConnect()
  })

  it('sends the bearer token and JSON, encodes the query, and parses with the schema', async () => {
    const scope = nock(BASE, {
      reqheaders: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    })
      .post('/v1/things', { a: 1 })
      .query({ q: 'a b', n: '2' })
      .reply(200, { id: 'x', extra: true })
    const res = await transport().request('POST', '/v1/things', {
      query: { q: 'a b', n: 2, skip: undefined },
      body: { a: 1 },
      schema: z.object({ id: z.string() }),
    })
    assert.deepEqual(res, { id: 'x' })
    assert.ok(scope.isDone())
  })

  it('retries idempotent requests on 503 and 429, with growing backoff', async () => {
    nock(BASE).get('/v1/x').reply(503, {}).get('/v1/x').reply(429, {}).get('/v1/x').reply(200, { ok: true })
    assert.deepEqual(await transport().request('GET', '/v1/x'), { ok: true })
    assert.equal(sleeps.length, 2)
    assert.ok(sleeps[0]! >= 100 && sleeps[1]! >= 200, sleeps.join())
  })

  it('retries a POST only with an Idempotency-Key, reusing the same key', async () => {
    const keys: string[] = []
    const record = (value: string | null) => (keys.push(String(value)), true)
    nock(BASE, { reqheaders: { 'idempotency-key': record } })
      .post('/v1/bulk')
      .reply(502, {})
      .post('/v1/bulk')
      .reply(200, { done: true })
    assert.deepEqual(await transport().request('POST', '/v1/bulk', { body: {}, idempotencyKey: true }), {
      done: true,
    })
    assert.equal(keys.length, 2)
    assert.equal(keys[0], keys[1])
    assert.match(keys[0]!, /^[0-9a-f-]{36}$/)
  })

  it('does not retry a POST without an Idempotency-Key', async () => {
    nock(BASE)
      .post('/v1/once')
      .reply(503, { error: { code: 'unavailable', message: 'busy' } })
    await assert.rejects(
      transport().request('POST', '/v1/once', { body: {} }),
      (e: unknown) => e instanceof ServerError && e.exitCode === 1,
    )
    assert.equal(sleeps.length, 0)
  })

  // nock's replyWithError leaves undici's Pool hanging, so connection failures use real loopback sockets.
  it('retries a dropped connection, then gives up with a NetworkError (exit 1)', async () => {
    nock.enableNetConnect('127.0.0.1')
    let connections = 0
    const server = createServer((socket) => {
      connections++
      socket.destroy()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as AddressInfo).port
    try {
      const t = new Transport({
        baseUrl: `http://127.0.0.1:${port}`,
        token: TOKEN,
        sleep: async (ms) => void sleeps.push(ms),
      })
      await assert.rejects(
        t.request('GET', '/v1/down'),
        (e: unknown) => e instanceof NetworkError && e.exitCode === 1 && !e.message.includes(TOKEN),
      )
      assert.equal(connections, 4)
      assert.equal(sleeps.length, 3)
      await t.close()
    } finally {
      server.close()
    }
  })

  it('says "connection refused" when nothing listens', async () => {
    nock.enableNetConnect('127.0.0.1')
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as AddressInfo).port
    await new Promise((r) => server.close(r))
    const t = new Transport({ baseUrl: `http://127.0.0.1:${port}`, retries: 0 })
    await assert.rejects(
      t.request('GET', '/v1/health'),
      (e: unknown) => e instanceof NetworkError && /connection refused/.test(e.message),
    )
    await t.close()
  })

  it('maps an error answer through fromResponse and redacts tokens from messages', async () => {
    nock(BASE)
      .get('/v1/orgs/acme')
      .reply(403, { error: { code: 'forbidden', message: `token ${TOKEN} is not allowed` } })
    await assert.rejects(transport().request('GET', '/v1/orgs/acme'), (e: unknown) => {
      assert.ok(e instanceof AuthError)
      assert.equal(e.exitCode, 4)
      assert.ok(!e.message.includes(TOKEN))
      assert.match(e.message, /lic_u_\[REDACTED\]/)
      return true
    })
  })

  it('reports a response that does not match its schema as a server-side problem', async () => {
    nock(BASE).get('/v1/shape').reply(200, { id: 42 })
    await assert.rejects(
      transport().request('GET', '/v1/shape', { schema: z.object({ id: z.string() }) }),
      (e: unknown) => e instanceof LicctlError && e.code === 'bad_response' && e.exitCode === 1,
    )
  })

  it('refuses an invalid base URL as a usage error', () => {
    assert.throws(
      () => new Transport({ baseUrl: 'not a url' }),
      (e: unknown) => e instanceof LicctlError && e.exitCode === 2,
    )
  })
})
