import { sql, type RawBuilder, type SqlBool } from 'kysely'
import type { Lease, LeaseState, Usage } from '../../contract/seats.js'
import { toIso, toIsoOrNull } from '../../domain/clock.js'
import { prepareQuery } from '../../storage/prepared.js'
import type { Database } from '../../storage/schema.js'
import type { Executor } from '../context.js'

/** A lease with what its state and its presentation need from the pool and the user. */
export type LeaseRow = Omit<Database['leases'], 'host_key'> & {
  email: string
  product: string
  lease_ttl_seconds: number
}

/**
 * active: heartbeating; stale: no heartbeat for longer than the pool's TTL (a stuck seat, still held);
 * roaming: borrowed for offline use, needing no heartbeat until it ends. The SQL twins below say the same.
 */
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

/** leaseState in SQL, for filtering and counting in the database (queries joining leases and seat_pools). */
export const roamingAt = (now: number): RawBuilder<SqlBool> =>
  sql<SqlBool>`(leases.roaming_until is not null and leases.roaming_until > ${now})`
export const notRoamingAt = (now: number): RawBuilder<SqlBool> =>
  sql<SqlBool>`(leases.roaming_until is null or leases.roaming_until <= ${now})`
/**
 * Heartbeats older than this are stale: `idleSeconds` ago when given, else each pool's TTL ago.
 * Casts keep PostgreSQL in bigint (epoch milliseconds overflow its 32-bit integer).
 */
export const staleBefore = (now: number, idleSeconds?: number): RawBuilder<number> =>
  idleSeconds !== undefined
    ? sql<number>`${now - idleSeconds * 1000}`
    : sql<number>`(cast(${now} as bigint) - cast(seat_pools.lease_ttl_seconds as bigint) * 1000)`
export const staleAt = (now: number, idleSeconds?: number): RawBuilder<SqlBool> =>
  sql<SqlBool>`(${notRoamingAt(now)} and leases.last_heartbeat_at < ${staleBefore(now, idleSeconds)})`

export function presentLease(l: LeaseRow, now: number): Lease {
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

/** The leases of an organization's pools, with their user's email and their pool's product and TTL. */
export function leasesOf(db: Executor, orgId: string) {
  return db
    .selectFrom('leases')
    .innerJoin('seat_pools', 'seat_pools.id', 'leases.pool_id')
    .innerJoin('users', 'users.id', 'leases.user_id')
    .selectAll('leases')
    .select(['users.email', 'seat_pools.product', 'seat_pools.lease_ttl_seconds'])
    .where('seat_pools.org_id', '=', orgId)
}

const leaseInOrg = prepareQuery((db, id: string, orgId: string) =>
  db
    .selectFrom('leases')
    .selectAll('leases')
    .select((eb) => [
      eb.selectFrom('users').select('users.email').whereRef('users.id', '=', 'leases.user_id').as('email'),
      eb
        .selectFrom('seat_pools')
        .select('seat_pools.product')
        .whereRef('seat_pools.id', '=', 'leases.pool_id')
        .as('product'),
      eb
        .selectFrom('seat_pools')
        .select('seat_pools.lease_ttl_seconds')
        .whereRef('seat_pools.id', '=', 'leases.pool_id')
        .as('lease_ttl_seconds'),
      eb
        .selectFrom('seat_pools')
        .select('seat_pools.expires_at')
        .whereRef('seat_pools.id', '=', 'leases.pool_id')
        .as('pool_expires_at'),
    ])
    .where('leases.id', '=', id)
    .where('leases.pool_id', 'in', (eb) =>
      eb.selectFrom('seat_pools').select('seat_pools.id').where('seat_pools.org_id', '=', orgId),
    ),
)

/**
 * One lease of the organization, by id: what `leasesOf(…).where('leases.id', '=', id)` finds, as
 * one table with scalar subqueries, compiled once. SQLite re-prepares a join filtered by a bound
 * `=` at every execution (docs/performance.md, "Checkout steps"): this is the lookup of every
 * heartbeat, the call a license server gets most (50–66 µs joined, 16–27 µs so, on a loaded machine).
 */
export async function leaseById(
  db: Executor,
  orgId: string,
  id: string,
): Promise<(LeaseRow & { pool_expires_at: number }) | undefined> {
  const row = await leaseInOrg.takeFirst(db, id, orgId)
  // The foreign keys make the subqueries always find their row.
  if (
    !row ||
    row.email === null ||
    row.product === null ||
    row.lease_ttl_seconds === null ||
    row.pool_expires_at === null
  )
    return undefined
  return {
    ...row,
    email: row.email,
    product: row.product,
    lease_ttl_seconds: row.lease_ttl_seconds,
    pool_expires_at: row.pool_expires_at,
  }
}
