import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LicctlClient } from '../../src/client/index.js'
import { ClientError } from '../../src/client/errors.js'
import { failureOf } from '../../src/cli/errors.js'
import { openStorage } from '../../src/storage/open.js'
import { DIALECTS, freshDb, type TestDb } from '../helpers/dialects.js'
import { E2eServer } from '../helpers/e2e.js'

const CLIENTS = 8
const CHECKOUTS = 400
const SEATS = 100

/**
 * The invariant under load: 8 independent HTTP clients (each its own connection pool) race 400
 * checkouts for distinct users and hosts against a 100-seat pool, all requests in flight at once.
 * The clients are spread over two server processes sharing the database (one SQLite file, or one
 * PostgreSQL database), so the guard must hold across processes, not just inside one event loop.
 * On SQLite this also needs transactions that begin IMMEDIATE: deferred ones failed with
 * SQLITE_BUSY (internal errors) when the other process held the write lock.
 */
for (const dialect of DIALECTS) {
  describe(`concurrency: seat checkouts on ${dialect}`, function () {
    this.timeout(120_000)
    let dir: string
    let db: TestDb
    let server: E2eServer
    let urls: string[]
    let admin: string

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'licctl-race-'))
      db = await freshDb(dialect, dir)
      server = await E2eServer.start({ dbUrl: db.url })
      urls = [server.url, await server.listen()]
      assert.equal(new Set(urls).size, urls.length, 'each server process has its own address')
      admin = await server.createOrg('acme', 'admin@acme.test')
      const setup = LicctlClient.create({ baseUrl: server.url, token: admin })
      const emails = Array.from(
        { length: CHECKOUTS },
        (_, i) => `user${String(i).padStart(3, '0')}@acme.test`,
      )
      const added = await setup.users.add(
        { org: 'acme' },
        emails.map((email) => ({ email, role: 'member' as const })),
        { dryRun: false },
      )
      assert.equal(added.summary.changed, CHECKOUTS)
      const op = LicctlClient.create({ baseUrl: server.url, token: server.operatorToken })
      await op.seats.provision({ org: 'acme' }, { product: 'cad-pro', seats: SEATS, expires: '2099-12-31' })
    })
    after(async () => {
      await server?.stop()
      await db?.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    it(`grants exactly ${SEATS} of ${CHECKOUTS} racing checkouts and refuses the rest with no_free_seat`, async () => {
      const clients = Array.from({ length: CLIENTS }, (_, c) =>
        LicctlClient.create({ baseUrl: urls[c % urls.length]!, token: admin, retries: 0 }),
      )
      // Open every client's connections first, so the checkouts themselves start together.
      await Promise.all(
        clients.map((c) => Promise.all(Array.from({ length: 8 }, () => c.seats.pools({ org: 'acme' })))),
      )

      const outcomes = await Promise.all(
        Array.from({ length: CHECKOUTS }, async (_, i) => {
          const client = clients[i % CLIENTS]!
          const user = `user${String(i).padStart(3, '0')}@acme.test`
          try {
            const lease = await client.seats.checkout(
              { org: 'acme', product: 'cad-pro' },
              { user, host: `host-${i}` },
            )
            return { granted: lease.id }
          } catch (err) {
            if (err instanceof ClientError) return { refused: err.code, exit: failureOf(err).exitCode }
            throw err
          }
        }),
      )
      const granted = outcomes.filter((o) => 'granted' in o)
      const refused = outcomes.filter((o) => 'refused' in o)
      assert.equal(granted.length, SEATS, `granted ${granted.length}`)
      assert.equal(refused.length, CHECKOUTS - SEATS)
      assert.deepEqual(
        [...new Set(refused.map((o) => `${o.refused} exit ${o.exit}`))],
        ['no_free_seat exit 3'],
      )
      assert.equal(new Set(granted.map((o) => o.granted)).size, SEATS, 'every granted lease is distinct')

      // The database agrees: as many leases as seats, and the pool's count says so too.
      const storage = await openStorage(db.url)
      try {
        const pool = await storage.db
          .selectFrom('seat_pools')
          .select(['id', 'seats', 'used'])
          .where('product', '=', 'cad-pro')
          .executeTakeFirstOrThrow()
        const leases = await storage.db
          .selectFrom('leases')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('pool_id', '=', pool.id)
          .executeTakeFirstOrThrow()
        assert.deepEqual(
          { seats: pool.seats, used: pool.used, leases: Number(leases.n) },
          {
            seats: SEATS,
            used: SEATS,
            leases: SEATS,
          },
        )
      } finally {
        await storage.close()
      }
      const view = await clients[0]!.seats.pools({ org: 'acme' })
      assert.deepEqual(
        view.items.map((p) => [p.product, p.inUse, p.free]),
        [['cad-pro', SEATS, 0]],
      )
    })
  })
}
