import { sql, type Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>

export async function up(db: Db): Promise<void> {
  // `used` counts leases; the CHECK makes "never more leases than seats" a database fact, and
  // checkout increments it with `WHERE used < seats`, so no race can overbook a pool.
  await db.schema
    .createTable('seat_pools')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('product', 'text', (c) => c.notNull())
    .addColumn('seats', 'integer', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_ttl_seconds', 'integer', (c) => c.notNull())
    .addColumn('max_roaming_seconds', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('seat_pools_org_product', ['org_id', 'product'])
    .addCheckConstraint('seat_pools_used_within_seats', sql`used >= 0 and used <= seats`)
    .execute()

  await db.schema
    .createTable('leases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('pool_id', 'text', (c) => c.notNull().references('seat_pools.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('last_heartbeat_at', 'bigint', (c) => c.notNull())
    .addColumn('roaming_until', 'bigint')
    .addUniqueConstraint('leases_pool_user_host', ['pool_id', 'user_id', 'host'])
    .execute()
  await db.schema.createIndex('leases_user').on('leases').column('user_id').execute()
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('leases').execute()
  await db.schema.dropTable('seat_pools').execute()
}
