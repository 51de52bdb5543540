import { strict as assert } from 'node:assert'
import type { BulkResponse } from '../../src/contract/bulk.js'
import { LicctlClient } from '../../src/client/index.js'
import { openStorage, type Storage } from '../../src/storage/open.js'
import { DIALECTS } from '../helpers/dialects.js'
import { E2eServer } from '../helpers/e2e.js'
import { raceFromProcesses, type RaceCall, type RaceOutcome } from '../helpers/race.js'

const SERVERS = 2
const CLIENTS = 8
const ATTEMPTS = 400
const UNITS = 100

const ORG = 'acme'
const nth = (i: number) => String(i).padStart(3, '0')
const email = (i: number) => `user${nth(i)}@acme.test`
const serial = (i: number) => `DEV-${nth(i)}`

/** What provisioning left for a race to use: the activation ID (the other resources are named here). */
interface Provisioned {
  activationId: string
}

/**
 * One resource of which exactly UNITS can be granted: the call that tries to take one (attempt i is
 * for a distinct user, host or device), how its answer reads, and what the database must hold after.
 */
interface Race {
  what: string
  warm(p: Provisioned): RaceCall
  attempt(i: number, p: Provisioned): RaceCall
  /** The answer every attempt past the UNITS-th must get. */
  refusal: string
  /** Counts in the database that must each equal UNITS (granted rows, and the counter guarding them). */
  inDatabase(storage: Storage, p: Provisioned): Promise<Record<string, number>>
}

const count = (n: { n: number | string }) => Number(n.n)

/**
 * "granted", or how the attempt was refused: `<code> <HTTP status>`, or for a bulk call of one row
 * `<code> row` (the request answers 200 and its row failed). A 5xx shows up here as itself.
 */
function answerOf(o: RaceOutcome, bulk: boolean): string {
  if (!o.ok) return `${o.code} ${o.status}`
  if (!bulk) return 'granted'
  const row = (o.value as BulkResponse).results[0]!
  return row.status === 'changed' ? 'granted' : `${row.code ?? row.status} row`
}

const RACES: Array<Race & { bulk: boolean }> = [
  {
    what: 'seat checkouts of a 100-seat pool',
    bulk: false,
    warm: () => ['seats.pools', { org: ORG }],
    attempt: (i) => [
      'seats.checkout',
      { org: ORG, product: 'cad-pro' },
      { user: email(i), host: `host-${i}` },
    ],
    refusal: 'no_free_seat 409',
    async inDatabase(storage) {
      const pool = await storage.db
        .selectFrom('seat_pools')
        .select(['id', 'used'])
        .where('product', '=', 'cad-pro')
        .executeTakeFirstOrThrow()
      const leases = await storage.db
        .selectFrom('leases')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('pool_id', '=', pool.id)
        .executeTakeFirstOrThrow()
      return { used: pool.used, leases: count(leases) }
    },
  },
  {
    what: 'single-user assigns of a 100-license cloud add-on',
    bulk: true,
    warm: () => ['cloud.list', { org: ORG }],
    attempt: (i) => [
      'cloud.assign',
      { org: ORG, addon: 'cloud-processing' },
      [{ email: email(i) }],
      { dryRun: false },
    ],
    refusal: 'no_free_license row',
    async inDatabase(storage) {
      const pool = await storage.db
        .selectFrom('addon_pools')
        .select(['id', 'assigned'])
        .where('key', '=', 'cloud-processing')
        .executeTakeFirstOrThrow()
      const rows = await storage.db
        .selectFrom('addon_assignments')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('addon_id', '=', pool.id)
        .executeTakeFirstOrThrow()
      return { assigned: pool.assigned, assignments: count(rows) }
    },
  },
  {
    what: 'device assigns of a 100-license device pool',
    bulk: true,
    warm: () => ['devices.pool', { org: ORG }],
    attempt: (i) => ['devices.assign', { org: ORG }, [{ serial: serial(i) }], { dryRun: false }],
    refusal: 'no_free_license row',
    async inDatabase(storage) {
      const rows = await storage.db
        .selectFrom('device_licenses')
        .select(['state', 'device_id'])
        .where('state', '=', 'assigned')
        .execute()
      const licensed = await storage.db
        .selectFrom('devices')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('license_start', 'is not', null)
        .executeTakeFirstOrThrow()
      return {
        assignedLicenses: rows.length,
        devicesHoldingThem: new Set(rows.map((r) => r.device_id)).size,
        licensedDevices: count(licensed),
      }
    },
  },
  {
    what: 'node-locked activations of an ID of quantity 100',
    bulk: false,
    warm: (p) => ['activations.show', { org: ORG, id: p.activationId }],
    attempt: (i, p) => ['activations.activate', { org: ORG, id: p.activationId }, { host: `host-${i}` }],
    refusal: 'quantity_exceeded 409',
    async inDatabase(storage, p) {
      const row = await storage.db
        .selectFrom('activation_ids')
        .select('used')
        .where('id', '=', p.activationId)
        .executeTakeFirstOrThrow()
      const hosts = await storage.db
        .selectFrom('activation_hosts')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('activation_id', '=', p.activationId)
        .executeTakeFirstOrThrow()
      return { used: row.used, hosts: count(hosts) }
    },
  },
]

/** Makes UNITS of every raced resource available in the org, and ATTEMPTS members and devices to want them. */
async function provision(server: E2eServer, adminToken: string): Promise<Provisioned> {
  const op = LicctlClient.create({ baseUrl: server.url, token: server.operatorToken })
  const admin = LicctlClient.create({ baseUrl: server.url, token: adminToken })
  try {
    const people = Array.from({ length: ATTEMPTS }, (_, i) => ({ email: email(i), role: 'member' as const }))
    assert.equal((await admin.users.add({ org: ORG }, people, { dryRun: false })).summary.changed, ATTEMPTS)
    await op.seats.provision({ org: ORG }, { product: 'cad-pro', seats: UNITS, expires: '2099-12-31' })
    await op.cloud.provision(
      { org: ORG },
      { key: 'cloud-processing', name: 'Cloud Processing', total: UNITS, expires: '2099-12-31' },
    )
    await op.devices.categoriesAdd({}, { name: 'router', models: ['R-1'] })
    const { keys } = await op.devices.keysIssue({}, { category: 'router', term: '1y', count: UNITS })
    await admin.devices.keysAdd({ org: ORG }, { key: keys[0]!.key, acceptTerms: true })
    const devices = Array.from({ length: ATTEMPTS }, (_, i) => ({ serial: serial(i), model: 'R-1' }))
    assert.equal(
      (await admin.devices.add({ org: ORG }, devices, { dryRun: false })).summary.changed,
      ATTEMPTS,
    )
    await op.activations.provision(
      { org: ORG },
      { product: 'cad-desk', type: 'NL', seats: UNITS + 50, expires: '2099-12-31' },
    )
    const { id } = await admin.activations.generate({ org: ORG }, { product: 'cad-desk', quantity: UNITS })
    return { activationId: id }
  } finally {
    await Promise.all([op.close(), admin.close()])
  }
}

/**
 * Issue 11's multi-instance proof: 2 server processes share one database (one SQLite file, or one
 * PostgreSQL schema) and 8 client processes race 400 attempts for 100 of a resource, all in flight
 * at once. Exactly 100 are granted — by the answers and by the database read back — and every other
 * attempt gets the resource's refusal: no 5xx, no contention error, no second grant of a unit. The
 * guard is each service's conditional UPDATE (and the CHECK behind it), which must hold across
 * processes, not only inside one event loop.
 */
for (const dialect of DIALECTS) {
  describe(`concurrency: ${SERVERS} server processes and ${CLIENTS} client processes race for ${UNITS} units, on ${dialect}`, function () {
    this.timeout(180_000)
    let server: E2eServer
    let admin: string
    let provisioned: Provisioned

    before(async () => {
      server = await E2eServer.start({ dialect, processes: SERVERS })
      admin = await server.createOrg(ORG, 'admin@acme.test')
      provisioned = await provision(server, admin)
    })
    after(async () => {
      await server?.stop()
    })

    for (const race of RACES) {
      it(`${race.what}: ${ATTEMPTS} attempts grant exactly ${UNITS}, the rest get ${race.refusal}`, async () => {
        const outcomes = await raceFromProcesses({
          urls: server.urls,
          token: admin,
          warm: race.warm(provisioned),
          calls: Array.from({ length: ATTEMPTS }, (_, i) => race.attempt(i, provisioned)),
          clients: CLIENTS,
        })
        const answers = outcomes.map((o) => answerOf(o, race.bulk))
        const tally = Object.fromEntries(
          [...new Set(answers)].map((a) => [a, answers.filter((x) => x === a).length]),
        )
        assert.deepEqual(tally, { granted: UNITS, [race.refusal]: ATTEMPTS - UNITS })

        const storage = await openStorage(server.dbUrl)
        try {
          const counts = await race.inDatabase(storage, provisioned)
          assert.deepEqual(counts, Object.fromEntries(Object.keys(counts).map((k) => [k, UNITS])))
        } finally {
          await storage.close()
        }
        const client = LicctlClient.create({ baseUrl: server.url, token: admin })
        try {
          const chain = await client.orgs.auditVerify({ org: ORG })
          assert.equal(chain.intact, true, `audit chain: ${JSON.stringify(chain.broken)}`)
        } finally {
          await client.close()
        }
      })
    }
  })
}
