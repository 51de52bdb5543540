import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>

/** Rows inserted per statement when the table is filled from the audit log. */
const BATCH = 500

/**
 * Which hosts gave their seats of an activation ID back (`activations deactivate`): one row per ID
 * and host (`host_key`, computed by the database as for `activation_hosts`), the host as first
 * spelled and when it first did. Deactivating again on such a host that holds no seats now is
 * "already so" (exit 0, nothing changed). Until now the only record of it was the audit log (the
 * host's row is deleted), which the service searched for `<id>/<host>` targets: the audit log is a
 * record of what happened, not the state decisions are made from.
 *
 * Filled from the audit log's `activations.deactivate` entries of IDs that still exist, the
 * earliest first (its spelling and time kept), so a host that deactivated before this migration
 * still answers "already so". A process still running the old version during a rolling upgrade
 * records a deactivation in the audit log only: deactivating on that host again is then "not
 * found" on the new version, as for a host that never held the ID.
 */
export async function up(db: Db): Promise<void> {
  // PostgreSQL runs each migration in a transaction; SQLite's migrator does not: this one is all or nothing.
  if (db.isTransaction) await apply(db as Transaction<unknown> as Db)
  else await db.transaction().execute((trx) => apply(trx))
}

async function apply(db: Db): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  // The same fold as domain/host-name.ts and migration 0010: only A–Z.
  const key = pg
    ? sql`translate(host, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`
    : sql`lower(host)`
  await db.schema
    .createTable('activation_deactivations')
    .addColumn('activation_id', 'text', (c) =>
      c.notNull().references('activation_ids.id').onDelete('cascade'),
    )
    .addColumn('host', 'text', (c) => c.notNull())
    // Stored on both: SQLite stores a generated column when the table is created with it.
    .addColumn('host_key', 'text', (c) => c.generatedAlwaysAs(key).stored())
    .addColumn('deactivated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('activation_deactivations_host_key')
    .on('activation_deactivations')
    .columns(['activation_id', 'host_key'])
    .unique()
    .execute()

  const ids = new Set(
    ((await db.selectFrom('activation_ids').select('id').execute()) as Array<{ id: string }>).map(
      (r) => r.id,
    ),
  )
  const entries = (await db
    .selectFrom('audit_events')
    .select(['target', 'created_at'])
    .where('action', '=', 'activations.deactivate')
    .orderBy('id')
    .execute()) as Array<{ target: string; created_at: number | string }>
  const rows = entries.flatMap(({ target, created_at }) => {
    const slash = target.indexOf('/')
    const id = target.slice(0, slash)
    return slash > 0 && ids.has(id)
      ? [{ activation_id: id, host: target.slice(slash + 1), deactivated_at: Number(created_at) }]
      : []
  })
  for (let i = 0; i < rows.length; i += BATCH)
    await db
      .insertInto('activation_deactivations')
      .values(rows.slice(i, i + BATCH))
      .onConflict((oc) => oc.columns(['activation_id', 'host_key']).doNothing())
      .execute()
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('activation_deactivations').execute()
}
