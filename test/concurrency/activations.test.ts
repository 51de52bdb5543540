import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LicctlClient } from '../../src/client/index.js'
import { ApiError } from '../../src/client/errors.js'
import { openStorage } from '../../src/storage/open.js'
import { DIALECTS, freshDb, type TestDb } from '../helpers/dialects.js'
import { E2eServer } from '../helpers/e2e.js'

const CLIENTS = 8
const ACTIVATIONS = 400
const QUANTITY = 100

/**
 * 8 independent HTTP clients spread over two server processes sharing one database race 400
 * node-locked activations on distinct hosts for an ID of quantity 100, all in flight at once. The
 * guarded `used + 1 <= quantity` UPDATE must hold across processes: exactly 100 succeed, the rest
 * are refused with quantity_exceeded, and the database agrees (100 host rows, used = 100).
 */
for (const dialect of DIALECTS) {
  describe(`concurrency: NL activations on ${dialect}`, function () {
    this.timeout(120_000)
    let dir: string
    let db: TestDb
    let server: E2eServer
    let urls: string[]
    let admin: string
    let id: string

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'licctl-act-race-'))
      db = await freshDb(dialect, dir)
      server = await E2eServer.start({ dbUrl: db.url })
      urls = [server.url, await server.listen()]
      assert.equal(new Set(urls).size, urls.length, 'each server process has its own address')
      admin = await server.createOrg('acme', 'admin@acme.test')
      const op = LicctlClient.create({ baseUrl: server.url, token: server.operatorToken })
      await op.activations.provision(
        { org: 'acme' },
        { product: 'cad-desk', type: 'NL', seats: 150, expires: '2099-12-31' },
      )
      const setup = LicctlClient.create({ baseUrl: server.url, token: admin })
      id = (await setup.activations.generate({ org: 'acme' }, { product: 'cad-desk', quantity: QUANTITY })).id
    })
    after(async () => {
      await server?.stop()
      await db?.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    it(`grants exactly ${QUANTITY} of ${ACTIVATIONS} racing activations and refuses the rest with quantity_exceeded`, async () => {
      const clients = Array.from({ length: CLIENTS }, (_, c) =>
        LicctlClient.create({ baseUrl: urls[c % urls.length]!, token: admin, retries: 0 }),
      )
      // Open every client's connections first, so the activations themselves start together.
      await Promise.all(
        clients.map((c) =>
          Promise.all(Array.from({ length: 8 }, () => c.activations.show({ org: 'acme', id }))),
        ),
      )
      const outcomes = await Promise.all(
        Array.from({ length: ACTIVATIONS }, async (_, i) => {
          const client = clients[i % CLIENTS]!
          try {
            const res = await client.activations.activate({ org: 'acme', id }, { host: `host-${i}` })
            return { granted: res.host, changed: res.changed }
          } catch (err) {
            if (err instanceof ApiError) return { refused: err.code, status: err.status }
            throw err
          }
        }),
      )
      const granted = outcomes.filter((o) => 'granted' in o)
      const refused = outcomes.filter((o) => 'refused' in o)
      assert.equal(granted.length, QUANTITY, `granted ${granted.length}`)
      assert.ok(granted.every((g) => g.changed))
      assert.equal(refused.length, ACTIVATIONS - QUANTITY)
      assert.deepEqual(
        [...new Set(refused.map((o) => `${o.refused} ${o.status}`))],
        ['quantity_exceeded 409'],
      )

      const storage = await openStorage(db.url)
      try {
        const row = await storage.db
          .selectFrom('activation_ids')
          .select(['quantity', 'used'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
        const hosts = await storage.db
          .selectFrom('activation_hosts')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('activation_id', '=', id)
          .executeTakeFirstOrThrow()
        assert.deepEqual(
          { quantity: row.quantity, used: row.used, hosts: Number(hosts.n) },
          { quantity: QUANTITY, used: QUANTITY, hosts: QUANTITY },
        )
      } finally {
        await storage.close()
      }
      const view = await clients[0]!.activations.show({ org: 'acme', id })
      assert.deepEqual([view.used, view.free, view.hosts.length], [QUANTITY, 0, QUANTITY])
      await Promise.all(clients.map((c) => c.close()))
    })
  })
}
