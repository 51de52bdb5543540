import { sql, type Transaction } from 'kysely'
import type {
  CheckoutBody,
  Lease,
  LeaseState,
  ProvisionPoolBody,
  ReleaseBody,
  ReleaseItem,
  SeatPool,
  UpdatePoolBody,
  Usage,
  UserUsage,
} from '../../contract/seats.js'
import { toIso, toIsoOrNull } from '../../domain/clock.js'
import { expiryInstant, lastValidDay } from '../../domain/dates.js'
import { formatDuration } from '../../domain/duration.js'
import { newId } from '../../domain/ids.js'
import type { Database } from '../../storage/schema.js'
import type { Executor, ServiceContext } from '../context.js'
import { AppError, notFound } from '../errors.js'
import { authorizeOrg, type OrgRow } from './access.js'
import { audit } from './audit.js'
import { runBulk } from './bulk.js'
import { releaseLease } from './seats-release.js'
import { requireMember } from './users.js'

type PoolRow = Database['seat_pools']
type LeaseRow = Database['leases'] & { email: string; product: string; lease_ttl_seconds: number }

/** active: heartbeating; stale: no heartbeat within the pool's TTL (a stuck seat); roaming: borrowed offline. */
export function leaseState(
  l: { last_heartbeat_at: number; roaming_until: number | null; lease_ttl_seconds: number },
  now: number,
): LeaseState {
  if (l.roaming_until !== null && l.roaming_until > now) return 'roaming'
  return now - l.last_heartbeat_at > l.lease_ttl_seconds * 1000 ? 'stale' : 'active'
}

/** A pool (or a user) is in use when any seat is held on a desktop; roaming when only borrowed seats are. */
export function usageOf(states: readonly LeaseState[]): Usage {
  if (states.some((s) => s !== 'roaming')) return 'yes'
  return states.length > 0 ? 'roaming' : 'no'
}

function presentLease(l: LeaseRow, now: number): Lease {
  return {
    id: l.id,
    product: l.product,
    user: l.email,
    host: l.host,
    startedAt: toIso(l.started_at),
    lastHeartbeatAt: toIso(l.last_heartbeat_at),
    roamingUntil: toIsoOrNull(l.roaming_until),
    state: leaseState(l, now),
    idleSeconds: Math.max(0, Math.floor((now - l.last_heartbeat_at) / 1000)),
  }
}

function leasesOf(db: Executor, orgId: string) {
  return db
    .selectFrom('leases')
    .innerJoin('seat_pools', 'seat_pools.id', 'leases.pool_id')
    .innerJoin('users', 'users.id', 'leases.user_id')
    .selectAll('leases')
    .select(['users.email', 'seat_pools.product', 'seat_pools.lease_ttl_seconds'])
    .where('seat_pools.org_id', '=', orgId)
}

async function findPool(db: Executor, orgId: string, product: string): Promise<PoolRow> {
  const pool = await db
    .selectFrom('seat_pools')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('product', '=', product)
    .executeTakeFirst()
  if (!pool) throw notFound(`seat pool '${product}'`)
  return pool
}

function parseExpiry(input: string, org: OrgRow): number {
  const at = expiryInstant(input, org.time_zone)
  if (at === null) throw new AppError('validation_failed', `expires: not a date or instant: ${input}`)
  return at
}

async function presentPools(db: Executor, org: OrgRow, pools: PoolRow[], now: number): Promise<SeatPool[]> {
  const leases = await leasesOf(db, org.id).execute()
  return pools.map((p) => {
    const states = leases.filter((l) => l.pool_id === p.id).map((l) => leaseState(l, now))
    return {
      product: p.product,
      seats: p.seats,
      inUse: p.used,
      roaming: states.filter((s) => s === 'roaming').length,
      stale: states.filter((s) => s === 'stale').length,
      free: p.seats - p.used,
      expiresAt: toIso(p.expires_at),
      validThrough: lastValidDay(p.expires_at, org.time_zone),
      expired: p.expires_at <= now,
      leaseTtlSeconds: p.lease_ttl_seconds,
      maxRoamingSeconds: p.max_roaming_seconds,
      usage: usageOf(states),
    }
  })
}

export async function provisionPool(
  ctx: ServiceContext,
  slug: string,
  body: ProvisionPoolBody,
): Promise<SeatPool> {
  const now = ctx.clock.now()
  return ctx.db.transaction().execute(async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'operator', write: true }, trx)
    const taken = await trx
      .selectFrom('seat_pools')
      .select('id')
      .where('org_id', '=', org.id)
      .where('product', '=', body.product)
      .executeTakeFirst()
    if (taken)
      throw new AppError(
        'already_exists',
        `seat pool '${body.product}' already exists; use update to add seats or change the expiration`,
      )
    const row: PoolRow = {
      id: newId('sp', now),
      org_id: org.id,
      product: body.product,
      seats: body.seats,
      used: 0,
      expires_at: parseExpiry(body.expires, org),
      lease_ttl_seconds: body.leaseTtlSeconds ?? 900,
      max_roaming_seconds: body.maxRoamingSeconds ?? null,
      created_at: now,
      updated_at: now,
    }
    await trx.insertInto('seat_pools').values(row).execute()
    await audit(trx, ctx.principal, now, {
      orgId: org.id,
      action: 'seats.provision',
      target: row.product,
      before: { seats: 0 },
      after: { seats: row.seats, expiresAt: toIso(row.expires_at) },
    })
    return (await presentPools(trx, org, [row], now))[0]!
  })
}

export async function updatePool(
  ctx: ServiceContext,
  slug: string,
  product: string,
  body: UpdatePoolBody,
): Promise<SeatPool> {
  const now = ctx.clock.now()
  return ctx.db.transaction().execute(async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'operator', write: true }, trx)
    const pool = await findPool(trx, org.id, product)
    const changes: Partial<PoolRow> = {
      ...(body.expires !== undefined ? { expires_at: parseExpiry(body.expires, org) } : {}),
      ...(body.leaseTtlSeconds !== undefined ? { lease_ttl_seconds: body.leaseTtlSeconds } : {}),
      ...(body.maxRoamingSeconds !== undefined ? { max_roaming_seconds: body.maxRoamingSeconds } : {}),
    }
    // Seats are added with an increment, never a read-modify-write of the count.
    const updated = await trx
      .updateTable('seat_pools')
      .set((eb) => ({ ...changes, seats: eb('seats', '+', body.addSeats ?? 0), updated_at: now }))
      .where('id', '=', pool.id)
      .returningAll()
      .executeTakeFirstOrThrow()
    await audit(trx, ctx.principal, now, {
      orgId: org.id,
      action: 'seats.update',
      target: product,
      before: { seats: pool.seats, used: pool.used, expiresAt: toIso(pool.expires_at) },
      after: { seats: updated.seats, used: updated.used, expiresAt: toIso(updated.expires_at) },
    })
    return (await presentPools(trx, org, [updated], now))[0]!
  })
}

export async function listPools(ctx: ServiceContext, slug: string): Promise<SeatPool[]> {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: false })
  const pools = await ctx.db
    .selectFrom('seat_pools')
    .selectAll()
    .where('org_id', '=', org.id)
    .orderBy('product')
    .execute()
  return presentPools(ctx.db, org, pools, ctx.clock.now())
}

class RetryCheckout extends Error {}

/**
 * Checks a seat out. The seat is taken by one conditional update (`used < seats`, not expired) in the
 * checkout transaction, so no race can overbook a pool; the CHECK constraint backs it in the database.
 * The same user on the same host gets their existing lease back.
 */
export async function checkout(
  ctx: ServiceContext,
  slug: string,
  product: string,
  body: CheckoutBody,
): Promise<Lease & { reused: boolean }> {
  const p = ctx.principal
  const onBehalf = body.user !== undefined && (p.kind === 'operator' || body.user !== p.email)
  for (let attempt = 0; ; attempt++) {
    try {
      return await ctx.db
        .transaction()
        .execute((trx) => checkoutOnce(ctx, trx, slug, product, body, onBehalf))
    } catch (err) {
      // Two checkouts for the same user and host raced: the loser retries and finds the winner's lease.
      if (err instanceof RetryCheckout && attempt === 0) continue
      throw err
    }
  }
}

async function checkoutOnce(
  ctx: ServiceContext,
  trx: Transaction<Database>,
  slug: string,
  product: string,
  body: CheckoutBody,
  onBehalf: boolean,
) {
  const now = ctx.clock.now()
  const p = ctx.principal
  const org = await authorizeOrg(ctx, slug, { role: onBehalf ? 'admin' : 'member', write: true }, trx)
  const email = body.user ?? (p.kind === 'user' ? p.email : undefined)
  if (!email)
    throw new AppError('validation_failed', 'the operator must name the user to check a seat out for')
  const member = await requireMember(trx, org.id, email)
  const pool = await findPool(trx, org.id, product)
  if (pool.expires_at <= now)
    throw new AppError(
      'pool_expired',
      `the '${product}' subscription has expired (it was valid through ${lastValidDay(pool.expires_at, org.time_zone)})`,
      { product, expiresAt: toIso(pool.expires_at) },
    )
  const roamingUntil = body.roamUntil === undefined ? null : Date.parse(body.roamUntil)
  if (roamingUntil !== null) {
    if (pool.max_roaming_seconds === null)
      throw new AppError(
        'roaming_not_allowed',
        `'${product}' allows no roaming; the operator can set a maximum roaming period`,
      )
    if (roamingUntil <= now) throw new AppError('validation_failed', 'roamUntil must be in the future')
    const limit = Math.min(now + pool.max_roaming_seconds * 1000, pool.expires_at)
    if (roamingUntil > limit)
      throw new AppError('roaming_not_allowed', `'${product}' can roam until ${toIso(limit)} at the latest`)
  }
  const existing = await trx
    .selectFrom('leases')
    .selectAll()
    .where('pool_id', '=', pool.id)
    .where('user_id', '=', member.userId)
    .where('host', '=', body.host)
    .executeTakeFirst()
  if (existing) {
    const refreshed = {
      ...existing,
      last_heartbeat_at: now,
      roaming_until: roamingUntil ?? existing.roaming_until,
    }
    await trx
      .updateTable('leases')
      .set({ last_heartbeat_at: now, roaming_until: refreshed.roaming_until })
      .where('id', '=', existing.id)
      .execute()
    return {
      ...presentLease({ ...refreshed, email, product, lease_ttl_seconds: pool.lease_ttl_seconds }, now),
      reused: true,
    }
  }
  const taken = await trx
    .updateTable('seat_pools')
    .set((eb) => ({ used: eb('used', '+', 1), updated_at: now }))
    .where('id', '=', pool.id)
    .where('used', '<', sql<number>`seats`)
    .where('expires_at', '>', now)
    .returning('used')
    .executeTakeFirst()
  if (!taken) throw await noFreeSeat(trx, org.id, pool)
  const row = {
    id: newId('ls', now),
    pool_id: pool.id,
    user_id: member.userId,
    host: body.host,
    started_at: now,
    last_heartbeat_at: now,
    roaming_until: roamingUntil,
  }
  const inserted = await trx
    .insertInto('leases')
    .values(row)
    .onConflict((oc) => oc.columns(['pool_id', 'user_id', 'host']).doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!inserted) throw new RetryCheckout()
  await audit(trx, p, now, {
    orgId: org.id,
    action: 'seats.checkout',
    target: `${product}/${row.id}`,
    before: { used: taken.used - 1 },
    after: { used: taken.used, user: email, host: body.host },
  })
  return {
    ...presentLease({ ...row, email, product, lease_ttl_seconds: pool.lease_ttl_seconds }, now),
    reused: false,
  }
}

/** The refusal names who holds the seats, so support knows whom to call or what to release. */
async function noFreeSeat(db: Executor, orgId: string, pool: PoolRow): Promise<AppError> {
  const holders = await leasesOf(db, orgId)
    .where('leases.pool_id', '=', pool.id)
    .orderBy('leases.last_heartbeat_at')
    .execute()
  const names = holders.map((h) => `${h.email} (${h.host})`)
  const shown = names.slice(0, 10).join(', ') + (names.length > 10 ? `, and ${names.length - 10} more` : '')
  return new AppError('no_free_seat', `all ${pool.seats} seats of '${pool.product}' are in use: ${shown}`, {
    product: pool.product,
    holders: holders.map((h) => ({
      user: h.email,
      host: h.host,
      leaseId: h.id,
      lastHeartbeatAt: toIso(h.last_heartbeat_at),
    })),
  })
}

/** A lease the caller may act on as a client: their own, or any in the org for admins and the operator. */
async function ownLease(ctx: ServiceContext, db: Executor, slug: string, id: string) {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: true }, db)
  const lease = await leasesOf(db, org.id).where('leases.id', '=', id).executeTakeFirst()
  if (!lease) throw notFound(`lease ${id} (released or checked in?)`)
  const p = ctx.principal
  if (p.kind === 'user' && p.role !== 'admin' && lease.user_id !== p.userId)
    throw new AppError('not_admin', 'this lease belongs to another user')
  return { org, lease }
}

export async function heartbeat(ctx: ServiceContext, slug: string, id: string): Promise<Lease> {
  const now = ctx.clock.now()
  const { lease } = await ownLease(ctx, ctx.db, slug, id)
  await ctx.db.updateTable('leases').set({ last_heartbeat_at: now }).where('id', '=', id).execute()
  return presentLease({ ...lease, last_heartbeat_at: now }, now)
}

export async function checkin(ctx: ServiceContext, slug: string, id: string): Promise<Lease> {
  const now = ctx.clock.now()
  return ctx.db.transaction().execute(async (trx) => {
    const { org, lease } = await ownLease(ctx, trx, slug, id)
    await releaseLease(trx, ctx.principal, now, org.id, lease, 'seats.checkin', 'checked in')
    return presentLease(lease, now)
  })
}

export async function listLeases(
  ctx: ServiceContext,
  slug: string,
  q: { product?: string | undefined; state?: LeaseState | undefined; user?: string | undefined },
): Promise<Lease[]> {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: false })
  const now = ctx.clock.now()
  let query = leasesOf(ctx.db, org.id).orderBy('seat_pools.product').orderBy('leases.started_at')
  if (q.product) query = query.where('seat_pools.product', '=', q.product)
  if (q.user) query = query.where('users.email', '=', q.user)
  const leases = (await query.execute()).map((l) => presentLease(l, now))
  return q.state ? leases.filter((l) => l.state === q.state) : leases
}

/** Stale leases, oldest heartbeat first: the triage list for "all seats are taken". */
export async function stuckLeases(
  ctx: ServiceContext,
  slug: string,
  q: { product?: string | undefined; idleSeconds?: number | undefined },
): Promise<Lease[]> {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: false })
  const now = ctx.clock.now()
  let query = leasesOf(ctx.db, org.id).orderBy('leases.last_heartbeat_at')
  if (q.product) query = query.where('seat_pools.product', '=', q.product)
  return (await query.execute())
    .filter(
      (l) =>
        leaseState(l, now) !== 'roaming' &&
        now - l.last_heartbeat_at > (q.idleSeconds ?? l.lease_ttl_seconds) * 1000,
    )
    .map((l) => presentLease(l, now))
}

export async function usageByUser(ctx: ServiceContext, slug: string): Promise<UserUsage[]> {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: false })
  const now = ctx.clock.now()
  const [members, leases] = await Promise.all([
    ctx.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.id', 'users.email', 'users.name'])
      .where('memberships.org_id', '=', org.id)
      .orderBy('users.email')
      .execute(),
    leasesOf(ctx.db, org.id).execute(),
  ])
  return members.map((m) => {
    const mine = leases.filter((l) => l.user_id === m.id)
    return {
      email: m.email,
      name: m.name,
      usage: usageOf(mine.map((l) => leaseState(l, now))),
      leases: mine.length,
      products: [...new Set(mine.map((l) => l.product))].sort(),
    }
  })
}

/**
 * Releases leases by id or by user, through the bulk engine (per-row results, dry runs, savepoints).
 * Roaming leases need includeRoaming; a lease with a recent heartbeat needs force (the CLI asks).
 * A lease id already released is "already so"; an id never seen is not found.
 */
export async function releaseLeases(ctx: ServiceContext, slug: string, body: ReleaseBody) {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: true })
  const now = ctx.clock.now()
  const opts = { includeRoaming: body.includeRoaming ?? false, force: body.force ?? false }
  // A lease heard from within this window looks in use: releasing it needs force.
  const recentMs = (l: LeaseRow) => (body.idleSeconds ?? l.lease_ttl_seconds) * 1000
  return runBulk(ctx, {
    orgId: org.id,
    action: 'seats.release.bulk',
    target: org.slug,
    dryRun: body.dryRun ?? false,
    items: body.items,
    label: (i: ReleaseItem) => ('lease' in i ? i.lease : i.user),
    apply: async (trx, item) => {
      const found = await (
        'lease' in item
          ? leasesOf(trx, org.id).where('leases.id', '=', item.lease)
          : leasesOf(trx, org.id).where('users.email', '=', item.user)
      ).execute()
      if ('lease' in item && found.length === 0) {
        const released = await trx
          .selectFrom('audit_events')
          .select('id')
          .where('org_id', '=', org.id)
          .where('target', 'like', `%/${item.lease}`)
          .where('action', 'in', ['seats.release', 'seats.checkin'])
          .executeTakeFirst()
        if (!released) throw notFound(`lease ${item.lease}`)
        return { changed: false }
      }
      // By user, borrowed (roaming) seats stay borrowed unless asked for; by id, asking for one is an error,
      // and so is naming a user whose only seats are borrowed (saying "already so" would hide them).
      const borrowed = found.filter((l) => leaseState(l, now) === 'roaming')
      const leases =
        'user' in item && !opts.includeRoaming && borrowed.length < found.length
          ? found.filter((l) => leaseState(l, now) !== 'roaming')
          : found
      for (const l of leases) {
        const state = leaseState(l, now)
        if (state === 'roaming' && !opts.includeRoaming)
          throw new AppError(
            'lease_roaming',
            `${l.email} borrowed '${l.product}' on ${l.host} for offline use until ${toIso(l.roaming_until!)}: release it with --include-roaming (includeRoaming in the API)`,
          )
        if (state !== 'roaming' && now - l.last_heartbeat_at <= recentMs(l) && !opts.force)
          throw new AppError(
            'lease_active',
            `${l.email} on ${l.host} sent a heartbeat ${formatDuration(now - l.last_heartbeat_at)} ago: the seat looks in use`,
            { leaseId: l.id, lastHeartbeatAt: toIso(l.last_heartbeat_at) },
          )
      }
      for (const l of leases)
        await releaseLease(trx, ctx.principal, now, org.id, l, 'seats.release', 'released by an admin')
      return leases.length === 0
        ? { changed: false }
        : {
            changed: true,
            details: {
              ...(leases.length < found.length ? { keptRoaming: found.length - leases.length } : {}),
              released: leases.map((l) => ({
                leaseId: l.id,
                product: l.product,
                user: l.email,
                host: l.host,
              })),
            },
          }
    },
  })
}
