import type { Executor, Principal } from '../context.js'
import { audit } from './audit.js'

interface HeldLease {
  id: string
  pool_id: string
  host: string
  email: string
  product: string
}

/**
 * Frees one seat: deletes the lease and decrements its pool's count, in the caller's transaction.
 * Returns false when the lease was already gone (a concurrent release), changing nothing.
 */
export async function releaseLease(
  db: Executor,
  principal: Principal,
  now: number,
  orgId: string,
  lease: HeldLease,
  action: string,
  reason: string,
): Promise<boolean> {
  const gone = await db.deleteFrom('leases').where('id', '=', lease.id).executeTakeFirst()
  if (gone.numDeletedRows === 0n) return false
  const pool = await db
    .updateTable('seat_pools')
    .set((eb) => ({ used: eb('used', '-', 1), updated_at: now }))
    .where('id', '=', lease.pool_id)
    .returning('used')
    .executeTakeFirstOrThrow()
  await audit(db, principal, now, {
    orgId,
    action,
    target: `${lease.product}/${lease.id}`,
    before: { used: pool.used + 1, user: lease.email, host: lease.host },
    after: { used: pool.used, reason },
  })
  return true
}

/**
 * Releases every lease a user holds in an organization's seat pools, in the caller's transaction
 * (removing a member calls this).
 */
export async function releaseLeasesOfUser(
  db: Executor,
  principal: Principal,
  now: number,
  orgId: string,
  userId: string,
) {
  const leases = await db
    .selectFrom('leases')
    .innerJoin('seat_pools', 'seat_pools.id', 'leases.pool_id')
    .innerJoin('users', 'users.id', 'leases.user_id')
    .select(['leases.id', 'leases.pool_id', 'leases.host', 'seat_pools.product', 'users.email'])
    .where('seat_pools.org_id', '=', orgId)
    .where('leases.user_id', '=', userId)
    .execute()
  const released = []
  for (const lease of leases) {
    if (await releaseLease(db, principal, now, orgId, lease, 'seats.release', 'member removed'))
      released.push({ product: lease.product, host: lease.host, leaseId: lease.id })
  }
  return released
}
