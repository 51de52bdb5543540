import { sql } from 'kysely'
import type { PageQuery } from '../../contract/common.js'
import type {
  CheckinResponse,
  CheckoutBody,
  Lease,
  ProvisionPoolBody,
  RetiredSeatPool,
  SeatPool,
  UpdatePoolBody,
} from '../../contract/seats.js'
import { MAX_POOL_SEATS } from '../../contract/seats.js'
import { toIso, toIsoOrNull } from '../../domain/clock.js'
import { lastsUntil, lastValidDay } from '../../domain/dates.js'
import { hostKey } from '../../domain/host-name.js'
import { newId } from '../../domain/ids.js'
import { formatDuration } from '../../domain/duration.js'
import { allOf, counted } from '../../domain/plural.js'
import { quote } from '../../domain/terminal-controls.js'
import { prepareQuery } from '../../storage/prepared.js'
import type { Database } from '../../storage/schema.js'
import type { Executor, ServiceContext } from '../context.js'
import { AppError, invalidField, notFound } from '../errors.js'
import { inTransaction, lockMemberships, type Tx } from '../transaction.js'
import { authorizeOrg, type OrgRow } from './access.js'
import { audit } from './audit.js'
import './seats-expiry.js'
import { assertValid, isExpired, notExpiredAtOnce, notExpiredOnArrival, validUntil } from './expiry.js'
import { paginate } from './paging.js'
import { leaseById, leasesOf, leaseState, presentLease, roamingAt, staleAt } from './seats-leases.js'
import { releaseLease } from './seats-release.js'
import { retireExpired, retiredAt, unretired } from './retire.js'
import { requireMember } from './users.js'

// Pools (the operator's side) and the client side of a seat: checkout, heartbeat, checkin.

type PoolRow = Database['seat_pools']

// The checkout's statements, compiled once (see prepareQuery).
const poolByProduct = prepareQuery((db, orgId: string, product: string) =>
  db.selectFrom('seat_pools').selectAll().where('org_id', '=', orgId).where('product', '=', product),
)
/** A user's lease of a pool on a host in any case (RFC 4343), by the host's key (`hostKey`). */
const leaseOnHost = prepareQuery((db, poolId: string, userId: string, key: string) =>
  db
    .selectFrom('leases')
    .selectAll()
    .where('pool_id', '=', poolId)
    .where('user_id', '=', userId)
    .where('host_key', '=', key),
)
/** Takes a seat if one is free and the pool has not expired: the guard against overbooking. */
const takeSeat = prepareQuery((db, poolId: string, now: number) =>
  db
    .updateTable('seat_pools')
    .set((eb) => ({ used: eb('used', '+', 1), updated_at: now }))
    .where('id', '=', poolId)
    .where('used', '<', sql<number>`seats`)
    .where('expires_at', '>', now)
    .returning('used'),
)
const insertLease = prepareQuery(
  (db, id: string, poolId: string, userId: string, host: string, now: number, roamingUntil: number | null) =>
    db
      .insertInto('leases')
      .values({
        id,
        pool_id: poolId,
        user_id: userId,
        host,
        started_at: now,
        last_heartbeat_at: now,
        roaming_until: roamingUntil,
      })
      .onConflict((oc) => oc.columns(['pool_id', 'user_id', 'host_key']).doNothing())
      .returning('id'),
)

/** The organization's pool of a product, or 404 naming it (checkouts, and list filters by product). */
export async function findPool(db: Executor, orgId: string, product: string): Promise<PoolRow> {
  const pool = await poolByProduct.takeFirst(db, orgId, product)
  if (!pool) throw notFound(`seat pool ${quote(product)} not found`)
  return pool
}

/** Pools with their roaming and stale counts, counted in the database at `now`. */
async function presentPools(db: Executor, org: OrgRow, pools: PoolRow[], now: number): Promise<SeatPool[]> {
  const counts =
    pools.length === 0
      ? []
      : await db
          .selectFrom('leases')
          .innerJoin('seat_pools', 'seat_pools.id', 'leases.pool_id')
          .select((eb) => [
            'leases.pool_id',
            eb.fn.sum<number | string>(sql`case when ${roamingAt(now)} then 1 else 0 end`).as('roaming'),
            eb.fn.sum<number | string>(sql`case when ${staleAt(now)} then 1 else 0 end`).as('stale'),
          ])
          .where(
            'leases.pool_id',
            'in',
            pools.map((p) => p.id),
          )
          .groupBy('leases.pool_id')
          .execute()
  return pools.map((p) => {
    const c = counts.find((r) => r.pool_id === p.id)
    const roaming = Number(c?.roaming ?? 0)
    const expired = isExpired(p.expires_at, now)
    return {
      product: p.product,
      seats: p.seats,
      inUse: p.used,
      roaming,
      stale: Number(c?.stale ?? 0),
      // What a checkout can get: none from an expired pool (seats - inUse are merely unheld).
      free: expired ? 0 : p.seats - p.used,
      expiresAt: toIso(p.expires_at),
      validThrough: lastValidDay(p.expires_at, org.time_zone),
      expired,
      retiredAt: toIsoOrNull(retiredAt(p)),
      leaseTtlSeconds: p.lease_ttl_seconds,
      maxRoamingSeconds: p.max_roaming_seconds,
      // `used` counts the leases: any beyond the roaming ones is a seat held on a desktop.
      usage: p.used > roaming ? 'yes' : roaming > 0 ? 'roaming' : 'no',
    }
  })
}

export async function provisionPool(
  ctx: ServiceContext,
  slug: string,
  body: ProvisionPoolBody,
): Promise<SeatPool> {
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
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
      expires_at: validUntil(body.expires, org, { now, future: notExpiredOnArrival('the seat pool') }),
      lease_ttl_seconds: body.leaseTtlSeconds ?? 900,
      max_roaming_seconds: body.maxRoamingSeconds ?? null,
      created_at: now,
      updated_at: now,
      retired_at: null,
    }
    await trx.insertInto('seat_pools').values(row).execute()
    await audit(trx, ctx, {
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
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'operator', write: true }, trx)
    const pool = await findPool(trx, org.id, product)
    const changes: Partial<PoolRow> = {
      // Renewed: a pool retired when it was not is current again.
      ...(body.expires !== undefined
        ? {
            expires_at: validUntil(body.expires, org, { now, future: notExpiredAtOnce('the seat pool') }),
            retired_at: null,
          }
        : {}),
      ...(body.leaseTtlSeconds !== undefined ? { lease_ttl_seconds: body.leaseTtlSeconds } : {}),
      ...(body.maxRoamingSeconds !== undefined ? { max_roaming_seconds: body.maxRoamingSeconds } : {}),
    }
    // Seats are added with an increment, never a read-modify-write of the count, and only up to the
    // cap provisioning enforces (guarded in the UPDATE itself): past it, PostgreSQL's integer
    // column would overflow into a 500.
    const added = body.addSeats ?? 0
    // The same update again (a provisioning script re-run) is no change: no entry in the audit log
    // and updatedAt kept, as `orgs update` does.
    if (
      added === 0 &&
      Object.entries(changes).every(([column, value]) => pool[column as keyof PoolRow] === value)
    )
      return (await presentPools(trx, org, [pool], now))[0]!
    const updated = await trx
      .updateTable('seat_pools')
      .set((eb) => ({ ...changes, seats: eb('seats', '+', added), updated_at: now }))
      .where('id', '=', pool.id)
      .where((eb) => eb(eb('seats', '+', added), '<=', MAX_POOL_SEATS))
      .returningAll()
      .executeTakeFirst()
    if (!updated) {
      const current = await findPool(trx, org.id, product)
      throw invalidField(
        'body.addSeats',
        `'${product}' has ${counted(current.seats, 'seat')}: adding ${added} would pass the limit of ${MAX_POOL_SEATS.toLocaleString('en-US')} seats per pool (at most ${Math.max(0, MAX_POOL_SEATS - current.seats)} more)`,
      )
    }
    const retirement = unretired(pool, updated)
    // A roaming lease never outlives its pool: checkout caps roaming at the expiry, so an expiry moved
    // earlier brings the leases roaming past it back to the new end (after the pool row: lock order).
    let roamingCapped = 0
    if (updated.expires_at < pool.expires_at) {
      const capped = await trx
        .updateTable('leases')
        .set({ roaming_until: updated.expires_at })
        .where('pool_id', '=', pool.id)
        .where('roaming_until', '>', updated.expires_at)
        .executeTakeFirst()
      roamingCapped = Number(capped.numUpdatedRows)
    }
    // The lease TTL and the roaming limit are recorded when the update sets them: a shorter TTL
    // makes held seats stale (releasable) at once, so the log must say who changed it and from what.
    const limits = (row: PoolRow) => ({
      ...(body.leaseTtlSeconds !== undefined ? { leaseTtlSeconds: row.lease_ttl_seconds } : {}),
      ...(body.maxRoamingSeconds !== undefined ? { maxRoamingSeconds: row.max_roaming_seconds } : {}),
    })
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'seats.update',
      target: product,
      before: {
        seats: pool.seats,
        used: pool.used,
        expiresAt: toIso(pool.expires_at),
        ...limits(pool),
        ...retirement.before,
      },
      after: {
        seats: updated.seats,
        used: updated.used,
        expiresAt: toIso(updated.expires_at),
        ...limits(updated),
        ...retirement.after,
        ...(roamingCapped > 0 ? { roamingCapped } : {}),
      },
    })
    return (await presentPools(trx, org, [updated], now))[0]!
  })
}

/**
 * An admin retires a pool the organization did not renew, once expired: it leaves `expiry check`,
 * stays listed (retired) with its leases' history, and refuses checkout as any expired pool does.
 */
export async function retirePool(
  ctx: ServiceContext,
  slug: string,
  product: string,
): Promise<RetiredSeatPool> {
  return retireExpired(ctx, slug, {
    table: 'seat_pools',
    action: 'seats.retire',
    target: product,
    thing: `seat pool '${product}'`,
    find: (trx, orgId) => findPool(trx, orgId, product),
    present: async (trx, row, org, now) => (await presentPools(trx, org, [row], now))[0]!,
  })
}

/** The organization's pools by product (members may look: it is what they can check out). */
export async function listPools(ctx: ServiceContext, slug: string, q: PageQuery) {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: false })
  const query = ctx.db.selectFrom('seat_pools').selectAll().where('org_id', '=', org.id)
  const page = await paginate(query, {
    limit: q.limit,
    cursor: q.cursor,
    keys: [{ column: 'product', value: (p) => p.product }],
  })
  return { items: await presentPools(ctx.db, org, page.items, ctx.clock.now()), nextCursor: page.nextCursor }
}

class RetryCheckout extends Error {}

/**
 * Checks a seat out. The seat is taken by one conditional update (`used < seats`, not expired) in the
 * checkout transaction, so no race can overbook a pool; the CHECK constraint backs it in the database.
 * The same user on the same host gets their existing lease back: a host in any case (`WS-01` is
 * `ws-01`, RFC 4343), the lease keeping the host as first typed.
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
      return await inTransaction(ctx, (trx) => checkoutOnce(ctx, trx, slug, product, body, onBehalf), {
        answer: true,
      })
    } catch (err) {
      // Two checkouts for the same user and host (in any case) raced: the loser retries and finds the winner's lease.
      if (err instanceof RetryCheckout && attempt === 0) continue
      throw err
    }
  }
}

async function checkoutOnce(
  ctx: ServiceContext,
  trx: Tx,
  slug: string,
  product: string,
  body: CheckoutBody,
  onBehalf: boolean,
) {
  const now = ctx.clock.now()
  const p = ctx.principal
  const org = await authorizeOrg(ctx, slug, { role: onBehalf ? 'admin' : 'member', write: true }, trx)
  const email = body.user ?? (p.kind === 'user' ? p.email : undefined)
  // Named as a field, so that the CLI names its flag (--user) as it does for the contract's issues.
  if (!email)
    throw invalidField(
      'body.user',
      "required with the operator's token: name the member the seat is for, or check out with the member's own token",
    )
  const member = await requireMember(trx, org.id, email)
  // A removal of this member at the same moment either waits for this checkout (and releases its
  // lease) or went first: then the membership is gone, and so is the right to a seat.
  const still = await lockMemberships(trx, org.id, [member.userId], 'key share')
  if (still && !still.has(member.userId))
    throw new AppError('not_a_member', `${email} is not a member of this organization`, { email })
  const pool = await findPool(trx, org.id, product)
  assertValid(`the '${product}' subscription`, pool.expires_at, org, now, { product })
  // A date is read as an expiration is: roaming through that day in the organization's time zone.
  const roamingUntil =
    body.roamUntil === undefined
      ? null
      : validUntil(body.roamUntil, org, {
          now,
          field: 'body.roamUntil',
          future: 'the seat would not roam at all',
        })
  if (roamingUntil !== null) {
    if (pool.max_roaming_seconds === null)
      throw new AppError(
        'roaming_not_allowed',
        `'${product}' allows no roaming; the operator can set a maximum roaming period`,
      )
    const limit = Math.min(now + pool.max_roaming_seconds * 1000, pool.expires_at)
    if (roamingUntil > limit)
      throw new AppError(
        'roaming_not_allowed',
        `'${product}' can roam ${lastsUntil(limit, org.time_zone, now)} at the latest`,
      )
  }
  const existing = await leaseOnHost.takeFirst(trx, pool.id, member.userId, hostKey(body.host))
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
  const taken = await takeSeat.takeFirst(trx, pool.id, now)
  if (!taken) throw await noFreeSeat(trx, org.id, pool, now)
  const row = {
    id: newId('ls', now),
    pool_id: pool.id,
    user_id: member.userId,
    host: body.host,
    started_at: now,
    last_heartbeat_at: now,
    roaming_until: roamingUntil,
  }
  const inserted = await insertLease.takeFirst(
    trx,
    row.id,
    pool.id,
    member.userId,
    body.host,
    now,
    roamingUntil,
  )
  if (!inserted) throw new RetryCheckout()
  await audit(trx, ctx, {
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

/** Holders named in the refusal's message, and listed in its details (`seats list` has them all). */
const NAMED_HOLDERS = 10
const MAX_HOLDERS = 100

/**
 * The refusal names who holds the seats, so support knows whom to call or what to release: each
 * holder's seat marked when it is stale (no heartbeat for longer than the pool's TTL: a stuck seat,
 * the one to release) or roaming, and how many are stuck, with the command that frees them. The
 * user who cannot start the app reads this message first, and "all in use" alone sent support to
 * ask people to close an app that had long stopped running.
 */
async function noFreeSeat(db: Executor, orgId: string, pool: PoolRow, now: number): Promise<AppError> {
  // Oldest heartbeat first: a stuck seat, the likeliest to free, leads the list.
  const holders = await leasesOf(db, orgId)
    .where('leases.pool_id', '=', pool.id)
    .orderBy('leases.last_heartbeat_at')
    .orderBy('leases.id')
    .limit(MAX_HOLDERS)
    .execute()
  const stale = await db
    .selectFrom('leases')
    .innerJoin('seat_pools', 'seat_pools.id', 'leases.pool_id')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .where('leases.pool_id', '=', pool.id)
    .where(staleAt(now))
    .executeTakeFirst()
  const staleCount = Number(stale?.n ?? 0)
  const total = Math.max(holders.length, pool.used)
  const shown = holders.slice(0, NAMED_HOLDERS).map((h) => {
    const state = leaseState(h, now)
    return `${h.email} (${h.host}${state === 'active' ? '' : `, ${state}`})`
  })
  const more = total - shown.length
  const stuck =
    staleCount === 0
      ? ''
      : `; ${staleCount === 1 ? '1 is stale' : `${staleCount} are stale`} (no heartbeat for over ${formatDuration(pool.lease_ttl_seconds * 1000)}): an admin frees stuck seats with \`licctl seats release --stale\``
  return new AppError(
    'no_free_seat',
    `${allOf(pool.seats, 'in use', { one: 'seat', many: 'seats', of: `'${pool.product}'` })}: ${shown.join(', ')}${more > 0 ? `, and ${more} more` : ''}${stuck}`,
    {
      product: pool.product,
      holders: holders.map((h) => ({
        user: h.email,
        host: h.host,
        leaseId: h.id,
        lastHeartbeatAt: toIso(h.last_heartbeat_at),
        state: leaseState(h, now),
      })),
      ...(total > holders.length ? { moreHolders: total - holders.length } : {}),
      stale: staleCount,
    },
  )
}

/** A lease the caller may act on as a client: their own, or any in the org for admins and the operator. */
async function ownLease(ctx: ServiceContext, db: Executor, slug: string, id: string) {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: true }, db)
  const lease = await leaseById(db, org.id, id)
  if (!lease) throw leaseGone(id)
  if (!mayActOn(ctx, lease.user_id)) throw new AppError('not_admin', 'this lease belongs to another user')
  return { org, lease }
}

/** The one answer for a lease that is not held: never existed, or (to anyone else) someone's released one. */
const leaseGone = (id: string) => notFound(`lease ${quote(id)} not found (released or checked in?)`)

/** A member acts on their own leases; admins and the operator on any of the organization's. */
function mayActOn(ctx: ServiceContext, holder: string | null): boolean {
  const p = ctx.principal
  return !(p.kind === 'user' && p.role !== 'admin' && holder !== p.userId)
}

/**
 * Renews a lease. Not once its pool has expired (or been retired, which only an expired pool can
 * be): the heartbeat's answer is all a running app hears of the server, and an app renewed past the
 * end of its subscription would run on unpaid for as long as it stays open. It is told, as checkout
 * is (pool_expired, exit 3), and the lease is left for it to check in.
 */
export async function heartbeat(ctx: ServiceContext, slug: string, id: string): Promise<Lease> {
  const now = ctx.clock.now()
  const { org, lease } = await ownLease(ctx, ctx.db, slug, id)
  assertValid(`the '${lease.product}' subscription`, lease.pool_expires_at, org, now, {
    product: lease.product,
    lease: id,
  })
  const beat = await ctx.db
    .updateTable('leases')
    .set({ last_heartbeat_at: now })
    .where('id', '=', id)
    .executeTakeFirst()
  // Released between the lookup and the update: the app must check out again.
  if (beat.numUpdatedRows === 0n) throw leaseGone(id)
  return presentLease({ ...lease, last_heartbeat_at: now }, now)
}

/**
 * Checks a seat in. Checking in a lease that has already gone (checked in, or released by an admin)
 * is "already so": the lease as it was when it went, `changed: false`, for whoever may act on it
 * (its user, admins, the operator). Anyone else gets the not-found of an id that never existed, so
 * a member learns nothing of other users' leases that a first checkin would not have told them.
 */
export async function checkin(ctx: ServiceContext, slug: string, id: string): Promise<CheckinResponse> {
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'member', write: true }, trx)
    const lease = await leaseById(trx, org.id, id)
    if (!lease) return { ...(await releasedLease(ctx, trx, org.id, id)), changed: false }
    if (!mayActOn(ctx, lease.user_id)) throw new AppError('not_admin', 'this lease belongs to another user')
    const changed = await releaseLease(trx, ctx, now, org.id, lease, 'seats.checkin', 'checked in')
    return { ...presentLease(lease, now), changed }
  })
}

/** A lease of the organization that has gone, as it stood when it went, if the caller may see it. */
async function releasedLease(ctx: ServiceContext, db: Executor, orgId: string, id: string): Promise<Lease> {
  const row = await db
    .selectFrom('released_leases')
    .innerJoin('seat_pools', 'seat_pools.id', 'released_leases.pool_id')
    .leftJoin('users', 'users.id', 'released_leases.user_id')
    .select([
      'released_leases.id',
      'released_leases.pool_id',
      'released_leases.released_at',
      'released_leases.user_id',
      'released_leases.host',
      'released_leases.started_at',
      'released_leases.last_heartbeat_at',
      'released_leases.roaming_until',
      'users.email',
      'seat_pools.product',
      'seat_pools.lease_ttl_seconds',
    ])
    .where('seat_pools.org_id', '=', orgId)
    .where('released_leases.id', '=', id)
    .executeTakeFirst()
  // Released before its holder was recorded (migration 0014): nothing to show, as before.
  if (
    !row?.user_id ||
    row.email === null ||
    row.host === null ||
    row.started_at === null ||
    row.last_heartbeat_at === null ||
    !mayActOn(ctx, row.user_id)
  )
    throw leaseGone(id)
  const held = {
    ...row,
    user_id: row.user_id,
    email: row.email,
    host: row.host,
    started_at: Number(row.started_at),
    last_heartbeat_at: Number(row.last_heartbeat_at),
    roaming_until: row.roaming_until === null ? null : Number(row.roaming_until),
  }
  return presentLease(held, Number(row.released_at))
}
