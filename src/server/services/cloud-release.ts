import type { Executor, Principal } from '../context.js'
import { audit } from './audit.js'

/**
 * Revokes every cloud add-on a user holds in an organization, in the caller's transaction
 * (removing a member calls this). Returns the add-on keys revoked.
 */
export async function revokeAddonsOfUser(
  db: Executor,
  principal: Principal,
  now: number,
  orgId: string,
  userId: string,
) {
  const held = await db
    .selectFrom('addon_assignments')
    .innerJoin('addon_pools', 'addon_pools.id', 'addon_assignments.addon_id')
    .innerJoin('users', 'users.id', 'addon_assignments.user_id')
    .select(['addon_pools.id', 'addon_pools.key', 'users.email'])
    .where('addon_pools.org_id', '=', orgId)
    .where('addon_assignments.user_id', '=', userId)
    .execute()
  for (const addon of held) {
    await db
      .deleteFrom('addon_assignments')
      .where('addon_id', '=', addon.id)
      .where('user_id', '=', userId)
      .execute()
    const pool = await db
      .updateTable('addon_pools')
      .set((eb) => ({ assigned: eb('assigned', '-', 1), updated_at: now }))
      .where('id', '=', addon.id)
      .returning('assigned')
      .executeTakeFirstOrThrow()
    await audit(db, principal, now, {
      orgId,
      action: 'cloud.revoke',
      target: `${addon.key}/${addon.email}`,
      before: { assigned: pool.assigned + 1 },
      after: { assigned: pool.assigned, reason: 'member removed' },
    })
  }
  return held.map((a) => a.key)
}
