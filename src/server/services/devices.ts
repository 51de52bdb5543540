import { sql } from 'kysely'
import type { AddDeviceItem, Device, DeviceDetail, DevicesQuery } from '../../contract/devices.js'
import { toIso } from '../../domain/clock.js'
import { daysLeft, dayIn, isExpired, shownDay, shownValidUntil } from '../../domain/device-days.js'
import { newId } from '../../domain/ids.js'
import { quote } from '../../domain/terminal-controls.js'
import { daysAfter } from '../../storage/calendar-days.js'
import type { Database } from '../../storage/schema.js'
import type { Executor, ServiceContext } from '../context.js'
import { AppError, notFound } from '../errors.js'
import { authorizeOrg, type OrgRow } from './access.js'
import { audit } from './audit.js'
import { runBulk, type BulkOptions } from './bulk.js'
import { categoryOfModel, coveredModel, findCategory } from './devices-keys.js'
import './devices-expiry.js'
import './devices-explain.js'
import { mapPage, paginate } from './paging.js'

export type DeviceRow = Database['devices']

export function presentDevice(r: DeviceRow & { category: string }, org: OrgRow, now: number): Device {
  const today = dayIn(now, org.time_zone)
  const start = r.license_start
  return {
    serial: r.serial,
    name: r.name,
    site: r.site,
    model: r.model,
    category: r.category,
    licensed: start !== null && !isExpired(start, r.license_days, today),
    expired: start !== null && isExpired(start, r.license_days, today),
    licensedFrom: start,
    licenseDays: r.license_days,
    validUntil: start === null ? null : shownValidUntil(start, r.license_days),
    // Negative once expired (-1 the day after the valid-until day), as `expiry check` counts it.
    daysLeft: start === null ? null : daysLeft(start, r.license_days, today),
    createdAt: toIso(r.created_at),
  }
}

export async function findDevice(db: Executor, orgId: string, serial: string) {
  const row = await db
    .selectFrom('devices')
    .innerJoin('device_categories', 'device_categories.id', 'devices.category_id')
    .selectAll('devices')
    .select('device_categories.name as category')
    .where('devices.org_id', '=', orgId)
    .where('devices.serial', '=', serial)
    .executeTakeFirst()
  if (!row) throw notFound(`device ${quote(serial)} not found`)
  return row
}

/** Adds devices (admins), each with a category or a model its category covers. A device already there is already so. */
export async function addDevices(
  ctx: ServiceContext,
  slug: string,
  items: readonly AddDeviceItem[],
  opts: BulkOptions<AddDeviceItem>,
) {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: !opts.dryRun })
  const now = ctx.clock.now()
  return runBulk(ctx, {
    orgId: org.id,
    action: 'devices.add.bulk',
    target: org.slug,
    dryRun: opts.dryRun,
    prior: opts.prior,
    items,
    label: (i) => i.serial,
    apply: async (trx, item) => {
      const cat =
        item.category !== undefined
          ? await findCategory(trx, item.category)
          : await categoryOfModel(trx, item.model!)
      // The model as the category spells it, typed in any case (a category listing no models
      // covers any, as typed).
      const models = JSON.parse(cat.models) as string[]
      const spelled = item.model === undefined ? undefined : coveredModel(models, item.model)
      if (item.model !== undefined && models.length > 0 && spelled === undefined)
        throw new AppError('wrong_category', `model '${item.model}' is not in category '${cat.name}'`)
      const model = spelled ?? item.model
      const existing = await trx
        .selectFrom('devices')
        .select(['id', 'category_id', 'name', 'site', 'model'])
        .where('org_id', '=', org.id)
        .where('serial', '=', item.serial)
        .executeTakeFirst()
      if (existing) {
        if (existing.category_id !== cat.id)
          throw new AppError('already_exists', `device '${item.serial}' exists in another category`)
        // A name, site or model given that differs is updated, as `orgs users add` updates a role:
        // "already so" would say a corrected file was applied when it was not. Left out: kept.
        const given = { name: item.name, site: item.site, model }
        const changes = Object.fromEntries(
          Object.entries(given).filter(
            ([k, v]) => v !== undefined && v !== existing[k as keyof typeof given],
          ),
        ) as Partial<Record<keyof typeof given, string>>
        const fields = Object.keys(changes) as Array<keyof typeof given>
        if (fields.length === 0) return { changed: false }
        await trx
          .updateTable('devices')
          .set({ ...changes, updated_at: now })
          .where('id', '=', existing.id)
          .execute()
        await audit(trx, ctx, {
          orgId: org.id,
          action: 'devices.update',
          target: item.serial,
          before: Object.fromEntries(fields.map((f) => [f, existing[f]])),
          after: changes,
        })
        return { changed: true, details: { category: cat.name, updated: fields } }
      }
      await trx
        .insertInto('devices')
        .values({
          id: newId('dv', now),
          org_id: org.id,
          serial: item.serial,
          name: item.name ?? null,
          site: item.site ?? null,
          model: model ?? null,
          category_id: cat.id,
          license_start: null,
          license_days: 0,
          created_at: now,
          updated_at: now,
        })
        .execute()
      await audit(trx, ctx, {
        orgId: org.id,
        action: 'devices.add',
        target: item.serial,
        after: {
          category: cat.name,
          model: model ?? null,
          name: item.name ?? null,
          site: item.site ?? null,
        },
      })
      return { changed: true, details: { category: cat.name } }
    },
  })
}

/** Devices of the organization, licensed or not, with valid-until and days left (members may read). */
export async function listDevices(ctx: ServiceContext, slug: string, q: DevicesQuery) {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: false })
  const now = ctx.clock.now()
  let query = ctx.db
    .selectFrom('devices')
    .innerJoin('device_categories', 'device_categories.id', 'devices.category_id')
    .selectAll('devices')
    .select('device_categories.name as category')
    .where('devices.org_id', '=', org.id)
  if (q.licensed !== undefined) {
    // As presentDevice says: licensed while today is on or before the valid-until day (an
    // unlicensed device's start is null, and so is its valid-until day). In the query, so pages stay whole.
    const today = dayIn(now, org.time_zone)
    const until = daysAfter(ctx.dialect, sql.ref('devices.license_start'), sql.ref('devices.license_days'))
    query = query.where((eb) =>
      q.licensed === 'true'
        ? eb(until, '>=', today)
        : eb.or([eb('devices.license_start', 'is', null), eb(until, '<', today)]),
    )
  }
  const page = await paginate(query, {
    limit: q.limit,
    cursor: q.cursor,
    keys: [{ column: 'devices.serial', value: (r) => r.serial }],
  })
  return mapPage(page, (r) => presentDevice(r, org, now))
}

/** One device: its cumulative license, the licenses on it and its history. */
export async function showDevice(ctx: ServiceContext, slug: string, serial: string): Promise<DeviceDetail> {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: false })
  const now = ctx.clock.now()
  const row = await findDevice(ctx.db, org.id, serial)
  const licenses = await ctx.db
    .selectFrom('device_licenses')
    .innerJoin('device_categories', 'device_categories.id', 'device_licenses.category_id')
    .leftJoin('device_keys', 'device_keys.id', 'device_licenses.key_id')
    .select([
      'device_licenses.name',
      'device_licenses.term',
      'device_licenses.days',
      'device_categories.name as category',
      'device_keys.serial as key',
    ])
    .where('device_licenses.device_id', '=', row.id)
    .orderBy('device_licenses.assigned_at')
    .orderBy('device_licenses.name')
    .execute()
  const events = await ctx.db
    .selectFrom('device_events')
    .selectAll()
    .where('device_id', '=', row.id)
    .orderBy('id')
    .execute()
  return {
    ...presentDevice(row, org, now),
    licenses: licenses.map((l) => ({
      name: l.name,
      category: l.category,
      term: l.term,
      days: l.days,
      key: l.key,
    })),
    history: events.map((e) => ({
      kind: e.kind,
      day: e.day,
      licenses: JSON.parse(e.licenses) as string[],
      days: e.days,
      validUntil: e.valid_until === null ? null : shownDay(e.valid_until),
      returnedDays: e.returned_days,
      actor: e.actor,
      at: toIso(e.created_at),
    })),
  }
}
