import { sql } from 'kysely'
import type {
  AssignItem,
  DetachDetails,
  SerialItem,
  TransferBody,
  TransferResult,
} from '../../contract/devices.js'
import { toIso } from '../../domain/clock.js'
import { lastValidDay } from '../../domain/dates.js'
import {
  dayIn,
  daysBetween,
  detachDay,
  isExpired,
  previewDetach,
  shownValidUntil,
  stack,
  validUntil,
} from '../../domain/device-days.js'
import { LATEST_DATE } from '../../domain/time-range.js'
import { newId } from '../../domain/ids.js'
import { counted } from '../../domain/plural.js'
import { hashToken } from '../../domain/tokens.js'
import { quote } from '../../domain/terminal-controls.js'
import type { Database } from '../../storage/schema.js'
import type { Executor, ServiceContext } from '../context.js'
import { actorName } from '../context.js'
import { AppError, invalidField, notFound } from '../errors.js'
import { inTransaction, type Tx } from '../transaction.js'
import { authorizeOrg, type OrgRow } from './access.js'
import { audit } from './audit.js'
import { runBulk, type BulkOptions, type RowOutcome } from './bulk.js'
import { isExpired as isPast } from './expiry.js'
import { keyNotFound, returnedLicenseName, serialOfKey } from './devices-keys.js'
import { findDevice, type DeviceRow } from './devices.js'

type Trx = Tx
type LicenseRow = Database['device_licenses']

/** Tries this many times to claim licenses a concurrent request keeps taking first. */
const CLAIM_ROUNDS = 20

/**
 * Takes one pool license for a device. The only way a license leaves the pool: the UPDATE holds
 * only while the license is still in the pool, so of two racing requests (or server processes)
 * exactly one gets it; the CHECK constraints back it (assigned ⇔ on exactly one device).
 */
async function claim(db: Executor, licenseId: string, deviceId: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('device_licenses')
    .set({ state: 'assigned', device_id: deviceId, assigned_at: now })
    .where('id', '=', licenseId)
    .where('state', '=', 'pool')
    .where('device_id', 'is', null)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

/** Licenses for one assign row: the named one, or `count` from the pool in the preferred order. */
async function takeLicenses(
  trx: Trx,
  org: OrgRow,
  device: DeviceRow & { category: string },
  item: AssignItem,
  now: number,
): Promise<LicenseRow[] | 'already-so'> {
  if (item.license !== undefined) {
    const lic = await trx
      .selectFrom('device_licenses')
      .innerJoin('device_categories', 'device_categories.id', 'device_licenses.category_id')
      .selectAll('device_licenses')
      .select('device_categories.name as category')
      .where('device_licenses.org_id', '=', org.id)
      .where('device_licenses.name', '=', item.license)
      .executeTakeFirst()
    if (!lic) throw notFound(`license ${quote(item.license)} not found`)
    if (lic.device_id === device.id) return 'already-so'
    if (lic.category_id !== device.category_id)
      throw new AppError(
        'wrong_category',
        `license '${lic.name}' is for category '${lic.category}'; device '${device.serial}' needs category '${device.category}'`,
        { license: lic.category, device: device.category },
      )
    if (lic.state !== 'pool') throw notInPool(lic, 'only a license in the pool can be assigned')
    if (isPast(lic.expires_at, now))
      throw new AppError('license_expired', `license '${lic.name}' expired at ${toIso(lic.expires_at!)}`)
    if (!(await claim(trx, lic.id, device.id, now)))
      throw new AppError('license_assigned', `license '${lic.name}' was just assigned elsewhere`)
    return [lic]
  }
  const count = item.count ?? 1
  const prefer = item.prefer ?? org.device_preference
  const taken: LicenseRow[] = []
  for (let round = 0; round < CLAIM_ROUNDS && taken.length < count; round++) {
    const candidates = await trx
      .selectFrom('device_licenses')
      .selectAll()
      .where('org_id', '=', org.id)
      .where('category_id', '=', device.category_id)
      .where('state', '=', 'pool')
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('days', prefer === 'shortest' ? 'asc' : 'desc')
      // Of licenses of the same term, those with a last day to be assigned go first, the soonest
      // first: taking one that never lapses would leave them to lapse unassigned in the pool.
      .orderBy(sql<number>`case when expires_at is null then 1 else 0 end`)
      .orderBy('expires_at')
      .orderBy('name')
      .limit(count - taken.length + 8)
      .execute()
    if (candidates.length === 0) break
    for (const c of candidates) {
      if (taken.length >= count) break
      if (await claim(trx, c.id, device.id, now)) taken.push(c)
    }
  }
  if (taken.length < count)
    throw new AppError(
      'no_free_license',
      `no free license of category '${device.category}' in the pool${count > 1 ? ` (${count} needed)` : ''}`,
      { category: device.category, needed: count },
    )
  return taken
}

/**
 * Assigns licenses to devices (admins). Only licenses of the device's category fit; several combine
 * into one cumulative license whose term is their sum; a licensed device is extended when the row
 * says `extend` (naming devices on the command line does), else it is already so — which makes a
 * re-run of the same file change nothing. An expired cumulative license is replaced by a new one
 * starting today. `validUntil` is a date in the organization's time zone.
 */
export async function assignLicenses(
  ctx: ServiceContext,
  slug: string,
  items: readonly AssignItem[],
  opts: BulkOptions<AssignItem>,
) {
  const by = actorName(ctx.principal)
  return deviceBulk(ctx, slug, 'devices.assign.bulk', items, opts, async (trx, item, { org, today, now }) => {
    const device = await findDevice(trx, org.id, item.serial)
    const current =
      device.license_start === null ? null : { start: device.license_start, days: device.license_days }
    const live = current !== null && !isExpired(current.start, current.days, today)
    if (live && item.license === undefined && item.extend !== true)
      return {
        changed: false,
        details: { validUntil: shownValidUntil(current.start, current.days), licenses: [] },
      }
    const taken = await takeLicenses(trx, org, device, item, now)
    if (taken === 'already-so')
      return {
        changed: false,
        details: { validUntil: shownValidUntil(current!.start, current!.days), licenses: [] },
      }
    if (current !== null && !live) {
      // The expired cumulative license is used up: its licenses leave the device.
      await trx
        .updateTable('device_licenses')
        .set({ state: 'spent', device_id: null, assigned_at: null })
        .where('device_id', '=', device.id)
        .where(
          'id',
          'not in',
          taken.map((t) => t.id),
        )
        .execute()
    }
    const next = stack(
      live ? current : null,
      taken.map((t) => t.days),
      today,
    )
    const until = validUntil(next.start, next.days)
    // Past year 9999 a day has no four-digit year: every list that shows the device would fail.
    if (daysBetween(until, LATEST_DATE) < 0)
      throw new AppError(
        'rule_violation',
        `device '${device.serial}' would be licensed past ${LATEST_DATE}, the latest date licctl accepts (${counted(next.days, 'day')} from ${next.start}): assign fewer licenses`,
        { latest: LATEST_DATE, licenseDays: next.days, licensedFrom: next.start },
      )
    await trx
      .updateTable('devices')
      .set({ license_start: next.start, license_days: next.days, updated_at: now })
      .where('id', '=', device.id)
      .execute()
    const names = taken.map((t) => t.name)
    await trx
      .insertInto('device_events')
      .values({
        id: newId('de', now),
        device_id: device.id,
        kind: 'assign',
        day: today,
        licenses: JSON.stringify(names),
        days: taken.reduce((a, t) => a + t.days, 0),
        valid_until: until,
        returned_days: null,
        actor: by,
        created_at: now,
      })
      .execute()
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'devices.assign',
      target: device.serial,
      before: live
        ? { licenseDays: current.days, validUntil: validUntil(current.start, current.days) }
        : { licenseDays: 0 },
      after: { licenses: names, licenseDays: next.days, validUntil: until },
    })
    return {
      changed: true,
      details: { licenses: names, addedDays: next.days - (live ? current.days : 0), validUntil: until },
    }
  })
}

/**
 * Detaches a device's cumulative license on `today`: its licenses are spent and the remainder
 * (term − used − 2, SPEC §1), when above 0, goes back to the pool as ONE new license of the
 * category. Returns what it did, in the shape dry runs and prompts show.
 */
export async function detachDevice(
  trx: Executor,
  ctx: ServiceContext,
  org: OrgRow,
  device: DeviceRow & { category: string },
  today: string,
  now: number,
): Promise<DetachDetails | null> {
  if (device.license_start === null) return null
  const start = device.license_start
  // A first day after today: the org's time zone moved west since the assignment. Refusing would
  // hold the license on the device until that day comes; it is detached as on its first day.
  const day = detachDay(start, today)
  const p = previewDetach(start, device.license_days, today)
  const on = await trx
    .updateTable('device_licenses')
    .set({ state: 'spent', device_id: null, assigned_at: null })
    .where('device_id', '=', device.id)
    .returning(['name', 'expires_at'])
    .execute()
  // The remainder keeps the earliest last day to be assigned of the licenses it came from: a
  // detach must not turn licenses with a deadline into days that can be assigned forever.
  const deadlines = on.map((l) => l.expires_at).filter((e): e is number => e !== null)
  const expiresAt = deadlines.length > 0 ? Math.min(...deadlines) : null
  let returned: string | null = null
  if (p.returnedDays > 0) {
    returned = returnedLicenseName()
    await trx
      .insertInto('device_licenses')
      .values({
        id: newId('dl', now),
        name: returned,
        org_id: org.id,
        category_id: device.category_id,
        term: 'returned',
        days: p.returnedDays,
        key_id: null,
        key_count: null,
        slot: null,
        state: 'pool',
        device_id: null,
        assigned_at: null,
        expires_at: expiresAt,
        created_at: now,
      })
      .execute()
  }
  await trx
    .updateTable('devices')
    .set({ license_start: null, license_days: 0, updated_at: now })
    .where('id', '=', device.id)
    .execute()
  await trx
    .insertInto('device_events')
    .values({
      id: newId('de', now),
      device_id: device.id,
      kind: 'detach',
      day,
      licenses: JSON.stringify(on.map((l) => l.name)),
      days: device.license_days,
      valid_until: null,
      returned_days: p.returnedDays,
      actor: actorName(ctx.principal),
      created_at: now,
    })
    .execute()
  const details: DetachDetails = {
    licensedFrom: start,
    licenseDays: device.license_days,
    usedDays: p.usedDays,
    returnedDays: p.returnedDays,
    lostDays: p.lostDays,
    returnedLicense: returned,
    tomorrow: { returnedDays: p.tomorrow.returnedDays, lostDays: p.tomorrow.lostDays },
    validUntilIfReassignedTomorrow: p.validUntilIfReassignedTomorrow,
  }
  await audit(trx, ctx, {
    orgId: org.id,
    action: 'devices.detach',
    target: device.serial,
    before: { licenses: on.map((l) => l.name), licenseDays: device.license_days, licensedFrom: start },
    after: { returnedDays: p.returnedDays, lostDays: p.lostDays, returnedLicense: returned },
  })
  return details
}

/** Detaches devices' licenses (admins); an unlicensed device is already so. A dry run is the preview. */
export async function detachLicenses(
  ctx: ServiceContext,
  slug: string,
  items: readonly SerialItem[],
  opts: BulkOptions<SerialItem>,
) {
  return deviceBulk(ctx, slug, 'devices.detach.bulk', items, opts, async (trx, item, { org, today, now }) => {
    const device = await findDevice(trx, org.id, item.serial)
    const details = await detachDevice(trx, ctx, org, device, today, now)
    return details ? { changed: true, details: planned(details, opts.dryRun) } : { changed: false }
  })
}

/** Removes devices (admins), detaching their license first by the same rule; an unknown device is already so. */
export async function removeDevices(
  ctx: ServiceContext,
  slug: string,
  items: readonly SerialItem[],
  opts: BulkOptions<SerialItem>,
) {
  return deviceBulk(ctx, slug, 'devices.remove.bulk', items, opts, async (trx, item, { org, today, now }) => {
    let device
    try {
      device = await findDevice(trx, org.id, item.serial)
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') return { changed: false }
      throw err
    }
    const detached = await detachDevice(trx, ctx, org, device, today, now)
    await trx.deleteFrom('device_events').where('device_id', '=', device.id).execute()
    await trx.deleteFrom('devices').where('id', '=', device.id).execute()
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'devices.remove',
      target: device.serial,
      before: { category: device.category, licenseDays: device.license_days },
      after: null,
    })
    return { changed: true, ...(detached ? { details: planned(detached, opts.dryRun) } : {}) }
  })
}

/**
 * A detach as a dry run reports it: the returned license unnamed (null) beside the days that would go
 * back. Its name is drawn when the days go back, and the dry run's is rolled back, so a name here
 * would be one that never exists.
 */
function planned(details: DetachDetails, dryRun: boolean): DetachDetails {
  return dryRun ? { ...details, returnedLicense: null } : details
}

/** What every device bulk row works with: the organization, and today in its time zone. */
interface DeviceJob {
  org: OrgRow
  today: string
  now: number
}

/**
 * The device bulk jobs' one frame (admins, one transaction per batch, the row labelled by its
 * serial): `apply` decides each row with the organization and today in its time zone.
 */
async function deviceBulk<T extends SerialItem>(
  ctx: ServiceContext,
  slug: string,
  action: string,
  items: readonly T[],
  opts: BulkOptions<T>,
  apply: (trx: Tx, item: T, job: DeviceJob) => Promise<RowOutcome>,
) {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: !opts.dryRun })
  const now = ctx.clock.now()
  const job = { org, now, today: dayIn(now, org.time_zone) }
  return runBulk(ctx, {
    orgId: org.id,
    action,
    target: org.slug,
    dryRun: opts.dryRun,
    prior: opts.prior,
    items,
    label: (i) => i.serial,
    apply: (trx, item) => apply(trx, item, job),
  })
}

/**
 * Why a license is not in the pool, as a refusal says it, with the code that says it: on a device
 * (`license_assigned`), used up by a detach (`license_used_up`: its days went back as a returned
 * license), or retired after its last day to be assigned (`license_expired`).
 */
const NOT_IN_POOL: Record<
  string,
  { code: 'license_assigned' | 'license_used_up' | 'license_expired'; why: string }
> = {
  assigned: { code: 'license_assigned', why: 'assigned to a device' },
  spent: {
    code: 'license_used_up',
    why: 'used up (its remaining days went back to the pool when it was detached)',
  },
  retired: { code: 'license_expired', why: 'retired (it lapsed in the pool)' },
}

/** The refusal of a license that is not in the pool: `what` is what could not be done with it. */
function notInPool(lic: { name: string; state: string }, what: string): AppError {
  const { code, why } = NOT_IN_POOL[lic.state] ?? { code: 'license_assigned', why: lic.state }
  return new AppError(code, `license '${lic.name}' is ${why}; ${what}`)
}

type LicenseQuery = ReturnType<typeof licenseIds>
const licenseIds = (trx: Trx) => trx.selectFrom('device_licenses').select('id')

/**
 * On PostgreSQL, locks the licenses a transfer moves in id order before reading them, so two
 * transfers (or a transfer and an assignment) touching the same licenses queue instead of
 * deadlocking; SQLite transactions are serialized already (BEGIN IMMEDIATE).
 */
async function lockLicenses(ctx: ServiceContext, trx: Trx, where: (q: LicenseQuery) => LicenseQuery) {
  if (ctx.dialect !== 'postgres') return
  await where(licenseIds(trx)).orderBy('id').forUpdate().execute()
}

/** The caller's token for the target organization: a live admin token of the same person. */
async function targetOrgAsAdmin(ctx: ServiceContext, to: string, token: string): Promise<OrgRow> {
  const p = ctx.principal
  if (p.kind !== 'user')
    throw new AppError('forbidden', 'a transfer is made by a user who is admin of both organizations')
  const now = ctx.clock.now()
  const row = await ctx.db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .innerJoin('organizations', 'organizations.id', 'tokens.org_id')
    .innerJoin('memberships', (j) =>
      j.onRef('memberships.org_id', '=', 'tokens.org_id').onRef('memberships.user_id', '=', 'tokens.user_id'),
    )
    .select([
      'users.email',
      'organizations.slug',
      'memberships.role',
      'tokens.read_only',
      'tokens.revoked_at',
      'tokens.expires_at',
    ])
    .where('tokens.token_hash', '=', hashToken(token))
    .executeTakeFirst()
  if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now))
    // Names the field: this is the body's token, not the caller's own (whose refusals name none).
    throw new AppError('unauthenticated', `the token for '${to}' is invalid, revoked or expired`, {
      field: 'body.toToken',
    })
  if (row.slug !== to)
    throw new AppError('forbidden', `the token given for '${to}' belongs to another organization`)
  if (row.email !== p.email)
    throw new AppError(
      'forbidden',
      `the token for '${to}' belongs to another user; a transfer needs one person admin of both`,
    )
  if (row.read_only === 1) throw new AppError('read_only_token', `the token for '${to}' is read-only`)
  if (row.role !== 'admin') throw new AppError('not_admin', `only admins of '${to}' can receive a transfer`)
  return ctx.db.selectFrom('organizations').selectAll().where('slug', '=', to).executeTakeFirstOrThrow()
}

/** A transfer of what is past its last day to be assigned: refused, with the way to write it off here. */
function pastLastDay(what: string, expiresAt: number, serial: string | null, from: OrgRow): AppError {
  const retire = serial === null ? '' : `; retire it here: licctl devices keys retire ${serial}`
  return new AppError(
    'license_expired',
    `${what} could be assigned only through ${lastValidDay(expiresAt, from.time_zone)}; what is past its last day is not transferred${retire}`,
    { expiresAt: toIso(expiresAt) },
  )
}

/**
 * Moves unassigned licenses, or a whole key none of whose licenses is assigned, to another
 * organization. The caller is admin of both (the target's token comes from their profile for it).
 * Assigned licenses are refused (`license_assigned`); the move is conditional on the pool state, so a
 * concurrent assignment cannot slip in between.
 */
export async function transferLicenses(
  ctx: ServiceContext,
  slug: string,
  body: TransferBody,
): Promise<TransferResult> {
  const from = await authorizeOrg(ctx, slug, { role: 'admin', write: true })
  const to = await targetOrgAsAdmin(ctx, body.to, body.toToken)
  if (to.id === from.id)
    throw invalidField('body.to', `the licenses are already in '${from.slug}'; name another organization`)
  return inTransaction(ctx, async (trx) => {
    let movedKey: string | null = null
    let licenses: Array<{ id: string; name: string; state: string }>
    let already: string[] = []
    const now = ctx.clock.now()
    if (body.key !== undefined) {
      // The whole key, or its serial as `devices keys list` shows it: either names a key this
      // organization holds, and the caller is admin of both organizations.
      const serial = serialOfKey(body.key)
      // Lock order (the key, the shared row, first; then its licenses by id): see lockLicenses.
      let keyQuery = trx
        .selectFrom('device_keys')
        .selectAll()
        .where('serial', '=', serial)
        .where('org_id', '=', from.id)
      if (ctx.dialect === 'postgres') keyQuery = keyQuery.forUpdate()
      const key = await keyQuery.executeTakeFirst()
      if (!key) {
        const already = await keyAlreadyTransferred(trx, serial, from, to)
        return { from: from.slug, to: to.slug, key: serial, licenses: [], already, changed: false }
      }
      // Past its last day its licenses can never be assigned: moving it would only move a failing
      // expiry item into the other organization. It is retired here.
      if (isPast(key.expires_at, now)) throw pastLastDay(`key ${serial}`, key.expires_at!, serial, from)
      movedKey = key.serial
      // Only the key's licenses here: those transferred to another organization before are that
      // organization's now, and neither move with the key nor hold it back.
      await lockLicenses(ctx, trx, (q) => q.where('key_id', '=', key.id).where('org_id', '=', from.id))
      licenses = await trx
        .selectFrom('device_licenses')
        .select(['id', 'name', 'state'])
        .where('key_id', '=', key.id)
        .where('org_id', '=', from.id)
        .orderBy('slot')
        .execute()
      const assigned = licenses.filter((l) => l.state === 'assigned')
      if (assigned.length > 0)
        throw new AppError(
          'license_assigned',
          `key ${serial} has ${counted(assigned.length, 'assigned license')} (${assigned.map((l) => l.name).join(', ')}); detach ${assigned.length === 1 ? 'it' : 'them'} first or transfer its unassigned licenses`,
        )
      // Used up here (detached: spent): the key is what this organization's devices were licensed
      // with, so it stays listed here with what was used; what is left of it moves by name.
      const spent = licenses.filter((l) => l.state === 'spent')
      if (spent.length > 0) {
        const left = licenses.filter((l) => l.state === 'pool').map((l) => l.name)
        const usedUp = `${counted(spent.length, 'license')} of it (${spent.map((l) => l.name).join(', ')}) ${spent.length === 1 ? 'was' : 'were'} used up here by detaching`
        throw new AppError(
          'license_used_up',
          left.length === 0
            ? `key ${serial} has no unassigned license left in '${from.slug}': its licenses here were used up by detaching (their remaining days went back to the pool as returned licenses, which transfer by name with --license); nothing to transfer`
            : `key ${serial} stays in '${from.slug}': ${usedUp}; transfer its unassigned ${left.length === 1 ? 'license' : 'licenses'} by name: ${left.map((n) => `--license ${n}`).join(' ')}`,
        )
      }
      await trx.updateTable('device_keys').set({ org_id: to.id }).where('id', '=', key.id).execute()
      licenses = licenses.filter((l) => l.state === 'pool')
    } else {
      const names = [...new Set(body.licenses!)]
      await lockLicenses(ctx, trx, (q) => q.where('org_id', '=', from.id).where('name', 'in', names))
      const found = await trx
        .selectFrom('device_licenses')
        .leftJoin('device_keys', 'device_keys.id', 'device_licenses.key_id')
        .select([
          'device_licenses.id',
          'device_licenses.name',
          'device_licenses.state',
          'device_licenses.expires_at',
          'device_keys.serial as key',
        ])
        .where('device_licenses.org_id', '=', from.id)
        .where('device_licenses.name', 'in', names)
        .execute()
      licenses = found
      already = await licensesAlreadyTransferred(
        trx,
        names.filter((n) => !licenses.some((l) => l.name === n)),
        from,
        to,
      )
      const notPool = licenses.filter((l) => l.state !== 'pool')
      if (notPool.length > 0) throw notInPool(notPool[0]!, 'only unassigned licenses can be transferred')
      const lapsed = found.find((l) => isPast(l.expires_at, now))
      if (lapsed) throw pastLastDay(`license '${lapsed.name}'`, lapsed.expires_at!, lapsed.key, from)
    }
    if (licenses.length > 0) {
      const moved = await trx
        .updateTable('device_licenses')
        .set({ org_id: to.id })
        .where(
          'id',
          'in',
          licenses.map((l) => l.id),
        )
        .where('org_id', '=', from.id)
        .where('state', '=', 'pool')
        .executeTakeFirst()
      if (Number(moved.numUpdatedRows) !== licenses.length)
        throw new AppError('license_assigned', 'a license was assigned while transferring; nothing was moved')
    }
    const names = licenses.map((l) => l.name)
    // Everything named was there already (a re-run): nothing moved, nothing to audit.
    if (movedKey === null && names.length === 0)
      return { from: from.slug, to: to.slug, key: null, licenses: [], already, changed: false }
    for (const org of [from, to])
      await audit(trx, ctx, {
        orgId: org.id,
        action: 'devices.transfer',
        target: movedKey ?? names.join(','),
        before: { org: from.slug },
        after: { org: to.slug, key: movedKey, licenses: names },
      })
    return { from: from.slug, to: to.slug, key: movedKey, licenses: names, already, changed: true }
  })
}

/**
 * A key not in `from`: already so when it is in `to` exactly as a transfer leaves it (nothing of it
 * left here to move or to hold it back, every license of it there unassigned), with those licenses.
 * Otherwise not found here, saying where it is when it is in `to`.
 */
async function keyAlreadyTransferred(trx: Trx, serial: string, from: OrgRow, to: OrgRow): Promise<string[]> {
  const key = await trx
    .selectFrom('device_keys')
    .select('id')
    .where('serial', '=', serial)
    .where('org_id', '=', to.id)
    .executeTakeFirst()
  if (!key) throw keyNotFound(serial, from.slug)
  const licenses = await trx
    .selectFrom('device_licenses')
    .select(['name', 'state', 'org_id'])
    .where('key_id', '=', key.id)
    .where('org_id', 'in', [from.id, to.id])
    .orderBy('slot')
    .execute()
  const leftHere = licenses.find(
    (l) => l.org_id === from.id && (l.state === 'pool' || l.state === 'assigned'),
  )
  const usedThere = licenses.find((l) => l.org_id === to.id && l.state !== 'pool')
  const why = leftHere
    ? `license ${quote(leftHere.name)} of it is still here`
    : usedThere
      ? `license ${quote(usedThere.name)} is ${NOT_IN_POOL[usedThere.state]?.why ?? usedThere.state} since`
      : null
  if (why !== null) throw keyNotFound(serial, from.slug, `it is in ${quote(to.slug)}, where ${why}`)
  return licenses.filter((l) => l.org_id === to.id).map((l) => l.name)
}

/**
 * Named licenses not in `from`: already so when each is in `to`, unassigned, as a transfer leaves
 * it. Otherwise the first is not found here, saying where it is when it is in `to`.
 */
async function licensesAlreadyTransferred(
  trx: Trx,
  names: string[],
  from: OrgRow,
  to: OrgRow,
): Promise<string[]> {
  if (names.length === 0) return []
  const there = await trx
    .selectFrom('device_licenses')
    .select(['name', 'state'])
    .where('org_id', '=', to.id)
    .where('name', 'in', names)
    .execute()
  for (const name of names) {
    const lic = there.find((l) => l.name === name)
    if (lic?.state === 'pool') continue
    const where = lic
      ? ` (it is in ${quote(to.slug)}, ${NOT_IN_POOL[lic.state]?.why ?? lic.state} since)`
      : ''
    throw notFound(`license ${quote(name)} in ${quote(from.slug)} not found${where}`)
  }
  return names
}
