import type { Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>

/** The lease as it was when it went, beside its id and pool (0008). */
const COLUMNS = [
  ['user_id', 'text'],
  ['host', 'text'],
  ['started_at', 'bigint'],
  ['last_heartbeat_at', 'bigint'],
  ['roaming_until', 'bigint'],
] as const

/**
 * A released lease keeps whose it was and how it stood when it went, so that checking it in again
 * answers "already so" (`changed: false`, the lease as it was checked in) to its own user, and still
 * "not found" to any other member, exactly as for an id that never existed. Leases released before
 * this migration have no holder on record (NULL): a second checkin of one answers "not found", as it
 * did. `user_id` is a record of the past, like the audit log's names, so it has no foreign key.
 */
export async function up(db: Db): Promise<void> {
  // One column per statement: SQLite's ALTER TABLE adds one at a time.
  for (const [name, type] of COLUMNS)
    await db.schema.alterTable('released_leases').addColumn(name, type).execute()
}

export async function down(db: Db): Promise<void> {
  for (const [name] of COLUMNS) await db.schema.alterTable('released_leases').dropColumn(name).execute()
}
