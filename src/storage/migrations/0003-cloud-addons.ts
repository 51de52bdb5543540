import { sql, type Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>

export async function up(db: Db): Promise<void> {
  // `assigned` is kept with `WHERE assigned < total` on assign; the CHECK backs it in the database.
  await db.schema
    .createTable('addon_pools')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('assigned', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('addon_pools_org_key', ['org_id', 'key'])
    .addCheckConstraint('addon_pools_assigned_within_total', sql`assigned >= 0 and assigned <= total`)
    .execute()

  await db.schema
    .createTable('addon_assignments')
    .addColumn('addon_id', 'text', (c) => c.notNull().references('addon_pools.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('assigned_at', 'bigint', (c) => c.notNull())
    .addColumn('assigned_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('addon_assignments_pk', ['addon_id', 'user_id'])
    .execute()
  await db.schema.createIndex('addon_assignments_user').on('addon_assignments').column('user_id').execute()
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('addon_assignments').execute()
  await db.schema.dropTable('addon_pools').execute()
}
