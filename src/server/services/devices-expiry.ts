import { expiryInstant } from '../../domain/dates.js'
import { shownValidUntil } from '../../domain/device-days.js'
import type { Executor } from '../context.js'
import { registerRowKind } from './expiry-check.js'

/** The org's time zone: a device's cumulative license is valid through a calendar day there. */
async function timeZoneOf(db: Executor, orgId: string): Promise<string> {
  const org = await db
    .selectFrom('organizations')
    .select('time_zone')
    .where('id', '=', orgId)
    .executeTakeFirstOrThrow()
  return org.time_zone
}

/**
 * An expired cumulative license stays on its device, and in the check, until an admin acts: a new
 * license starts a new one today, and a detach (nothing goes back) leaves the device unlicensed.
 */
const deviceRemedy = (serial: string) =>
  `the license of device ${serial} has expired: \`licctl devices assign ${serial}\` licenses it again from the pool, or, for a device no longer licensed, \`licctl devices detach ${serial} --yes\` clears it from the check`

// Assigned device licenses: a device's cumulative license lapses at the start of the day after its
// valid-until day in the org's time zone; it names the device and counts the licenses on it.
registerRowKind({
  kind: 'device-license',
  unit: 'licenses',
  async rows(db, orgId, until) {
    const tz = await timeZoneOf(db, orgId)
    const devices = await db
      .selectFrom('devices')
      .select(['id', 'serial', 'name', 'license_start', 'license_days'])
      .where('org_id', '=', orgId)
      .where('license_start', 'is not', null)
      .execute()
    const lapsing = devices
      .map((d) => ({ d, expiresAt: expiryInstant(shownValidUntil(d.license_start!, d.license_days), tz)! }))
      .filter((x) => x.expiresAt <= until)
    if (lapsing.length === 0) return []
    // Every licensed device of the org, not a list of the lapsing ones: a fleet can lapse by more
    // devices than a statement takes parameters (32,766 on SQLite, 65,535 on PostgreSQL).
    const counts = await db
      .selectFrom('device_licenses')
      .select(['device_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('org_id', '=', orgId)
      .where('state', '=', 'assigned')
      .groupBy('device_id')
      .execute()
    const byDevice = new Map(counts.map((c) => [c.device_id, Number(c.n)]))
    return lapsing.map(({ d, expiresAt }) => ({ ...d, expiresAt, count: byDevice.get(d.id) ?? 0 }))
  },
  item: (d) => ({
    id: d.id,
    name: d.name === null ? d.serial : `${d.serial} (${d.name})`,
    expiresAt: d.expiresAt,
    count: d.count,
    owner: d.serial,
    remedy: deviceRemedy(d.serial),
  }),
})

/**
 * Pool licenses past their key's last day can never be assigned: the check keeps failing on them
 * until an admin writes them off (state `retired`, which leaves the pool and so the check).
 */
const retireRemedy = (serial: string) =>
  `the licenses of key ${serial} lapsed unassigned and can never be assigned: \`licctl devices keys retire ${serial}\` writes them off and clears them from the check`

// Device licenses in the pool with a last day to be assigned: a key's, and a detached remainder's
// (which keeps the earliest of the licenses it came from). A key's stay in the check once lapsed,
// until the key is retired; a remainder has no key to retire, and leaves the check (as it leaves
// the pool) once its day has passed: it is reported while it can still be assigned.
registerRowKind({
  kind: 'device-pool-license',
  unit: 'licenses',
  rows: (db, orgId, until, now) =>
    db
      .selectFrom('device_licenses')
      .innerJoin('device_categories', 'device_categories.id', 'device_licenses.category_id')
      .leftJoin('device_keys', 'device_keys.id', 'device_licenses.key_id')
      .select([
        'device_licenses.id',
        'device_licenses.name',
        'device_licenses.term',
        'device_licenses.expires_at',
        'device_categories.name as category',
        'device_keys.serial as key_serial',
      ])
      .where('device_licenses.org_id', '=', orgId)
      .where('device_licenses.state', '=', 'pool')
      .where('device_licenses.expires_at', 'is not', null)
      .where('device_licenses.expires_at', '<=', until)
      .where((eb) =>
        eb.or([eb('device_licenses.key_id', 'is not', null), eb('device_licenses.expires_at', '>', now)]),
      )
      .execute(),
  item: (r) => ({
    id: r.id,
    name: `${r.name} (${r.category} ${r.term})`,
    expiresAt: r.expires_at!,
    count: 1,
    // A remainder is reported only before its day (see above): nothing to do once it has passed.
    ...(r.key_serial === null ? {} : { remedy: retireRemedy(r.key_serial) }),
  }),
})

// Device keys added to the org with an expiry, while licenses of theirs are still in the pool.
registerRowKind({
  kind: 'device-key',
  unit: 'licenses',
  rows: (db, orgId, until) =>
    db
      .selectFrom('device_keys')
      .innerJoin('device_categories', 'device_categories.id', 'device_keys.category_id')
      .innerJoin('device_licenses', 'device_licenses.key_id', 'device_keys.id')
      .select([
        'device_keys.id',
        'device_keys.serial',
        'device_keys.term',
        'device_keys.expires_at',
        'device_categories.name as category',
        (eb) => eb.fn.countAll<number | string>().as('n'),
      ])
      .where('device_keys.org_id', '=', orgId)
      // Licenses of the key transferred to another organization lapse there, not here.
      .where('device_licenses.org_id', '=', orgId)
      .where('device_keys.expires_at', 'is not', null)
      .where('device_keys.expires_at', '<=', until)
      .where('device_licenses.state', '=', 'pool')
      .groupBy([
        'device_keys.id',
        'device_keys.serial',
        'device_keys.term',
        'device_keys.expires_at',
        'device_categories.name',
      ])
      .execute(),
  item: (r) => ({
    id: r.id,
    name: `${r.serial} (${r.category} ${r.term})`,
    expiresAt: r.expires_at!,
    count: Number(r.n),
    remedy: retireRemedy(r.serial),
  }),
})
