import { strict as assert } from 'node:assert'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DIALECTS, freshDb, type TestDb } from '../helpers/dialects.js'
import { ServerProcess } from '../helpers/server-process.js'

for (const dialect of DIALECTS) {
  describe(`server start: graceful shutdown on ${dialect}`, function () {
    let dir: string
    let db: TestDb
    let server: ServerProcess

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'licctl-shutdown-'))
      db = await freshDb(dialect, dir)
    })
    after(async () => {
      await server?.stop()
      await db.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    it('on SIGTERM finishes the request in flight, refuses new connections, closes the database and exits 0', async () => {
      const operator = await ServerProcess.init(db.url)
      server = await ServerProcess.start(db.url)
      const created = await fetch(`${server.url}/v1/orgs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
        body: JSON.stringify({ slug: 'acme', name: 'Acme', admin: { email: 'alice@acme.test' } }),
      })
      const admin = ((await created.json()) as { admin: { token: string } }).admin.token

      // The in-flight request: a full bulk batch whose body arrives in two halves, with SIGTERM
      // between them, so the request is certainly in flight when the signal lands.
      const body = JSON.stringify({
        items: Array.from({ length: 1000 }, (_, i) => ({ email: `user${i}@acme.test` })),
      })
      const half = Math.floor(body.length / 2)
      const url = new URL(`${server.url}/v1/orgs/acme/users/bulk-add`)
      const slow = request(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${admin}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-request-id': 'slow-bulk',
        },
      })
      const answer = new Promise<{ status: number; text: string; connection: unknown }>((ok, fail) => {
        slow.on('error', fail)
        slow.on('response', (res) => {
          let text = ''
          res.on('data', (d: Buffer) => (text += d.toString()))
          res.on('end', () => ok({ status: res.statusCode ?? 0, text, connection: res.headers.connection }))
        })
      })
      slow.write(body.slice(0, half))
      await server.waitForLog((l) => l.reqId === 'slow-bulk' && l.msg === 'incoming request')

      server.proc.kill('SIGTERM')
      await server.waitForLog((l) => l.msg === 'shutting down')
      // The listener is closed: a new connection is refused while the old request goes on.
      await assert.rejects(fetch(`${server.url}/v1/health`), 'new connections are refused')
      slow.end(body.slice(half))

      const res = await answer
      const answeredAt = Date.now()
      assert.equal(res.status, 200, res.text)
      assert.deepEqual((JSON.parse(res.text) as { summary: unknown }).summary, {
        changed: 1000,
        unchanged: 0,
        failed: 0,
      })
      const exit = await server.exit
      // Not held open by the keep-alive socket of the request it just answered (5 s by default).
      assert.ok(Date.now() - answeredAt < 2_000, `exited ${Date.now() - answeredAt} ms after answering`)
      assert.equal(res.connection, 'close')
      assert.deepEqual(exit, { code: 0, signal: null })

      const messages = server.logLines().map((l) => `${String(l.reqId ?? '')} ${String(l.msg)}`)
      const completed = messages.indexOf('slow-bulk request completed')
      const closed = messages.indexOf(' database closed')
      assert.ok(completed > messages.indexOf(' shutting down'), messages.join('\n'))
      assert.ok(
        closed > completed,
        `the database closes after the request completes:\n${messages.join('\n')}`,
      )
      // SQLite removes its -wal file when the last connection closes cleanly.
      if (dialect === 'sqlite') assert.equal(existsSync(`${db.url}-wal`), false)
    })
  })
}
