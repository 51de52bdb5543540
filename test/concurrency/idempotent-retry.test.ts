import { strict as assert } from 'node:assert'
import { openStorage } from '../../src/storage/open.js'
import { DIALECTS } from '../helpers/dialects.js'
import { E2eServer } from '../helpers/e2e.js'

const ITEMS = 200

/**
 * A bulk batch whose answer was lost is retried with the same Idempotency-Key — and a load balancer
 * may send the retry to the other server process. Idempotency records live in the database, so the
 * other process replays the answer instead of applying the batch again.
 */
for (const dialect of DIALECTS) {
  describe(`concurrency: an idempotent bulk batch retried on the other server process, on ${dialect}`, function () {
    this.timeout(120_000)
    let server: E2eServer
    let admin: string

    before(async () => {
      server = await E2eServer.start({ dialect, processes: 2 })
      admin = await server.createOrg('acme', 'admin@acme.test')
    })
    after(async () => {
      await server?.stop()
    })

    const batch = (prefix: string) => ({
      items: Array.from({ length: ITEMS }, (_, i) => ({ email: `${prefix}${i}@acme.test` })),
    })
    const send = async (url: string, key: string, body: unknown) => {
      const res = await fetch(`${url}/v1/orgs/acme/users/bulk-add`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${admin}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify(body),
      })
      return {
        status: res.status,
        replayed: res.headers.get('idempotent-replayed') === 'true',
        text: await res.text(),
      }
    }
    async function applied(prefix: string) {
      const storage = await openStorage(server.dbUrl)
      try {
        const members = await storage.db
          .selectFrom('users')
          .innerJoin('memberships', 'memberships.user_id', 'users.id')
          .select('users.email')
          .where('users.email', 'like', `${prefix}%`)
          .execute()
        const audits = await storage.db
          .selectFrom('audit_events')
          .select('after')
          .where('action', '=', 'user.add.bulk')
          .execute()
        return { members: members.length, bulkAudits: audits.length }
      } finally {
        await storage.close()
      }
    }

    it('replays the first answer when the retry reaches the other process, applying the batch once', async () => {
      const first = await send(server.urls[0]!, 'batch-0001-retry-elsewhere', batch('first-'))
      assert.equal(first.status, 200)
      assert.deepEqual(JSON.parse(first.text).summary, { changed: ITEMS, unchanged: 0, failed: 0 })
      const retry = await send(server.urls[1]!, 'batch-0001-retry-elsewhere', batch('first-'))
      assert.deepEqual([retry.status, retry.replayed], [200, true])
      assert.equal(retry.text, first.text, 'the very same answer')
      assert.deepEqual(await applied('first-'), { members: ITEMS, bulkAudits: 1 })
    })

    it('applies a batch sent to both processes at once exactly once', async () => {
      const key = 'batch-0002-raced'
      const raced = await Promise.all(server.urls.map((u) => send(u, key, batch('raced-'))))
      // One runs; the other is told it is in progress (409, retryable) or replays the answer.
      for (const r of raced)
        assert.ok(
          r.status === 200 ||
            (r.status === 409 && JSON.parse(r.text).error.code === 'idempotency_in_progress'),
          r.text,
        )
      assert.equal(raced.filter((r) => r.status === 200 && !r.replayed).length, 1)
      // Retrying the loser (as licctl does) replays the winner's answer.
      const deadline = Date.now() + 10_000
      let again = await send(server.urls[1]!, key, batch('raced-'))
      while (again.status === 409 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100))
        again = await send(server.urls[1]!, key, batch('raced-'))
      }
      assert.deepEqual([again.status, again.replayed], [200, true])
      assert.deepEqual(JSON.parse(again.text).summary, { changed: ITEMS, unchanged: 0, failed: 0 })
      assert.deepEqual(await applied('raced-'), { members: ITEMS, bulkAudits: 2 })
    })
  })
}
