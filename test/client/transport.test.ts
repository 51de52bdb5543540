import { strict as assert } from 'node:assert'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import nock from 'nock'
import { z } from 'zod'
import { ApiError, ClientError, NetworkError } from '../../src/client/errors.js'
import { LicctlClient } from '../../src/client/index.js'
import { newIdempotencyKey, Transport } from '../../src/client/transport.js'

const BASE = 'http://licenses.test'
const TOKEN = 'lic_u_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'

describe('client: transport', function () {
  const sleeps: number[] = []
  const transport = () =>
    new Transport({ baseUrl: BASE, token: TOKEN, sleep: async (ms) => void sleeps.push(ms) })

  // nock patches Node's http and net modules process-wide: only for these tests, so that later
  // suites in the same run (a raw socket in the shutdown test) talk to real servers.
  before(() => {
    if (!nock.isActive()) nock.activate()
  })
  after(() => nock.restore())

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

  it('takes a server URL given with the API version (…/v1, copied from the API docs) as the server', async () => {
    const scope = nock(BASE)
      .get('/v1/me')
      .twice()
      .reply(200, { ok: true })
      .get('/licctl/v1/me')
      .reply(200, {})
    for (const baseUrl of [`${BASE}/v1`, `${BASE}/v1/`])
      assert.deepEqual(await new Transport({ baseUrl, token: TOKEN }).request('GET', '/v1/me'), { ok: true })
    // A server behind a path prefix keeps it.
    await new Transport({ baseUrl: `${BASE}/licctl/v1`, token: TOKEN }).request('GET', '/v1/me')
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

  it('waits for its own earlier attempt still in progress (409 idempotency_in_progress) beyond the retries, up to timeoutMs', async () => {
    const busy = { error: { code: 'idempotency_in_progress', message: 'still being processed' } }
    let scope = nock(BASE).post('/v1/bulk').reply(503, {})
    for (let i = 0; i < 8; i++) scope = scope.post('/v1/bulk').reply(409, busy)
    scope.post('/v1/bulk').reply(200, { done: true })
    const t = new Transport({
      baseUrl: BASE,
      token: TOKEN,
      retries: 1,
      sleep: async (ms) => void sleeps.push(ms),
    })
    assert.deepEqual(await t.request('POST', '/v1/bulk', { body: {}, idempotencyKey: true }), { done: true })
    assert.ok(scope.isDone())
    // Past timeoutMs of waiting (the request's time), the answer is the error.
    const clock = { now: 0, waits: 0 }
    const quick = new Transport({
      baseUrl: BASE,
      token: TOKEN,
      retries: 1,
      timeoutMs: 3_000,
      now: () => clock.now,
      sleep: async (ms) => void ((clock.now += ms), clock.waits++),
    })
    let asked = 0
    nock(BASE)
      .post('/v1/bulk')
      .times(100)
      .reply(() => (asked++, [409, busy]))
    await assert.rejects(
      quick.request('POST', '/v1/bulk', { body: {}, idempotencyKey: true }),
      (err: unknown) => err instanceof ApiError && err.code === 'idempotency_in_progress',
    )
    assert.equal(clock.now, 3_000, 'waited the whole time, and no longer')
    // Not asked again when the time is up: no answer could have been heard.
    assert.equal(asked, clock.waits)
    nock.cleanAll()
  })

  describe('a retry budget (retryFor): the server unavailable for a while', () => {
    /** A transport on a clock that only its waits move (`onWait` runs after each). */
    const onClock = (baseUrl = BASE, onWait: (now: number) => Promise<void> | void = () => {}) => {
      const clock = { now: 0, waits: [] as number[] }
      const t = new Transport({
        baseUrl,
        token: TOKEN,
        now: () => clock.now,
        sleep: async (ms) => {
          clock.waits.push(ms)
          clock.now += ms
          await onWait(clock.now)
        },
      })
      return { t, clock }
    }
    const unavailable = { error: { code: 'unavailable', message: 'the database is unavailable' } }

    it('keeps retrying 503s past the retry count, with the same key, backing off, until it is answered', async () => {
      const { t, clock } = onClock()
      // Every attempt carries the batch's key (another would match no answer here).
      const scope = nock(BASE, { reqheaders: { 'idempotency-key': 'batch-1' } })
        .post('/v1/bulk')
        .times(12)
        .reply(503, unavailable)
        .post('/v1/bulk')
        .reply(200, { done: true })
      const res = await t.request('POST', '/v1/bulk', {
        body: {},
        idempotencyKey: 'batch-1',
        retryFor: 60_000,
      })
      assert.deepEqual(res, { done: true })
      assert.ok(scope.isDone())
      assert.equal(clock.waits.length, 12, 'nine more attempts than the three retries')
      assert.ok(
        clock.waits.every((ms) => ms > 0 && ms <= 5_000),
        `backoff of at most 5 s: ${clock.waits}`,
      )
      assert.ok(clock.waits[4]! > clock.waits[0]!, `backing off: ${clock.waits}`)
      assert.ok(clock.now < 60_000)
    })

    it('gives up with the last 503 once the budget is spent, its last attempt at the budget’s end', async () => {
      const { t, clock } = onClock()
      let attempts = 0
      nock(BASE)
        .post('/v1/bulk')
        .times(100)
        .reply(() => (attempts++, [503, unavailable]))
      await assert.rejects(
        t.request('POST', '/v1/bulk', { body: {}, idempotencyKey: true, retryFor: 20_000 }),
        (err: unknown) => err instanceof ApiError && err.status === 503 && err.code === 'unavailable',
      )
      assert.equal(clock.now, 20_000, `waited exactly the budget: ${clock.waits}`)
      assert.ok(
        clock.waits.every((ms) => ms <= 5_000),
        `${clock.waits}`,
      )
      assert.ok(attempts >= 8 && attempts <= 20, `${attempts} attempts in 20 s`)
    })

    // Connections refused on a real loopback port (nock's replyWithError is not a refused socket).
    it('waits out a server that refuses connections, then is back on its port; gives up after the budget', async () => {
      nock.enableNetConnect('127.0.0.1')
      const probe = createServer()
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
      const port = (probe.address() as AddressInfo).port
      await new Promise<void>((r) => probe.close(() => r()))
      let back: ReturnType<typeof createServer> | undefined
      // The server comes back 15 s (on the clock) into the outage.
      const { t, clock } = onClock(`http://127.0.0.1:${port}`, async (now) => {
        if (now < 15_000 || back) return
        back = createServer((socket) =>
          socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}'),
        )
        await new Promise<void>((r) => back!.listen(port, '127.0.0.1', r))
      })
      try {
        assert.deepEqual(
          await t.request('POST', '/v1/bulk', { body: {}, idempotencyKey: true, retryFor: 60_000 }),
          {},
        )
        assert.ok(clock.now >= 15_000 && clock.waits.length > 4, `${clock.waits}`)
      } finally {
        await t.close()
        back?.close()
      }
      const down = onClock(`http://127.0.0.1:${port}`)
      await assert.rejects(
        down.t.request('POST', '/v1/bulk', { body: {}, idempotencyKey: true, retryFor: 10_000 }),
        (err: unknown) => err instanceof NetworkError && /connection refused/.test(err.message),
      )
      assert.equal(down.clock.now, 10_000)
      await down.t.close()
    })

    it('stops waiting at once when its signal aborts, and says once when it goes on past the usual retries', async () => {
      const stop = new AbortController()
      const told: number[] = []
      // Aborted 12 s (on the clock) into a 60 s budget.
      const { t, clock } = onClock(BASE, (now) => {
        if (now >= 12_000) stop.abort()
      })
      nock(BASE).post('/v1/bulk').times(100).reply(503, unavailable)
      await assert.rejects(
        t.request('POST', '/v1/bulk', {
          body: {},
          idempotencyKey: true,
          retryFor: 60_000,
          signal: stop.signal,
          onWaiting: (ms) => told.push(ms),
        }),
        (err: unknown) => err instanceof ApiError && err.status === 503,
      )
      assert.ok(clock.now >= 12_000 && clock.now < 17_000, `stopped when aborted: ${clock.waits}`)
      assert.deepEqual(told, [60_000], 'told once, with the budget')
      nock.cleanAll()
    })

    it('ends a wait under way when aborted, on the real clock, instead of sleeping it out', async () => {
      const stop = new AbortController()
      const t = new Transport({ baseUrl: BASE, token: TOKEN, retries: 0 })
      // Each answer asks for 5 s; the job is stopped 100 ms into the first wait.
      nock(BASE).post('/v1/bulk').times(5).reply(503, unavailable, { 'retry-after': '5' })
      setTimeout(() => stop.abort(), 100)
      const started = Date.now()
      await assert.rejects(
        t.request('POST', '/v1/bulk', {
          body: {},
          idempotencyKey: true,
          retryFor: 60_000,
          signal: stop.signal,
        }),
        (err: unknown) => err instanceof ApiError && err.status === 503,
      )
      const took = Date.now() - started
      assert.ok(took < 2_000, `ended ${took} ms after it started, not after a 5 s wait`)
      nock.cleanAll()
      await t.close()
    })

    it('does not stretch a request that is not safe to retry, nor an error that is not the server being unavailable', async () => {
      const { t, clock } = onClock()
      nock(BASE).post('/v1/once').reply(503, unavailable)
      await assert.rejects(
        t.request('POST', '/v1/once', { body: {}, retryFor: 60_000 }),
        (err: unknown) => err instanceof ApiError && err.status === 503,
      )
      nock(BASE)
        .post('/v1/bulk')
        .reply(500, { error: { code: 'internal', message: 'bug' } })
      await assert.rejects(
        t.request('POST', '/v1/bulk', { body: {}, idempotencyKey: true, retryFor: 60_000 }),
        (err: unknown) => err instanceof ApiError && err.status === 500,
      )
      assert.deepEqual(clock.waits, [])
    })
  })

  it('does not retry a POST without an Idempotency-Key', async () => {
    nock(BASE)
      .post('/v1/once')
      .reply(503, { error: { code: 'unavailable', message: 'busy' } })
    await assert.rejects(
      transport().request('POST', '/v1/once', { body: {} }),
      (e: unknown) => e instanceof ApiError && e.status === 503,
    )
    assert.equal(sleeps.length, 0)
  })

  it('retries a POST marked `retry` (an idempotent mutation) without sending a key', async () => {
    nock(BASE, { badheaders: ['idempotency-key'] })
      .post('/v1/beat')
      .reply(503, {})
      .post('/v1/beat')
      .reply(200, { ok: true })
    assert.deepEqual(await transport().request('POST', '/v1/beat', { retry: true }), { ok: true })
    assert.equal(sleeps.length, 1)
  })

  it('the client sends a heartbeat without an Idempotency-Key and retries it; a checkout with one', async () => {
    const client = LicctlClient.create({
      baseUrl: BASE,
      token: TOKEN,
      sleep: async (ms) => void sleeps.push(ms),
    })
    const lease = {
      id: 'ls_06h3vb8z077mv0xxjse7vk0qq4',
      product: 'cad',
      user: 'a@b.test',
      host: 'h',
      startedAt: '2026-01-01T00:00:00.000Z',
      lastHeartbeatAt: '2026-01-01T00:00:00.000Z',
      roamingUntil: null,
      state: 'active',
      idleSeconds: 0,
    }
    const beat = nock(BASE, { badheaders: ['idempotency-key'] })
      .post('/v1/orgs/acme/seats/leases/ls_06h3vb8z077mv0xxjse7vk0qq4/heartbeat')
      .reply(502, {})
      .post('/v1/orgs/acme/seats/leases/ls_06h3vb8z077mv0xxjse7vk0qq4/heartbeat')
      .reply(200, lease)
    await client.seats.heartbeat({ org: 'acme', id: 'ls_06h3vb8z077mv0xxjse7vk0qq4' })
    assert.ok(beat.isDone())
    const checkout = nock(BASE, { reqheaders: { 'idempotency-key': /^[0-9a-f-]{36}$/ } })
      .post('/v1/orgs/acme/seats/pools/cad/checkout')
      .reply(201, { ...lease, reused: false })
    await client.seats.checkout({ org: 'acme', product: 'cad' }, { host: 'h' })
    assert.ok(checkout.isDone())
    await client.close()
  })

  it('sends a bulk dry run without an Idempotency-Key (the server keeps none) and retries it; applying with one', async () => {
    const client = LicctlClient.create({
      baseUrl: BASE,
      token: TOKEN,
      sleep: async (ms) => void sleeps.push(ms),
    })
    const answer = (dryRun: boolean) => ({
      dryRun,
      results: [{ index: 0, target: 'a@b.test', status: dryRun ? 'will-change' : 'changed' }],
      summary: { changed: 1, unchanged: 0, failed: 0 },
    })
    const items = [{ email: 'a@b.test' }]
    const dry = nock(BASE, { badheaders: ['idempotency-key'] })
      .post('/v1/orgs/acme/users/bulk-add', { dryRun: true, items })
      .reply(503, {})
      .post('/v1/orgs/acme/users/bulk-add', { dryRun: true, items })
      .reply(200, answer(true))
    await client.users.add({ org: 'acme' }, items, { dryRun: true, idempotencyKey: 'ignored-for-a-dry-run' })
    assert.ok(dry.isDone())
    const real = nock(BASE, { reqheaders: { 'idempotency-key': 'batch-key-1' } })
      .post('/v1/orgs/acme/users/bulk-add', { dryRun: false, items })
      .reply(200, answer(false))
    await client.users.add({ org: 'acme' }, items, { dryRun: false, idempotencyKey: 'batch-key-1' })
    assert.ok(real.isDone())
    await client.close()
  })

  // Connection failures use real loopback sockets (what a dropped or refused connection really does).
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
        (e: unknown) => e instanceof NetworkError && e.code === 'network_error' && !e.message.includes(TOKEN),
      )
      assert.equal(connections, 4)
      assert.equal(sleeps.length, 3)
      await t.close()
    } finally {
      server.close()
    }
  })

  describe('the time a request may take (timeoutMs): retries included', () => {
    /** A real server on loopback that accepts each connection and reads the request: `answer` says what it does then. */
    const listening = async (answer: (socket: Socket) => void = () => {}) => {
      nock.enableNetConnect('127.0.0.1')
      const seen = { connections: 0, keys: [] as string[] }
      const sockets = new Set<Socket>()
      const server = createServer((socket) => {
        seen.connections++
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
        socket.once('data', (chunk: Buffer) => {
          const key = /^idempotency-key: (.*)$/im.exec(chunk.toString('latin1'))?.[1]
          if (key) seen.keys.push(key.trim())
        })
        socket.resume()
        answer(socket)
      })
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      const port = (server.address() as AddressInfo).port
      return {
        url: `http://127.0.0.1:${port}`,
        host: `127.0.0.1:${port}`,
        seen,
        close: () => {
          for (const socket of sockets) socket.destroy()
          return new Promise<void>((r) => server.close(() => r()))
        },
      }
    }
    const isTimeout = (message: string) => (e: unknown) => {
      assert.ok(e instanceof NetworkError, String(e))
      assert.deepEqual([e.code, e.message], ['timeout', message])
      return true
    }

    it('gives up on a server that never answers once timeoutMs has passed, without another attempt: code `timeout`, naming the server and the time', async () => {
      const silent = await listening()
      const t = new Transport({ baseUrl: silent.url, timeoutMs: 300 })
      try {
        const started = Date.now()
        await assert.rejects(
          t.request('GET', '/v1/slow'),
          isTimeout(`no answer from ${silent.host} within 300 ms`),
        )
        const took = Date.now() - started
        assert.ok(took >= 290 && took < 1_500, `gave up after ${took} ms`)
        assert.equal(silent.seen.connections, 1, 'no retry once the time is spent')
      } finally {
        await t.close()
        await silent.close()
      }
    })

    it('counts every byte of the answer against it: a server that trickles its headers is given up on', async () => {
      // A header line every 50 ms, and never the end of the headers: no socket is ever idle for long.
      const trickling = await listening((socket) => {
        socket.write('HTTP/1.1 200 OK\r\n')
        const drip = setInterval(() => socket.write('x-wait: 1\r\n'), 50)
        socket.on('close', () => clearInterval(drip))
      })
      const t = new Transport({ baseUrl: trickling.url, timeoutMs: 400 })
      try {
        const started = Date.now()
        await assert.rejects(
          t.request('GET', '/v1/slow'),
          isTimeout(`no answer from ${trickling.host} within 400 ms`),
        )
        assert.ok(Date.now() - started < 2_000, `gave up after ${Date.now() - started} ms`)
      } finally {
        await t.close()
        await trickling.close()
      }
    })

    it('says that a mutation timed out may still be applied, and never sends it again without a key', async () => {
      const silent = await listening()
      const t = new Transport({ baseUrl: silent.url, timeoutMs: 1_000 })
      try {
        await assert.rejects(
          t.request('POST', '/v1/orgs', { body: {} }),
          isTimeout(`no answer from ${silent.host} within 1s; the server may still apply the change`),
        )
        assert.equal(silent.seen.connections, 1)
      } finally {
        await t.close()
        await silent.close()
      }
    })

    it('retries and backs off only within it: the failure in hand is the answer when the next attempt would start too late', async () => {
      const clock = { now: 0, waits: [] as number[] }
      const t = new Transport({
        baseUrl: BASE,
        now: () => clock.now,
        timeoutMs: 2_000,
        sleep: async (ms) => {
          clock.waits.push(ms)
          clock.now += ms
        },
      })
      let attempts = 0
      // Each answer asks for 1 s: the third attempt would start at the 2 s limit.
      nock(BASE)
        .get('/v1/x')
        .times(10)
        .reply(
          () => (
            attempts++,
            [503, { error: { code: 'unavailable', message: 'busy' } }, { 'retry-after': '1' }]
          ),
        )
      await assert.rejects(
        t.request('GET', '/v1/x'),
        (e: unknown) => e instanceof ApiError && e.status === 503,
      )
      assert.deepEqual([attempts, clock.waits], [2, [1_000]])
    })

    it('a bulk batch waiting out an unavailable server (retryFor) gives each attempt the whole timeout, with its one key', async () => {
      const silent = await listening()
      const t = new Transport({ baseUrl: silent.url, timeoutMs: 200 })
      try {
        const started = Date.now()
        await assert.rejects(
          t.request('POST', '/v1/bulk', { body: {}, idempotencyKey: true, retryFor: 1_000 }),
          isTimeout(`no answer from ${silent.host} within 200 ms; the server may still apply the change`),
        )
        const took = Date.now() - started
        assert.ok(silent.seen.connections >= 3, `${silent.seen.connections} attempts`)
        assert.equal(new Set(silent.seen.keys).size, 1, `one key: ${silent.seen.keys}`)
        // At least three attempts of 200 ms; at most the budget and a last attempt's time (1.4 s).
        assert.ok(took >= 600 && took < 3_000, `${took} ms`)
      } finally {
        await t.close()
        await silent.close()
      }
    })
  })

  it('drops an exchange in flight when its signal aborts: no wait for the timeout, no retry, `aborted`', async () => {
    nock.enableNetConnect('127.0.0.1')
    let connections = 0
    let received: () => void
    const arrived = new Promise<void>((r) => (received = r))
    // Accepts the connection, reads the request, never answers.
    const server = createServer((socket) => {
      connections++
      socket.resume()
      socket.once('data', () => received())
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as AddressInfo).port
    const stop = new AbortController()
    try {
      const t = new Transport({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 30_000 })
      const request = t.request('POST', '/v1/bulk', {
        body: {},
        idempotencyKey: true,
        retryFor: 60_000,
        signal: stop.signal,
      })
      await arrived
      const started = Date.now()
      stop.abort()
      await assert.rejects(request, (e: unknown) => {
        assert.ok(e instanceof ClientError && !(e instanceof NetworkError), String(e))
        assert.deepEqual(
          [e.code, e.message],
          ['aborted', `stopped waiting for http://127.0.0.1:${port} to answer`],
        )
        return true
      })
      const took = Date.now() - started
      assert.ok(took < 1_000, `ended ${took} ms after the abort, not at the 30 s timeout`)
      assert.equal(connections, 1, 'not retried')
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
      assert.ok(e instanceof ApiError)
      assert.deepEqual([e.status, e.code], [403, 'forbidden'])
      assert.ok(!e.message.includes(TOKEN))
      assert.match(e.message, /lic_u_\[REDACTED\]/)
      return true
    })
  })

  it('reports a response that does not match its schema as a server-side problem', async () => {
    nock(BASE).get('/v1/shape').reply(200, { id: 42 })
    await assert.rejects(
      transport().request('GET', '/v1/shape', { schema: z.object({ id: z.string() }) }),
      (e: unknown) => e instanceof ClientError && e.code === 'bad_response',
    )
    // The message names the field, so an older server (or another API at the URL) is told apart.
    nock(BASE)
      .get('/v1/shape')
      .reply(200, { items: [{ email: 'a@b.test' }, {}] })
    await assert.rejects(
      transport().request('GET', '/v1/shape', {
        schema: z.object({ items: z.array(z.object({ email: z.string() })) }),
      }),
      {
        message:
          'unexpected response from GET /v1/shape: items.1.email: Invalid input: expected string, received undefined',
      },
    )
  })

  it('calls onAnswer once, for a success answer only, before checking it against the schema', async () => {
    nock(BASE).post('/v1/bulk').reply(503, {}).post('/v1/bulk').reply(200, { wrong: true })
    const calls: string[] = []
    await assert.rejects(
      transport().request('POST', '/v1/bulk', {
        body: {},
        idempotencyKey: true,
        schema: z.object({ id: z.string() }).transform((v) => (calls.push('parsed'), v)),
        onAnswer: () => calls.push('answered'),
      }),
      (err: unknown) => err instanceof ClientError && err.code === 'bad_response',
    )
    assert.deepEqual(calls, ['answered'])
    nock(BASE)
      .post('/v1/bulk')
      .reply(400, { error: { code: 'invalid_request', message: 'no' } })
    await assert.rejects(
      transport().request('POST', '/v1/bulk', { body: {}, onAnswer: () => calls.push('answered') }),
      ApiError,
    )
    assert.deepEqual(calls, ['answered'])
  })

  it('encodes query values (spaces, &, =, +, unicode, booleans) and skips undefined ones', async () => {
    let seen: Record<string, unknown> = {}
    nock(BASE)
      .get('/v1/search')
      .query((q) => ((seen = { ...q }), true))
      .reply(200, [])
    await transport().request('GET', '/v1/search', {
      query: { q: 'a&b=c d+e', name: 'Zoë/ü?', yes: true, n: 0, skip: undefined },
    })
    assert.deepEqual(seen, { q: 'a&b=c d+e', name: 'Zoë/ü?', yes: 'true', n: '0' })
  })

  it('keeps a base URL’s path prefix (a server behind a reverse proxy)', async () => {
    const scope = nock(BASE).get('/licenses/v1/health').reply(200, { status: 'ok' })
    const t = new Transport({ baseUrl: `${BASE}/licenses/`, sleep: async () => {} })
    assert.deepEqual(await t.request('GET', '/v1/health'), { status: 'ok' })
    assert.ok(scope.isDone())
  })

  for (const method of ['PUT', 'DELETE'] as const)
    it(`retries ${method} (idempotent by definition) on 502 and 504`, async () => {
      nock(BASE)
        .intercept('/v1/thing', method)
        .reply(502, {})
        .intercept('/v1/thing', method)
        .reply(504, {})
        .intercept('/v1/thing', method)
        .reply(200, { ok: true })
      assert.deepEqual(await transport().request(method, '/v1/thing'), { ok: true })
      assert.equal(sleeps.length, 2)
    })

  it('gives up after the retries with the last answer’s error, and does not retry other errors', async () => {
    const scope = nock(BASE)
      .get('/v1/busy')
      .times(4)
      .reply(503, { error: { code: 'unavailable', message: 'database is gone' } })
    await assert.rejects(
      transport().request('GET', '/v1/busy'),
      (e: unknown) => e instanceof ApiError && e.code === 'unavailable' && e.status === 503,
    )
    assert.ok(scope.isDone())
    assert.equal(sleeps.length, 3)
    sleeps.length = 0
    nock(BASE)
      .get('/v1/broken')
      .reply(500, { error: { code: 'internal', message: 'oops' } })
    await assert.rejects(transport().request('GET', '/v1/broken'), ApiError)
    assert.equal(sleeps.length, 0, 'a 500 is not retried: the server may have acted')
  })

  it('waits at least what Retry-After asks, and never more than 5 s', async () => {
    nock(BASE)
      .get('/v1/limited')
      .reply(429, {}, { 'retry-after': '2' })
      .get('/v1/limited')
      .reply(429, {}, { 'retry-after': '3600' })
      .get('/v1/limited')
      .reply(200, {})
    await transport().request('GET', '/v1/limited')
    assert.equal(sleeps[0], 2000)
    assert.equal(sleeps[1], 5000)
  })

  it('reads a Retry-After given as an HTTP date, as proxies send it', async () => {
    nock(BASE)
      .get('/v1/limited')
      .reply(429, {}, { 'retry-after': new Date(Date.now() + 4_000).toUTCString() })
      .get('/v1/limited')
      .reply(200, {})
    await transport().request('GET', '/v1/limited')
    // The date has whole seconds (3 to 4 s from now); a slow test run takes a little off.
    assert.ok(sleeps[0]! >= 1_500 && sleeps[0]! <= 4_000, String(sleeps[0]))
  })

  it('makes Idempotency-Keys that sort in the order they were made (UUIDv7 where Node has it)', async function () {
    // Node 24.16 and later make UUIDv7s; on older Nodes (22) the key is a random v4, correct but not ordered.
    const crypto = await import('node:crypto')
    if (!('randomUUIDv7' in crypto)) this.skip()
    const keys: string[] = []
    const record = (value: string | null) => (keys.push(String(value)), true)
    nock(BASE, { reqheaders: { 'idempotency-key': record } })
      .post('/v1/bulk')
      .times(3)
      .reply(201, {})
    for (let i = 0; i < 3; i++) {
      await transport().request('POST', '/v1/bulk', { body: {}, idempotencyKey: true })
      // A millisecond apart at least: within one, two v7 keys sort by their random part.
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    assert.equal(keys.length, 3)
    for (const key of keys)
      assert.match(key, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    assert.deepEqual([...keys].sort(), keys)
    assert.equal(new Set(keys).size, 3)
    // Its first 48 bits are the time it was made.
    const made = parseInt(newIdempotencyKey().replace(/-/g, '').slice(0, 12), 16)
    assert.ok(Math.abs(made - Date.now()) < 1000, `key time ${made} against ${Date.now()}`)
  })

  it('sends a caller’s own Idempotency-Key unchanged on every attempt', async () => {
    const keys: string[] = []
    const record = (value: string | null) => (keys.push(String(value)), true)
    nock(BASE, { reqheaders: { 'idempotency-key': record } })
      .post('/v1/bulk')
      .reply(503, {})
      .post('/v1/bulk')
      .reply(201, { id: 'x' })
    await transport().request('POST', '/v1/bulk', { body: {}, idempotencyKey: 'ci-job-77-step-3' })
    assert.deepEqual(keys, ['ci-job-77-step-3', 'ci-job-77-step-3'])
  })

  it('sends no Authorization header without a token, and names itself in User-Agent', async () => {
    const scope = nock(BASE, { badheaders: ['authorization'], reqheaders: { 'user-agent': 'licctl/9.9.9' } })
      .get('/v1/health')
      .reply(200, {})
    await new Transport({ baseUrl: BASE, userAgent: 'licctl/9.9.9' }).request('GET', '/v1/health')
    assert.ok(scope.isDone())
  })

  it('redacts tokens from a non-JSON error page', async () => {
    nock(BASE).get('/v1/proxy').reply(502, `<html>upstream said Bearer ${TOKEN}</html>`)
    await assert.rejects(transport().request('GET', '/v1/proxy', {}), (e: unknown) => {
      assert.ok(e instanceof ApiError && e.status >= 500, String(e))
      assert.ok(!JSON.stringify([e.message, e.details]).includes(TOKEN))
      return true
    })
  })

  it('refuses an invalid base URL with its own code', () => {
    assert.throws(
      () => new Transport({ baseUrl: 'not a url' }),
      (e: unknown) => e instanceof ClientError && e.code === 'invalid_url',
    )
  })
})
