import { PostgresAdapter, sql, type Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>

/**
 * The text columns lists order and page by, with where they do. Ids are not here: every id is a
 * prefix and lowercase base32 of one length (domain/ids.ts), which every collation orders alike.
 */
export const BYTE_ORDER_KEYS: ReadonlyArray<readonly [table: string, column: string]> = [
  ['users', 'email'], // members, seat usage, add-on assignments
  ['seat_pools', 'product'], // pools, leases
  ['addon_pools', 'key'], // add-ons, assignments, what a member's removal revokes
  ['devices', 'serial'], // devices
  ['device_categories', 'name'], // categories, the pool's groups
  ['device_keys', 'serial'], // keys (after the day added)
  ['device_licenses', 'name'], // a device's licenses, the pool, which license an assignment takes
  ['activation_entitlements', 'product'], // entitlements
  ['activation_hosts', 'host_key'], // an ID's hosts
  ['activation_orphans', 'host_key'], // orphans
]

/**
 * Lists come out in byte order of their key on both dialects. SQLite compares text bytewise
 * (BINARY); PostgreSQL compares by the database's collation, which for a database created with a
 * language locale (en_US, ICU) puts `alpha` before `Zeta` and weighs `-` and `_` differently, so
 * the same data listed in another order than on SQLite. Each key column gets the "C" collation
 * (byte order, whatever the database's): its indexes and unique constraints are rebuilt with it,
 * and cursors compare by it as the order does. The generated `host_key` columns change too; the
 * `host` they are computed from cannot (PostgreSQL refuses while a generated column uses it), and
 * nothing orders by it. SQLite needs nothing for this.
 *
 * Both dialects: orphans page by (host_key, id), and their index ends on id too, so a page is read
 * in index order instead of sorted. It keeps its name (0010's down drops it by that name).
 */
export async function up(db: Db): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter)
    for (const [table, column] of BYTE_ORDER_KEYS)
      await sql`alter table ${sql.table(table)} alter column ${sql.ref(column)} type text collate "C"`.execute(
        db,
      )
  await orphansIndex(db, ['org_id', 'host_key', 'id'])
}

export async function down(db: Db): Promise<void> {
  await orphansIndex(db, ['org_id', 'host_key'])
  if (db.getExecutor().adapter instanceof PostgresAdapter)
    for (const [table, column] of BYTE_ORDER_KEYS)
      await sql`alter table ${sql.table(table)} alter column ${sql.ref(column)} type text collate "default"`.execute(
        db,
      )
}

async function orphansIndex(db: Db, columns: string[]): Promise<void> {
  // If exists: SQLite runs a migration outside a transaction, and a run stopped between the two
  // statements must be able to run again.
  await db.schema.dropIndex('activation_orphans_org_host_key').ifExists().execute()
  await db.schema
    .createIndex('activation_orphans_org_host_key')
    .on('activation_orphans')
    .columns(columns)
    .execute()
}
