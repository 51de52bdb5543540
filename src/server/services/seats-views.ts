import type { Lease, LeasesQuery, StuckQuery, UserUsage } from '../../contract/seats.js'
import type { PageQuery } from '../../contract/common.js'
import type { ServiceContext } from '../context.js'
import { authorizeOrg } from './access.js'
import { mapPage, paginate, type Page } from './paging.js'
import {
  leasesOf,
  leaseState,
  notRoamingAt,
  presentLease,
  roamingAt,
  staleAt,
  staleBefore,
  usageOf,
} from './seats-leases.js'
import { findPool } from './seats.js'
import { assertMemberExists } from './users.js'

/**
 * Admins: leases by product, then in the order they started, with their state at this moment. A
 * filter naming a pool or member the organization does not have is 404, like `kubectl get` of an
 * unknown name; one that exists but matches nothing is an empty page.
 */
export async function listLeases(ctx: ServiceContext, slug: string, q: LeasesQuery): Promise<Page<Lease>> {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: false })
  const now = ctx.clock.now()
  let query = leasesOf(ctx.db, org.id)
  if (q.product !== undefined) {
    await findPool(ctx.db, org.id, q.product)
    query = query.where('seat_pools.product', '=', q.product)
  }
  if (q.user !== undefined) {
    await assertMemberExists(ctx.db, org.id, q.user)
    query = query.where('users.email', '=', q.user)
  }
  if (q.state === 'roaming') query = query.where(roamingAt(now))
  if (q.state === 'stale') query = query.where(staleAt(now))
  if (q.state === 'active')
    query = query.where(notRoamingAt(now)).where('leases.last_heartbeat_at', '>=', staleBefore(now))
  const page = await paginate(query, {
    limit: q.limit,
    cursor: q.cursor,
    keys: [
      { column: 'seat_pools.product', value: (l) => l.product },
      { column: 'leases.id', value: (l) => l.id },
    ],
  })
  return mapPage(page, (l) => presentLease(l, now))
}

/**
 * Stale leases, oldest heartbeat first: the triage list for "all seats are taken". Stale means idle
 * longer than the pool's TTL, or than `idleSeconds` when given; borrowed (roaming) seats never are.
 * An unknown product is 404 (`seats release --stale --product` lists through here).
 */
export async function stuckLeases(ctx: ServiceContext, slug: string, q: StuckQuery): Promise<Page<Lease>> {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: false })
  const now = ctx.clock.now()
  let query = leasesOf(ctx.db, org.id).where(staleAt(now, q.idleSeconds))
  if (q.product !== undefined) {
    await findPool(ctx.db, org.id, q.product)
    query = query.where('seat_pools.product', '=', q.product)
  }
  const page = await paginate(query, {
    limit: q.limit,
    cursor: q.cursor,
    keys: [
      { column: 'leases.last_heartbeat_at', value: (l) => l.last_heartbeat_at, numeric: true },
      { column: 'leases.id', value: (l) => l.id },
    ],
  })
  return mapPage(page, (l) => presentLease(l, now))
}

/** Admins: every member by email, and whether they use a seat (yes, roaming, no), like the portal's column. */
export async function usageByUser(ctx: ServiceContext, slug: string, q: PageQuery): Promise<Page<UserUsage>> {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: false })
  const now = ctx.clock.now()
  const query = ctx.db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.email', 'users.name'])
    .where('memberships.org_id', '=', org.id)
  const page = await paginate(query, {
    limit: q.limit,
    cursor: q.cursor,
    keys: [{ column: 'users.email', value: (m) => m.email }],
  })
  const ids = page.items.map((m) => m.id)
  const leases =
    ids.length === 0 ? [] : await leasesOf(ctx.db, org.id).where('leases.user_id', 'in', ids).execute()
  return mapPage(page, (m): UserUsage => {
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
