import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LicctlClient } from '../../src/client/index.js'
import { openStorage } from '../../src/storage/open.js'
import { DIALECTS, freshDb, type TestDb } from '../helpers/dialects.js'
import { E2eServer } from '../helpers/e2e.js'

const CLIENTS = 8
const DEVICES = 400
const LICENSES = 100

/**
 * The invariant under load: 8 independent HTTP clients, spread over two server processes sharing
 * the database, race to assign a pool of 100 licenses to 400 devices, all requests in flight at
 * once. Exactly 100 devices get a license, each license is on exactly one device, and the rest are
 * refused with no_free_license — the conditional `UPDATE … WHERE state = 'pool' AND device_id IS
 * NULL` (and the CHECK behind it) holding across processes.
 */
for (const dialect of DIALECTS) {
  describe(`concurrency: device license assigns on ${dialect}`, function () {
    this.timeout(180_000)
    let dir: string
    let db: TestDb
    let server: E2eServer
    let urls: string[]
    let admin: string
    const serials = Array.from({ length: DEVICES }, (_, i) => `DEV-${String(i).padStart(3, '0')}`)

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'licctl-race-'))
      db = await freshDb(dialect, dir)
      server = await E2eServer.start({ dbUrl: db.url })
      urls = [server.url, await server.listen()]
      admin = await server.createOrg('acme', 'admin@acme.test')
      const op = LicctlClient.create({ baseUrl: server.url, token: server.operatorToken })
      await op.devices.categoriesAdd({}, { name: 'router', models: ['R-1'] })
      const { keys } = await op.devices.keysIssue({}, { category: 'router', term: '1y', count: LICENSES })
      const setup = LicctlClient.create({ baseUrl: server.url, token: admin })
      await setup.devices.keysAdd({ org: 'acme' }, { key: keys[0]!.key, acceptTerms: true })
      const added = await setup.devices.add(
        { org: 'acme' },
        serials.map((serial) => ({ serial, model: 'R-1' })),
        { dryRun: false },
      )
      assert.equal(added.summary.changed, DEVICES)
      await Promise.all([op.close(), setup.close()])
    })
    after(async () => {
      await server?.stop()
      await db?.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    it(`assigns exactly ${LICENSES} licenses to ${DEVICES} racing devices and refuses the rest`, async () => {
      const clients = Array.from({ length: CLIENTS }, (_, c) =>
        LicctlClient.create({ baseUrl: urls[c % urls.length]!, token: admin, retries: 0 }),
      )
      await Promise.all(
        clients.map((c) => Promise.all(Array.from({ length: 8 }, () => c.devices.pool({ org: 'acme' })))),
      )
      const outcomes = await Promise.all(
        serials.map(async (serial, i) => {
          const res = await clients[i % CLIENTS]!.devices.assign({ org: 'acme' }, [{ serial }], {
            dryRun: false,
          })
          const r = res.results[0]!
          return { serial, status: r.status, code: r.code, licenses: (r.details?.licenses as string[]) ?? [] }
        }),
      )
      const granted = outcomes.filter((o) => o.status === 'changed')
      const refused = outcomes.filter((o) => o.status === 'failed')
      assert.equal(granted.length, LICENSES, `granted ${granted.length}`)
      assert.equal(refused.length, DEVICES - LICENSES)
      assert.deepEqual([...new Set(refused.map((o) => o.code))], ['no_free_license'])
      const names = granted.flatMap((o) => o.licenses)
      assert.equal(new Set(names).size, LICENSES, 'every license went to one device')

      const storage = await openStorage(db.url)
      try {
        const rows = await storage.db.selectFrom('device_licenses').select(['state', 'device_id']).execute()
        assert.equal(rows.length, LICENSES)
        assert.equal(rows.filter((r) => r.state === 'assigned').length, LICENSES)
        assert.equal(new Set(rows.map((r) => r.device_id)).size, LICENSES)
        const licensed = await storage.db
          .selectFrom('devices')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('license_start', 'is not', null)
          .executeTakeFirstOrThrow()
        assert.equal(Number(licensed.n), LICENSES)
      } finally {
        await storage.close()
      }
      await Promise.all(clients.map((c) => c.close()))
    })
  })
}
