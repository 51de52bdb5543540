import type { Executor, Principal } from '../context.js'
import { audit } from './audit.js'

/**
 * Releases every lease a user holds in an organization's seat pools, in the caller's transaction
 * (removing a member calls this). Each pool's `used` count drops by what was released.
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
    .select([
      'leases.id as leaseId',
      'leases.host',
      'seat_pools.id as poolId',
      'seat_pools.product',
      'seat_pools.used',
      'users.email',
    ])
    .where('seat_pools.org_id', '=', orgId)
    .where('leases.user_id', '=', userId)
    .execute()
  for (const lease of leases) {
    const gone = await db.deleteFrom('leases').where('id', '=', lease.leaseId).executeTakeFirst()
    if (gone.numDeletedRows === 0n) continue
    const pool = await db
      .updateTable('seat_pools')
      .set((eb) => ({ used: eb('used', '-', 1), updated_at: now }))
      .where('id', '=', lease.poolId)
      .returning('used')
      .executeTakeFirstOrThrow()
    await audit(db, principal, now, {
      orgId,
      action: 'seats.release',
      target: `${lease.product}/${lease.leaseId}`,
      before: { used: pool.used + 1, user: lease.email, host: lease.host },
      after: { used: pool.used, reason: 'member removed' },
    })
  }
  return leases.map((l) => ({ product: l.product, host: l.host, leaseId: l.leaseId }))
}
