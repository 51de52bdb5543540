import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely'
import { appendAudit } from './audit-append.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>

/**
 * Host names become case-insensitive for activations (RFC 4343): `BUILD-01` and `build-01` are one
 * host. Each host row and orphan gets a `host_key`, its name with A–Z folded to a–z, computed by the
 * database (a generated column: every writer, an older server process too, gets it right), and an
 * ID's hosts are unique by it. The name itself is kept as first typed, for display.
 *
 * Rows of one ID whose hosts differ only by case (activated before this) are one host: they are
 * merged into the first activated (its name and since are kept). A CC host keeps the seats of all
 * of them, as activating twice on one host adds up; an NL host holds one seat, so the ID's extra
 * seats go back to it (its `used` drops by them). Each merge is an audit entry
 * (`activations.hosts.merge`, actor `migration`, target `<id>/<host>`) listing every row merged
 * with its name, seats and since, and the ID's used before and after: nothing is lost.
 */
export async function up(db: Db): Promise<void> {
  // PostgreSQL runs each migration in a transaction; SQLite's migrator does not: this one is all or nothing.
  if (db.isTransaction) await apply(db as Transaction<unknown> as Db)
  else await db.transaction().execute((trx) => apply(trx))
}

function isPostgres(db: Db): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter
}

async function apply(db: Db): Promise<void> {
  const pg = isPostgres(db)
  // The same fold as domain/host-name.ts: only A–Z. PostgreSQL's lower() would fold other letters
  // too (by locale); SQLite's built-in lower() folds ASCII alone.
  const key = pg
    ? sql`translate(host, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`
    : sql`lower(host)`
  for (const table of ['activation_hosts', 'activation_orphans'])
    await db.schema
      .alterTable(table)
      .addColumn('host_key', 'text', (c) => {
        const generated = c.generatedAlwaysAs(key)
        // SQLite adds only virtual generated columns to a table; PostgreSQL has only stored ones.
        return pg ? generated.stored() : generated
      })
      .execute()

  await mergeCaseDuplicates(db)

  await db.schema
    .createIndex('activation_hosts_host_key')
    .on('activation_hosts')
    .columns(['activation_id', 'host_key'])
    .unique()
    .execute()
  await db.schema.dropIndex('activation_orphans_org_host').execute()
  await db.schema
    .createIndex('activation_orphans_org_host_key')
    .on('activation_orphans')
    .columns(['org_id', 'host_key'])
    .execute()
}

interface HostRow {
  activation_id: string
  host: string
  host_key: string
  seats: number
  since: number | string
}

async function mergeCaseDuplicates(db: Db): Promise<void> {
  const groups = (await db
    .selectFrom('activation_hosts')
    .select(['activation_id', 'host_key'])
    .groupBy(['activation_id', 'host_key'])
    .having((eb) => eb.fn.countAll(), '>', 1)
    .orderBy('activation_id')
    .orderBy('host_key')
    .execute()) as Array<{ activation_id: string; host_key: string }>
  const now = Date.now()
  for (const g of groups) {
    const rows = (
      (await db
        .selectFrom('activation_hosts')
        .select(['activation_id', 'host', 'host_key', 'seats', 'since'])
        .where('activation_id', '=', g.activation_id)
        .where('host_key', '=', g.host_key)
        .execute()) as HostRow[]
    )
      .map((r) => ({ ...r, since: Number(r.since) }))
      .sort((a, b) => a.since - b.since || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0))
    const id = (await db
      .selectFrom('activation_ids')
      .innerJoin('activation_entitlements', 'activation_entitlements.id', 'activation_ids.entitlement_id')
      .select(['activation_ids.org_id', 'activation_ids.used', 'activation_entitlements.type'])
      .where('activation_ids.id', '=', g.activation_id)
      .executeTakeFirstOrThrow()) as { org_id: string; used: number; type: 'NL' | 'CC' }
    const kept = rows[0]!
    const total = rows.reduce((n, r) => n + r.seats, 0)
    const seats = id.type === 'NL' ? 1 : total
    const freed = total - seats
    for (const r of rows.slice(1))
      await db
        .deleteFrom('activation_hosts')
        .where('activation_id', '=', r.activation_id)
        .where('host', '=', r.host)
        .execute()
    await db
      .updateTable('activation_hosts')
      .set({ seats })
      .where('activation_id', '=', kept.activation_id)
      .where('host', '=', kept.host)
      .execute()
    if (freed > 0)
      await db
        .updateTable('activation_ids')
        .set((eb) => ({ used: eb('used', '-', freed) }))
        .where('id', '=', g.activation_id)
        .execute()
    await appendAudit(db, {
      org_id: id.org_id,
      action: 'activations.hosts.merge',
      target: `${g.activation_id}/${kept.host}`,
      before: {
        used: id.used,
        hosts: rows.map((r) => ({ host: r.host, seats: r.seats, since: new Date(r.since).toISOString() })),
      },
      after: { used: id.used - freed, host: kept.host, seats },
      now,
    })
  }
}

/** The case-insensitive keys go; merged rows stay merged (their history is in the audit log). */
export async function down(db: Db): Promise<void> {
  await db.schema.dropIndex('activation_orphans_org_host_key').execute()
  await db.schema
    .createIndex('activation_orphans_org_host')
    .on('activation_orphans')
    .columns(['org_id', 'host'])
    .execute()
  await db.schema.dropIndex('activation_hosts_host_key').execute()
  for (const table of ['activation_hosts', 'activation_orphans'])
    await db.schema.alterTable(table).dropColumn('host_key').execute()
}
