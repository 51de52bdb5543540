import type { Lease, LeasesQuery, StuckQuery, UserUsage } from '../../contract/seats.js'
import type { PageQuery } from '../../contract/common.js'
import type { ServiceContext } from '../context.js'
import { authorizeOrg } from './access.js'
import {
  instantIdKey,
  leasesOf,
  leaseState,
  notRoamingAt,
  pageFrom,
  presentLease,
  productIdKey,
  readCursor,
  roamingAt,
  staleAt,
  staleBefore,
  textKey,
  usageOf,
} from './seats-leases.js'

type Page<T> = { items: T[]; nextCursor: string | null }

/** Admins: leases by product, then in the order they started, with their state at this moment. */
export async function listLeases(ctx: ServiceContext, slug: string, q: LeasesQuery): Promise<Page<Lease>> {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: false })
  const now = ctx.clock.now()
  let query = leasesOf(ctx.db, org.id)
    .orderBy('seat_pools.product')
    .orderBy('leases.id')
    .limit(q.limit + 1)
  const after = readCursor(q.cursor, productIdKey)
  if (after)
    query = query.where((eb) =>
      eb.or([
        eb('seat_pools.product', '>', after[0]),
        eb.and([eb('seat_pools.product', '=', after[0]), eb('leases.id', '>', after[1])]),
      ]),
    )
  if (q.product) query = query.where('seat_pools.product', '=', q.product)
  if (q.user) query = query.where('users.email', '=', q.user)
  if (q.state === 'roaming') query = query.where(roamingAt(now))
  if (q.state === 'stale') query = query.where(staleAt(now))
  if (q.state === 'active')
    query = query.where(notRoamingAt(now)).where('leases.last_heartbeat_at', '>=', staleBefore(now))
  return pageFrom(
    await query.execute(),
    q.limit,
    (l) => presentLease(l, now),
    (l) => [l.product, l.id],
  )
}

/**
 * Stale leases, oldest heartbeat first: the triage list for "all seats are taken". Stale means idle
 * longer than the pool's TTL, or than `idleSeconds` when given; borrowed (roaming) seats never are.
 */
export async function stuckLeases(ctx: ServiceContext, slug: string, q: StuckQuery): Promise<Page<Lease>> {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: false })
  const now = ctx.clock.now()
  let query = leasesOf(ctx.db, org.id)
    .where(staleAt(now, q.idleSeconds))
    .orderBy('leases.last_heartbeat_at')
    .orderBy('leases.id')
    .limit(q.limit + 1)
  const after = readCursor(q.cursor, instantIdKey)
  if (after)
    query = query.where((eb) =>
      eb.or([
        eb('leases.last_heartbeat_at', '>', after[0]),
        eb.and([eb('leases.last_heartbeat_at', '=', after[0]), eb('leases.id', '>', after[1])]),
      ]),
    )
  if (q.product) query = query.where('seat_pools.product', '=', q.product)
  return pageFrom(
    await query.execute(),
    q.limit,
    (l) => presentLease(l, now),
    (l) => [l.last_heartbeat_at, l.id],
  )
}

/** Admins: every member by email, and whether they use a seat (yes, roaming, no), like the portal's column. */
export async function usageByUser(ctx: ServiceContext, slug: string, q: PageQuery): Promise<Page<UserUsage>> {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: false })
  const now = ctx.clock.now()
  let query = ctx.db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.email', 'users.name'])
    .where('memberships.org_id', '=', org.id)
    .orderBy('users.email')
    .limit(q.limit + 1)
  const after = readCursor(q.cursor, textKey)
  if (after) query = query.where('users.email', '>', after[0])
  const members = await query.execute()
  const ids = members.slice(0, q.limit).map((m) => m.id)
  const leases =
    ids.length === 0 ? [] : await leasesOf(ctx.db, org.id).where('leases.user_id', 'in', ids).execute()
  return pageFrom(
    members,
    q.limit,
    (m): UserUsage => {
      const mine = leases.filter((l) => l.user_id === m.id)
      return {
        email: m.email,
        name: m.name,
        usage: usageOf(mine.map((l) => leaseState(l, now))),
        leases: mine.length,
        products: [...new Set(mine.map((l) => l.product))].sort(),
      }
    },
    (m) => [m.email],
  )
}
