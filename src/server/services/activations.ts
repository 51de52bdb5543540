import type {
  ActivationDetail,
  ActivationEntitlement,
  ActivationsQuery,
  ActivationSummary,
  GenerateBody,
  Orphan,
  ProvisionEntitlementBody,
  RetiredEntitlement,
  UpdateEntitlementBody,
} from '../../contract/activations.js'
import { MAX_ENTITLEMENT_SEATS } from '../../contract/activations.js'
import type { PageQuery } from '../../contract/common.js'
import { toIso, toIsoOrNull } from '../../domain/clock.js'
import { calendarDay, expiredWhen, lastValidDay } from '../../domain/dates.js'
import { newId } from '../../domain/ids.js'
import { counted, isAre } from '../../domain/plural.js'
import { quote } from '../../domain/terminal-controls.js'
import type { Database } from '../../storage/schema.js'
import type { Executor, ServiceContext } from '../context.js'
import { inTransaction } from '../transaction.js'
import { AppError, invalidField, notFound } from '../errors.js'
import { authorizeOrg, type OrgRow } from './access.js'
import './activations-expiry.js'
import './activations-explain.js'
import { audit } from './audit.js'
import { isExpired, notExpiredAtOnce, notExpiredOnArrival, validUntil } from './expiry.js'
import { mapPage, paginate } from './paging.js'
import { retireExpired, retiredAt, unretired } from './retire.js'

/** "1 seat", "3 seats": the refusals' messages count seats. */
export const seatsWord = (n: number) => counted(n, 'seat')

export type EntitlementRow = Database['activation_entitlements']
/** An activation ID with its entitlement's product and type. */
export type IdRow = Database['activation_ids'] & { product: string; type: 'NL' | 'CC' }
/** An orphan as written and presented (its `host_key` is the database's). */
export type OrphanRow = Omit<Database['activation_orphans'], 'host_key'>

export function presentEntitlement(row: EntitlementRow, org: OrgRow, now: number): ActivationEntitlement {
  return {
    product: row.product,
    type: row.type,
    seats: row.seats,
    inIds: row.allocated,
    free: row.free,
    expiresAt: toIso(row.expires_at),
    validThrough: lastValidDay(row.expires_at, org.time_zone),
    expired: isExpired(row.expires_at, now),
    retiredAt: toIsoOrNull(retiredAt(row)),
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  }
}

export function presentId(row: IdRow, org: OrgRow, now: number): ActivationSummary {
  return {
    id: row.id,
    product: row.product,
    type: row.type,
    quantity: row.quantity,
    used: row.used,
    // A returned ID's seats went back to the entitlement: none are free on it.
    free: row.status === 'active' ? row.quantity - row.used : 0,
    status: row.status,
    expiresAt: toIso(row.expires_at),
    validThrough: lastValidDay(row.expires_at, org.time_zone),
    expired: isExpired(row.expires_at, now),
    createdAt: toIso(row.created_at),
    returnedAt: toIsoOrNull(row.returned_at),
  }
}

export function presentOrphan(row: OrphanRow, productName: string): Orphan {
  return {
    host: row.host,
    id: row.activation_id,
    product: productName,
    seats: row.seats,
    reason: row.reason,
    since: toIso(row.since),
    clearedAt: toIsoOrNull(row.cleared_at),
  }
}

export async function findEntitlement(db: Executor, orgId: string, product: string): Promise<EntitlementRow> {
  const row = await db
    .selectFrom('activation_entitlements')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('product', '=', product)
    .executeTakeFirst()
  if (!row) throw notFound(`no entitlement for ${quote(product)}`, { product })
  return row
}

function idsWithProduct(db: Executor) {
  return db
    .selectFrom('activation_ids')
    .innerJoin('activation_entitlements', 'activation_entitlements.id', 'activation_ids.entitlement_id')
    .selectAll('activation_ids')
    .select(['activation_entitlements.product', 'activation_entitlements.type'])
}

export async function findId(db: Executor, orgId: string, id: string): Promise<IdRow> {
  const row = await idsWithProduct(db)
    .where('activation_ids.org_id', '=', orgId)
    .where('activation_ids.id', '=', id)
    .executeTakeFirst()
  if (!row) throw notFound(`activation ID ${quote(id)} not found`, { id })
  return row
}

/** Why an ID cannot take or move seats: returned, or expired (in the organization's time zone). */
export function unusable(row: IdRow, org: OrgRow, now: number): AppError | undefined {
  if (row.status === 'inactive')
    return new AppError(
      'activation_inactive',
      // The day in the organization's zone, as other messages say when (the instant is in `activations show`).
      `activation ID ${row.id} was returned${row.returned_at ? ` on ${calendarDay(row.returned_at, org.time_zone)}` : ''} and is inactive; generate a new one`,
      { id: row.id, status: row.status },
    )
  if (isExpired(row.expires_at, now))
    return new AppError(
      'activation_expired',
      `activation ID ${row.id} expired ${expiredWhen(row.expires_at, org.time_zone, now)}`,
      { id: row.id, expiresAt: toIso(row.expires_at) },
    )
  return undefined
}

/** The hosts holding an ID, in the order they activated (then by host in any case, as orphans are listed). */
export async function hostsOf(db: Executor, id: string) {
  return db
    .selectFrom('activation_hosts')
    .select(['host', 'seats', 'since'])
    .where('activation_id', '=', id)
    .orderBy('since')
    .orderBy('host_key')
    .execute()
}

/** The operator records what an organization bought of a product: type, seats and expiration. */
export async function provisionEntitlement(
  ctx: ServiceContext,
  slug: string,
  body: ProvisionEntitlementBody,
): Promise<ActivationEntitlement> {
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'operator', write: true }, trx)
    const taken = await trx
      .selectFrom('activation_entitlements')
      .select('id')
      .where('org_id', '=', org.id)
      .where('product', '=', body.product)
      .executeTakeFirst()
    if (taken)
      throw new AppError('already_exists', `'${org.slug}' already has an entitlement for '${body.product}'`, {
        product: body.product,
      })
    const row: EntitlementRow = {
      id: newId('ent', now),
      org_id: org.id,
      product: body.product,
      type: body.type,
      seats: body.seats,
      allocated: 0,
      free: body.seats,
      expires_at: validUntil(body.expires, org, { now, future: notExpiredOnArrival('the entitlement') }),
      created_at: now,
      updated_at: now,
      retired_at: null,
    }
    await trx.insertInto('activation_entitlements').values(row).execute()
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'activations.provision',
      target: row.product,
      before: { seats: 0 },
      after: { type: row.type, seats: row.seats, free: row.free, expiresAt: toIso(row.expires_at) },
    })
    return presentEntitlement(row, org, now)
  })
}

/**
 * Renews an entitlement or adds seats to it (operator). Its IDs expire with it, so a new expiration
 * is theirs too: an expired entitlement renewed makes its IDs usable again. Seats are added to the
 * total and the free seats with one increment, never a read-modify-write.
 */
export async function updateEntitlement(
  ctx: ServiceContext,
  slug: string,
  product: string,
  body: UpdateEntitlementBody,
): Promise<ActivationEntitlement> {
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'operator', write: true }, trx)
    const ent = await findEntitlement(trx, org.id, product)
    const expiresAt =
      body.expires === undefined
        ? ent.expires_at
        : validUntil(body.expires, org, {
            now,
            future: notExpiredAtOnce('the entitlement and its activation IDs'),
          })
    const added = body.addSeats ?? 0
    // The same expiration again, no seat added (a provisioning script re-run): no change, so no
    // entry in the audit log and updatedAt kept, as `orgs update` does.
    if (
      added === 0 &&
      expiresAt === ent.expires_at &&
      (body.expires === undefined || ent.retired_at === null)
    )
      return presentEntitlement(ent, org, now)
    // The cap provision enforces holds for the total too, guarded in the UPDATE itself.
    const updated = await trx
      .updateTable('activation_entitlements')
      .set((eb) => ({
        seats: eb('seats', '+', added),
        free: eb('free', '+', added),
        expires_at: expiresAt,
        // Renewed: an entitlement retired when it was not is current again, and its IDs with it.
        ...(body.expires === undefined ? {} : { retired_at: null }),
        updated_at: now,
      }))
      .where('id', '=', ent.id)
      .where((eb) => eb(eb('seats', '+', added), '<=', MAX_ENTITLEMENT_SEATS))
      .returningAll()
      .executeTakeFirst()
    if (!updated) {
      const current = await findEntitlement(trx, org.id, product)
      throw invalidField(
        'body.addSeats',
        `'${product}' has ${seatsWord(current.seats)}: adding ${added} would pass the limit of ${MAX_ENTITLEMENT_SEATS.toLocaleString('en-US')} seats per entitlement (at most ${MAX_ENTITLEMENT_SEATS - current.seats} more)`,
      )
    }
    if (expiresAt !== ent.expires_at)
      await trx
        .updateTable('activation_ids')
        .set({ expires_at: expiresAt })
        .where('entitlement_id', '=', ent.id)
        .execute()
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'activations.update',
      target: product,
      before: {
        seats: ent.seats,
        free: ent.free,
        expiresAt: toIso(ent.expires_at),
        ...unretired(ent, updated).before,
      },
      after: {
        seats: updated.seats,
        free: updated.free,
        expiresAt: toIso(updated.expires_at),
        ...unretired(ent, updated).after,
      },
    })
    return presentEntitlement(updated, org, now)
  })
}

/**
 * An admin retires an entitlement the organization did not renew, once expired. Its activation IDs
 * expire with it (always at the same instant), so they are retired with it: the entitlement and its
 * IDs leave `expiry check` (an NL ID has no portal return to take it out one by one), and stay
 * listed with their hosts and history. `ids` are its IDs still active (not returned).
 */
export async function retireEntitlement(
  ctx: ServiceContext,
  slug: string,
  product: string,
): Promise<RetiredEntitlement> {
  return retireExpired(ctx, slug, {
    table: 'activation_entitlements',
    action: 'activations.retire',
    target: product,
    thing: `the entitlement for '${product}'`,
    find: (trx, orgId) => findEntitlement(trx, orgId, product),
    present: async (trx, row, org, now) => {
      const ids = await trx
        .selectFrom('activation_ids')
        .select('id')
        .where('entitlement_id', '=', row.id)
        .where('status', '=', 'active')
        .orderBy('id')
        .execute()
      return { ...presentEntitlement(row, org, now), ids: ids.map((i) => i.id) }
    },
  })
}

/** Every entitlement of the organization: seats, seats in IDs, free (members may read). */
export async function listEntitlements(ctx: ServiceContext, slug: string, q: PageQuery) {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: false })
  const now = ctx.clock.now()
  const query = ctx.db.selectFrom('activation_entitlements').selectAll().where('org_id', '=', org.id)
  const page = await paginate(query, {
    limit: q.limit,
    cursor: q.cursor,
    keys: [{ column: 'product', value: (r) => r.product }],
  })
  return mapPage(page, (r) => presentEntitlement(r, org, now))
}

/**
 * Moves `quantity` seats of an entitlement from free into IDs with one guarded UPDATE: the
 * `free >= quantity` condition (and the table's CHECK) means no interleaving can carve more seats
 * than were bought. Returns the free seats left.
 */
export async function carveSeats(
  trx: Executor,
  ent: EntitlementRow,
  quantity: number,
  now: number,
): Promise<number> {
  const row = await trx
    .updateTable('activation_entitlements')
    .set((eb) => ({
      allocated: eb('allocated', '+', quantity),
      free: eb('free', '-', quantity),
      updated_at: now,
    }))
    .where('id', '=', ent.id)
    .where('free', '>=', quantity)
    .returning('free')
    .executeTakeFirst()
  if (row) return row.free
  const { free } = await trx
    .selectFrom('activation_entitlements')
    .select('free')
    .where('id', '=', ent.id)
    .executeTakeFirstOrThrow()
  throw new AppError(
    'entitlement_exhausted',
    `cannot make an ID of ${seatsWord(quantity)} of '${ent.product}': only ${free} of ${ent.seats} ${isAre(free)} free`,
    { product: ent.product, requested: quantity, free, seats: ent.seats },
  )
}

/** Gives a returned ID's seats back to its entitlement. Returns the free seats after. */
export async function releaseSeats(trx: Executor, entitlementId: string, quantity: number, now: number) {
  const row = await trx
    .updateTable('activation_entitlements')
    .set((eb) => ({
      allocated: eb('allocated', '-', quantity),
      free: eb('free', '+', quantity),
      updated_at: now,
    }))
    .where('id', '=', entitlementId)
    .returning('free')
    .executeTakeFirstOrThrow()
  return row.free
}

export async function insertId(
  trx: Executor,
  ent: EntitlementRow,
  orgId: string,
  quantity: number,
  expiresAt: number,
  now: number,
): Promise<IdRow> {
  const row: Database['activation_ids'] = {
    id: newId('act', now),
    org_id: orgId,
    entitlement_id: ent.id,
    quantity,
    used: 0,
    status: 'active',
    expires_at: expiresAt,
    created_at: now,
    updated_at: now,
    returned_at: null,
  }
  await trx.insertInto('activation_ids').values(row).execute()
  return { ...row, product: ent.product, type: ent.type }
}

export function entitlementExpired(ent: EntitlementRow, org: OrgRow, now: number): AppError {
  return new AppError(
    'entitlement_expired',
    `the entitlement for '${ent.product}' expired ${expiredWhen(ent.expires_at, org.time_zone, now)}`,
    { product: ent.product, expiresAt: toIso(ent.expires_at) },
  )
}

/** An admin generates a new activation ID carved from the entitlement's free seats. */
export async function generateActivation(
  ctx: ServiceContext,
  slug: string,
  body: GenerateBody,
): Promise<ActivationSummary> {
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'admin', write: true }, trx)
    const ent = await findEntitlement(trx, org.id, body.product)
    if (isExpired(ent.expires_at, now)) throw entitlementExpired(ent, org, now)
    const free = await carveSeats(trx, ent, body.quantity, now)
    const row = await insertId(trx, ent, org.id, body.quantity, ent.expires_at, now)
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'activations.generate',
      target: row.id,
      before: { product: ent.product, free: free + body.quantity },
      after: { product: ent.product, quantity: row.quantity, free },
    })
    return presentId(row, org, now)
  })
}

/**
 * Activation IDs of the organization, oldest first (members may read). A product without an
 * entitlement here is 404, not an empty list (a typo must not read as "no IDs").
 */
export async function listActivations(ctx: ServiceContext, slug: string, q: ActivationsQuery) {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: false })
  const now = ctx.clock.now()
  let query = idsWithProduct(ctx.db).where('activation_ids.org_id', '=', org.id)
  if (q.product !== undefined) {
    await findEntitlement(ctx.db, org.id, q.product)
    query = query.where('activation_entitlements.product', '=', q.product)
  }
  if (q.status !== undefined) query = query.where('activation_ids.status', '=', q.status)
  const page = await paginate(query, {
    limit: q.limit,
    cursor: q.cursor,
    keys: [{ column: 'activation_ids.id', value: (r) => r.id }],
  })
  return mapPage(page, (r) => presentId(r, org, now))
}

/** One ID: its hosts with seats and since when, and its orphans (cleaned or not). */
export async function showActivation(
  ctx: ServiceContext,
  slug: string,
  id: string,
): Promise<ActivationDetail> {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: false })
  const row = await findId(ctx.db, org.id, id)
  const hosts = await hostsOf(ctx.db, id)
  const orphans = await ctx.db
    .selectFrom('activation_orphans')
    .selectAll()
    .where('activation_id', '=', id)
    .orderBy('id')
    .execute()
  return {
    ...presentId(row, org, ctx.clock.now()),
    hosts: hosts.map((h) => ({ host: h.host, seats: h.seats, since: toIso(h.since) })),
    orphans: orphans.map((o) => presentOrphan(o, row.product)),
  }
}
