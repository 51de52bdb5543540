import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>

const BEFORE = ['pool', 'assigned', 'spent'] as const
const AFTER = [...BEFORE, 'retired'] as const

/**
 * Device licenses get a fourth state, `retired`: a pool license whose key's last day to be assigned
 * has passed, written off by an admin (`devices keys retire`). Until then such a license can never
 * be assigned, yet `expiry check` must keep reporting it (someone has to notice); once retired it
 * is neither in the pool nor reported. Only the state's CHECK changes. PostgreSQL alters it;
 * SQLite cannot alter a CHECK, so the table is rebuilt as 0004 made it (nothing references it).
 */
export async function up(db: Db): Promise<void> {
  await allowStates(db, AFTER)
}

/** Retired licenses go back to the pool (still past their key's last day, so still unassignable). */
export async function down(db: Db): Promise<void> {
  await db.updateTable('device_licenses').set({ state: 'pool' }).where('state', '=', 'retired').execute()
  await allowStates(db, BEFORE)
}

async function allowStates(db: Db, states: readonly string[]): Promise<void> {
  const check = sql`state in (${sql.join(states.map((s) => sql.lit(s)))})`
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    // The column's CHECK as 0004 named it (PostgreSQL's `<table>_<column>_check`), or as this one does.
    await sql`alter table device_licenses drop constraint if exists device_licenses_state_check`.execute(db)
    await sql`alter table device_licenses drop constraint if exists device_licenses_state`.execute(db)
    await sql`alter table device_licenses add constraint device_licenses_state check (${check})`.execute(db)
    return
  }
  // Kysely runs SQLite migrations outside a transaction (it takes DDL as non-transactional); SQLite's
  // DDL is transactional, and a rebuild stopped between the drop and the rename would lose the table.
  await db.transaction().execute((trx) => rebuild(trx, check))
}

/** SQLite: the table as 0004 made it, with `check` for its state, and every row copied over. */
async function rebuild(db: Db, check: RawBuilder<unknown>): Promise<void> {
  await db.schema
    .createTable('device_licenses_rebuilt')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('category_id', 'text', (c) => c.notNull().references('device_categories.id'))
    .addColumn('term', 'text', (c) => c.notNull())
    .addColumn('days', 'integer', (c) => c.notNull().check(sql`days > 0`))
    .addColumn('key_id', 'text')
    .addColumn('key_count', 'integer')
    .addColumn('slot', 'integer')
    .addColumn('state', 'text', (c) => c.notNull().check(check))
    .addColumn('device_id', 'text', (c) => c.references('devices.id'))
    .addColumn('assigned_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addForeignKeyConstraint('device_licenses_key', ['key_id', 'key_count'], 'device_keys', [
      'id',
      'license_count',
    ])
    .addUniqueConstraint('device_licenses_key_slot', ['key_id', 'slot'])
    .addCheckConstraint(
      'device_licenses_slot_within_count',
      sql`(key_id is null and key_count is null and slot is null) or (key_id is not null and slot between 1 and key_count)`,
    )
    .addCheckConstraint(
      'device_licenses_pool_or_one_device',
      sql`(state = 'assigned' and device_id is not null and assigned_at is not null) or (state <> 'assigned' and device_id is null)`,
    )
    .execute()
  const columns = sql.raw(
    'id, name, org_id, category_id, term, days, key_id, key_count, slot, state, device_id, assigned_at, expires_at, created_at',
  )
  await sql`insert into device_licenses_rebuilt (${columns}) select ${columns} from device_licenses`.execute(
    db,
  )
  await db.schema.dropTable('device_licenses').execute()
  await db.schema.alterTable('device_licenses_rebuilt').renameTo('device_licenses').execute()
  await db.schema
    .createIndex('device_licenses_pool')
    .on('device_licenses')
    .columns(['org_id', 'category_id', 'state', 'days'])
    .execute()
  await db.schema.createIndex('device_licenses_device').on('device_licenses').column('device_id').execute()
}
