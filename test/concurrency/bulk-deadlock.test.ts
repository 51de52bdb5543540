import { strict as assert } from 'node:assert'
import { openStorage } from '../../src/storage/open.js'
import { DIALECTS } from '../helpers/dialects.js'
import { E2eServer } from '../helpers/e2e.js'

const USERS = 240
const TOTAL = 150
const JOBS = 6
const ROUNDS = 2

const email = (i: number) => `u${String(i).padStart(3, '0')}@acme.test`

/**
 * Job j's users: a window of 150 of the 240 members starting at j*18, so every two jobs overlap;
 * even jobs name them in ascending order, odd jobs in descending order. Together they name everyone.
 */
function jobUsers(j: number): string[] {
  const ids = Array.from({ length: 150 }, (_, k) => (j * 18 + k) % USERS)
  if (j % 2 === 1) ids.reverse()
  return ids.map(email)
}

type BulkBody = {
  results: Array<{ target: string; status: string; code?: string }>
  summary: { changed: number; unchanged: number; failed: number }
}

/**
 * The deadlock of issue 13: concurrent bulk assigns (then revokes) of one add-on over the same users
 * in opposite orders used to lock the assignment rows and the pool row in different orders, and
 * PostgreSQL broke the cycle by failing one of them: a 500. Six jobs at once, spread over two server
 * processes on one database, must all answer 200, and the database must stay consistent.
 */
for (const dialect of DIALECTS) {
  describe(`concurrency: bulk assigns and revokes in opposite orders on ${dialect}`, function () {
    this.timeout(180_000)
    let server: E2eServer
    let admin: string

    const call = async (url: string, token: string, path: string, body: unknown) => {
      const res = await fetch(`${url}/v1${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      return { status: res.status, body: (await res.json()) as BulkBody & { error?: { code: string } } }
    }

    const counts = async () => {
      const storage = await openStorage(server.dbUrl)
      try {
        const pool = await storage.db
          .selectFrom('addon_pools')
          .select(['id', 'total', 'assigned'])
          .where('key', '=', 'shared')
          .executeTakeFirstOrThrow()
        const rows = await storage.db
          .selectFrom('addon_assignments')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('addon_id', '=', pool.id)
          .executeTakeFirstOrThrow()
        return { total: pool.total, assigned: pool.assigned, rows: Number(rows.n) }
      } finally {
        await storage.close()
      }
    }

    before(async () => {
      server = await E2eServer.start({ dialect, processes: 2 })
      admin = await server.createOrg('acme', 'admin@acme.test')
      const added = await call(server.url, admin, '/orgs/acme/users/bulk-add', {
        items: Array.from({ length: USERS }, (_, i) => ({ email: email(i), role: 'member' })),
      })
      assert.equal(added.status, 200, JSON.stringify(added.body))
      assert.equal(added.body.summary.changed, USERS)
      const pool = await fetch(`${server.url}/v1/orgs/acme/cloud/addons`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.operatorToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ key: 'shared', name: 'Shared', total: TOTAL, expires: '2099-12-31' }),
      })
      assert.equal(pool.status, 201)
    })
    after(async () => {
      await server?.stop()
    })

    for (let round = 1; round <= ROUNDS; round++) {
      it(`round ${round}: ${JOBS} assigns at once answer 200 and fill the pool exactly; then ${JOBS} revokes empty it`, async () => {
        const assigns = await Promise.all(
          Array.from({ length: JOBS }, (_, j) =>
            call(server.urls[j % server.urls.length]!, admin, '/orgs/acme/cloud/addons/shared/bulk-assign', {
              items: jobUsers(j).map((e) => ({ email: e })),
            }),
          ),
        )
        assert.deepEqual(
          assigns.map((r) => r.status),
          Array<number>(JOBS).fill(200),
          JSON.stringify(assigns.filter((r) => r.status !== 200).map((r) => r.body)),
        )
        const outcomes = new Set(
          assigns.flatMap((r) => r.body.results.map((x) => `${x.status}${x.code ? ` ${x.code}` : ''}`)),
        )
        for (const o of outcomes)
          assert.ok(['changed', 'already-so', 'failed no_free_license'].includes(o), o)
        const changed = assigns.reduce((n, r) => n + r.body.summary.changed, 0)
        assert.equal(changed, TOTAL, 'licenses granted in all')
        assert.deepEqual(await counts(), { total: TOTAL, assigned: TOTAL, rows: TOTAL })

        const revokes = await Promise.all(
          Array.from({ length: JOBS }, (_, j) =>
            call(
              server.urls[(j + 1) % server.urls.length]!,
              admin,
              '/orgs/acme/cloud/addons/shared/bulk-revoke',
              {
                items: jobUsers(JOBS - 1 - j).map((e) => ({ email: e })),
              },
            ),
          ),
        )
        assert.deepEqual(
          revokes.map((r) => r.status),
          Array<number>(JOBS).fill(200),
          JSON.stringify(revokes.filter((r) => r.status !== 200).map((r) => r.body)),
        )
        const revoked = revokes.reduce((n, r) => n + r.body.summary.changed, 0)
        assert.equal(revoked, TOTAL, 'each license revoked once')
        assert.equal(
          revokes.reduce((n, r) => n + r.body.summary.failed, 0),
          0,
        )
        assert.deepEqual(await counts(), { total: TOTAL, assigned: 0, rows: 0 })
      })
    }
  })
}
