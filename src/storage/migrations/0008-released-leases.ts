import type { Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>

/**
 * Leases released or checked in, by id: what lets "release lease X" answer "already so" for a lease
 * that existed and went, and "not found" for one that never did, from state rather than the audit
 * log. Leases released before this migration are taken from the audit log once, here.
 */
export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable('released_leases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('pool_id', 'text', (c) => c.notNull().references('seat_pools.id').onDelete('cascade'))
    .addColumn('released_at', 'bigint', (c) => c.notNull())
    .execute()
  const released = (await db
    .selectFrom('audit_events')
    .innerJoin('seat_pools', 'seat_pools.org_id', 'audit_events.org_id')
    .select([
      'audit_events.target',
      'audit_events.created_at',
      'seat_pools.id as pool_id',
      'seat_pools.product',
    ])
    .where('audit_events.action', 'in', ['seats.release', 'seats.checkin'])
    .execute()) as Array<{ target: string; created_at: number | string; pool_id: string; product: string }>
  const rows = released
    .filter((r) => r.target.startsWith(`${r.product}/`))
    .map((r) => ({
      id: r.target.slice(r.product.length + 1),
      pool_id: r.pool_id,
      released_at: Number(r.created_at),
    }))
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('released_leases')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute()
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('released_leases').execute()
}
