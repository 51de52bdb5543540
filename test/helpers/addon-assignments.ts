import type { Storage } from '../../src/storage/open.js'

/**
 * The database's own view of a cloud add-on, for tests that check a bulk job left no duplicate and
 * no half job: its assignment rows, the distinct users among them, the pool's `assigned` count, and
 * the users' emails (sorted).
 */
export async function addonAssignments(
  storage: Storage,
  key: string,
): Promise<{ rows: number; distinct: number; assigned: number; emails: string[] }> {
  const pool = await storage.db
    .selectFrom('addon_pools')
    .select(['id', 'assigned'])
    .where('key', '=', key)
    .executeTakeFirstOrThrow()
  const rows = await storage.db
    .selectFrom('addon_assignments')
    .innerJoin('users', 'users.id', 'addon_assignments.user_id')
    .select('users.email')
    .where('addon_id', '=', pool.id)
    .execute()
  const emails = rows.map((r) => r.email).sort()
  return { rows: rows.length, distinct: new Set(emails).size, assigned: pool.assigned, emails }
}
