import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { startApp } from '../helpers/app.js'
import { PG_URL, freshDb, type TestDb } from '../helpers/dialects.js'
import { ServerProcess } from '../helpers/server-process.js'
import { TcpProxy } from './tcp-proxy.js'

const UNAVAILABLE = {
  error: {
    code: 'unavailable',
    message: 'the database is unavailable (unreachable, restarting or busy): retry shortly',
  },
}

describe('fault: PostgreSQL goes away under load and comes back', function () {
  this.timeout(120_000)
  let dir: string
  let db: TestDb
  let proxy: TcpProxy
  let server: ServerProcess
  let operator: string

  before(async function () {
    if (!PG_URL) return this.skip()
    dir = mkdtempSync(join(tmpdir(), 'licctl-dbdown-'))
    db = await freshDb('postgres', dir)
    operator = await ServerProcess.init(db.url)
    const target = new URL(PG_URL)
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432))
    // The server reaches PostgreSQL only through the proxy, which the test cuts and restores.
    const proxied = new URL(db.url)
    proxied.hostname = '127.0.0.1'
    proxied.port = String(proxy.port)
    server = await ServerProcess.start(proxied.toString(), 'warn', ['--pool-size', '4'])
  })
  after(async () => {
    await server?.stop()
    await proxy?.close()
    await db?.drop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const send = async (method: string, path: string, body?: unknown, key?: string) => {
    const started = Date.now()
    const res = await fetch(server.url + path, {
      method,
      headers: {
        authorization: `Bearer ${operator}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(20_000),
    })
    return { status: res.status, body: (await res.json()) as unknown, ms: Date.now() - started }
  }
  const org = (slug: string) => ({ slug, name: slug.toUpperCase() })

  it('answers 503 unavailable while the database is gone, never 500, and recovers without a restart', async () => {
    assert.equal((await send('GET', '/v1/health')).status, 200)
    assert.equal((await send('POST', '/v1/orgs', org('before'))).status, 201)

    await proxy.cut()
    // 30 requests at once: health, authenticated reads, mutations with and without a key.
    const during = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 3 === 0
          ? send('GET', '/v1/health')
          : i % 3 === 1
            ? send('GET', '/v1/orgs')
            : send('POST', '/v1/orgs', org(`during-${i}`), `retry-key-${i}`),
      ),
    )
    assert.deepEqual(
      [...new Set(during.map((r) => JSON.stringify([r.status, r.body])))],
      [JSON.stringify([503, UNAVAILABLE])],
    )
    assert.ok(Math.max(...during.map((r) => r.ms)) < 10_000, 'each answered promptly, none hung')
    assert.equal(server.proc.exitCode, null, 'the server is still running')

    await proxy.restore()
    const deadline = Date.now() + 15_000
    let health = await send('GET', '/v1/health')
    while (health.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200))
      health = await send('GET', '/v1/health')
    }
    assert.equal(health.status, 200, 'healthy again by itself')
    // A mutation refused with 503 was not stored under its key: retrying it now applies it.
    const retried = await send('POST', '/v1/orgs', org('during-2'), 'retry-key-2')
    assert.equal(retried.status, 201, JSON.stringify(retried.body))
    const slugs = ((await send('GET', '/v1/orgs')).body as { items: Array<{ slug: string }> }).items.map(
      (o) => o.slug,
    )
    assert.deepEqual(slugs.sort(), ['before', 'during-2'])

    const lines = server.logLines()
    assert.ok(lines.some((l) => l.msg === 'database unavailable' && l.level === 40))
    assert.deepEqual(
      lines.filter((l) => Number(l.level) >= 50).map((l) => l.msg),
      [],
      'nothing logged as an error: an outage is not a bug',
    )
  })
})

describe('fault: SQLite locked by another process past the busy timeout', function () {
  this.timeout(30_000)

  it('answers 503 unavailable (retryable), not 500, and works once the lock is gone', async () => {
    const t = await startApp('sqlite')
    const dir = mkdtempSync(join(tmpdir(), 'licctl-busy-'))
    try {
      const file = (t.storage as unknown as { describe: string }).describe.replace(/^sqlite:/, '')
      const other = new SQLite(file)
      other.pragma('busy_timeout = 0')
      other.exec('begin immediate')
      try {
        const res = await t.call(t.operatorToken, 'POST', '/v1/orgs', { slug: 'locked', name: 'L' })
        assert.deepEqual([res.status, res.body], [503, UNAVAILABLE])
      } finally {
        other.exec('rollback')
        other.close()
      }
      const res = await t.call(t.operatorToken, 'POST', '/v1/orgs', { slug: 'locked', name: 'L' })
      assert.equal(res.status, 201)
    } finally {
      await t.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
