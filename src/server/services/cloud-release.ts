import { lockRows, type Tx } from '../transaction.js'
import { audit, type AuditSource } from './audit.js'
import { onMemberRemoved } from './member-removal.js'

/**
 * Takes one add-on from one user: deletes the assignment and gives its license back to the pool, in
 * the caller's transaction. False when the user did not hold it (nothing changes): revoking is
 * idempotent, and a concurrent revoke of the same assignment frees the license only once.
 */
export async function revokeAssignment(
  db: Tx,
  ctx: AuditSource,
  now: number,
  orgId: string,
  addon: { id: string; key: string },
  user: { id: string; email: string },
  reason?: string,
): Promise<boolean> {
  // The lock order of bulk jobs: the pool row first, then the assignment.
  await lockRows(db, 'addon_pools', [addon.id])
  const gone = await db
    .deleteFrom('addon_assignments')
    .where('addon_id', '=', addon.id)
    .where('user_id', '=', user.id)
    .executeTakeFirst()
  if (gone.numDeletedRows === 0n) return false
  const pool = await db
    .updateTable('addon_pools')
    .set((eb) => ({ assigned: eb('assigned', '-', 1), updated_at: now }))
    .where('id', '=', addon.id)
    .returning('assigned')
    .executeTakeFirstOrThrow()
  await audit(db, ctx, {
    orgId,
    action: 'cloud.revoke',
    target: `${addon.key}/${user.email}`,
    before: { assigned: pool.assigned + 1 },
    after: { assigned: pool.assigned, ...(reason ? { reason } : {}) },
  })
  return true
}

/**
 * Revokes every cloud add-on a user holds in an organization, in the caller's transaction
 * (removing a member calls this). Returns the add-on keys revoked.
 */
export async function revokeAddonsOfUser(
  db: Tx,
  ctx: AuditSource,
  now: number,
  orgId: string,
  userId: string,
): Promise<string[]> {
  const held = await db
    .selectFrom('addon_assignments')
    .innerJoin('addon_pools', 'addon_pools.id', 'addon_assignments.addon_id')
    .innerJoin('users', 'users.id', 'addon_assignments.user_id')
    .select(['addon_pools.id', 'addon_pools.key', 'users.email'])
    .where('addon_pools.org_id', '=', orgId)
    .where('addon_assignments.user_id', '=', userId)
    .orderBy('addon_pools.key')
    .execute()
  const revoked: string[] = []
  for (const addon of held)
    if (
      await revokeAssignment(db, ctx, now, orgId, addon, { id: userId, email: addon.email }, 'member removed')
    )
      revoked.push(addon.key)
  return revoked
}

onMemberRemoved({
  topic: 'cloud',
  noun: 'add-ons',
  action: 'revoked',
  order: 20,
  lock: async (trx, orgId, userIds) => {
    const pools = await trx
      .selectFrom('addon_assignments')
      .innerJoin('addon_pools', 'addon_pools.id', 'addon_assignments.addon_id')
      .select('addon_assignments.addon_id')
      .distinct()
      .where('addon_pools.org_id', '=', orgId)
      .where('addon_assignments.user_id', 'in', userIds)
      .orderBy('addon_assignments.addon_id')
      .execute()
    await lockRows(
      trx,
      'addon_pools',
      pools.map((p) => p.addon_id),
    )
  },
  hook: async ({ trx, ctx, orgId, userId, now }) => {
    const revoked = await revokeAddonsOfUser(trx, ctx, now, orgId, userId)
    return { count: revoked.length, items: revoked, fields: { addonsRevoked: revoked } }
  },
})
