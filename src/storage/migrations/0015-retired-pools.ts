import type { Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>

/** What an organization buys with an expiration and may choose not to renew. */
const TABLES = ['seat_pools', 'addon_pools', 'activation_entitlements'] as const

/**
 * A seat pool, an add-on pool or an activation entitlement the organization chose not to renew is
 * *retired* by an admin once it has expired (`seats retire`, `cloud retire`, `activations retire`):
 * `retired_at` records when. Until then `expiry check` keeps failing on it (and on an entitlement's
 * activation IDs); once retired it is no longer reported, and it stays listed with its history.
 * Renewing it (the operator's `update --expires`) clears it. NULL: not retired, as every row was.
 */
export async function up(db: Db): Promise<void> {
  for (const table of TABLES) await db.schema.alterTable(table).addColumn('retired_at', 'bigint').execute()
}

/** Retired rows are expired ones: without the column they are reported by the check again. */
export async function down(db: Db): Promise<void> {
  for (const table of TABLES) await db.schema.alterTable(table).dropColumn('retired_at').execute()
}
