import { sql, type Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>

/**
 * Activation IDs. The counts are database facts, not just code:
 * - an entitlement's seats are split between `allocated` (the quantities of its active IDs) and
 *   `free`; the CHECK keeps `allocated + free = seats` with neither below zero, so generating an ID
 *   (free → allocated) and returning one (allocated → free) can only move seats, never make or lose
 *   them, and a guarded `WHERE free >= n` cannot be raced past;
 * - an ID's `used` (the seats its hosts hold) stays within its quantity;
 * - each host's row carries its ID's quantity through a composite foreign key that follows the ID
 *   (ON UPDATE CASCADE), so "a host's seats never exceed its ID's quantity" is a CHECK on the row,
 *   and a split that shrank an ID below a host's seats would fail in the database.
 */
export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable('activation_entitlements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('product', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('seats', 'integer', (c) => c.notNull())
    .addColumn('allocated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('free', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('activation_entitlements_org_product', ['org_id', 'product'])
    .addCheckConstraint('activation_entitlements_type', sql`type in ('NL', 'CC')`)
    .addCheckConstraint(
      'activation_entitlements_seats_conserved',
      sql`free >= 0 and allocated >= 0 and allocated + free = seats`,
    )
    .execute()

  await db.schema
    .createTable('activation_ids')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('entitlement_id', 'text', (c) =>
      c.notNull().references('activation_entitlements.id').onDelete('cascade'),
    )
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('returned_at', 'bigint')
    .addUniqueConstraint('activation_ids_id_quantity', ['id', 'quantity'])
    .addCheckConstraint('activation_ids_status', sql`status in ('active', 'inactive')`)
    .addCheckConstraint(
      'activation_ids_used_within_quantity',
      sql`quantity >= 1 and used >= 0 and used <= quantity`,
    )
    // A returned ID holds no seats: its hosts became orphans.
    .addCheckConstraint('activation_ids_inactive_unused', sql`status = 'active' or used = 0`)
    .execute()
  await db.schema.createIndex('activation_ids_org').on('activation_ids').columns(['org_id', 'id']).execute()

  await db.schema
    .createTable('activation_hosts')
    .addColumn('activation_id', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('seats', 'integer', (c) => c.notNull())
    .addColumn('since', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('activation_hosts_pk', ['activation_id', 'host'])
    .addForeignKeyConstraint(
      'activation_hosts_id_quantity',
      ['activation_id', 'quantity'],
      'activation_ids',
      ['id', 'quantity'],
      (fk) => fk.onDelete('cascade').onUpdate('cascade'),
    )
    .addCheckConstraint('activation_hosts_seats_within_quantity', sql`seats >= 1 and seats <= quantity`)
    .execute()

  await db.schema
    .createTable('activation_orphans')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('activation_id', 'text', (c) =>
      c.notNull().references('activation_ids.id').onDelete('cascade'),
    )
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('seats', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('since', 'bigint', (c) => c.notNull())
    .addColumn('cleared_at', 'bigint')
    .addCheckConstraint('activation_orphans_reason', sql`reason in ('return', 'rehost')`)
    .execute()
  await db.schema
    .createIndex('activation_orphans_org_host')
    .on('activation_orphans')
    .columns(['org_id', 'host'])
    .execute()
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('activation_orphans').execute()
  await db.schema.dropTable('activation_hosts').execute()
  await db.schema.dropTable('activation_ids').execute()
  await db.schema.dropTable('activation_entitlements').execute()
}
