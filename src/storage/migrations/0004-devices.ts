import { randomBytes } from 'node:crypto'
import { sql, type Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>

/**
 * Device licenses. The invariants live in the database as well as in the services:
 * - a license is in the pool or on exactly one device: one nullable `device_id`, and a CHECK tying
 *   it to the state (assigned ⇔ device_id set);
 * - a key's licenses never exceed its count: each license of a key has a slot 1..count, unique per
 *   key, with the count carried through a composite foreign key to the key and CHECKed;
 * - racing assigns never consume one license twice: a license is only taken by
 *   `UPDATE … WHERE id = ? AND device_id IS NULL AND state = 'pool'` (services/devices-assign.ts).
 * The issuing secret that signs keys is created here, once, and kept in `meta`.
 */
export async function up(db: Db): Promise<void> {
  await db
    .insertInto('meta')
    .values({ key: 'device_key_secret', value: randomBytes(32).toString('base64url') })
    .execute()

  await db.schema
    .createTable('device_categories')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('models', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('device_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('serial', 'text', (c) => c.notNull().unique())
    .addColumn('category_id', 'text', (c) => c.notNull().references('device_categories.id'))
    .addColumn('term', 'text', (c) => c.notNull().check(sql`term in ('1y', '3y', '5y')`))
    .addColumn('term_days', 'integer', (c) => c.notNull().check(sql`term_days in (365, 1095, 1825)`))
    .addColumn('license_count', 'integer', (c) => c.notNull().check(sql`license_count between 1 and 10000`))
    .addColumn('org_id', 'text', (c) => c.references('organizations.id').onDelete('set null'))
    .addColumn('added_by', 'text')
    .addColumn('added_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('device_keys_id_count', ['id', 'license_count'])
    .addCheckConstraint(
      'device_keys_added_together',
      sql`(org_id is null and added_at is null) or (added_at is not null and added_by is not null)`,
    )
    .execute()

  await db.schema
    .createTable('devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('serial', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('site', 'text')
    .addColumn('model', 'text')
    .addColumn('category_id', 'text', (c) => c.notNull().references('device_categories.id'))
    // The cumulative license: its first day (YYYY-MM-DD in the org's zone) and its term in days.
    .addColumn('license_start', 'text')
    .addColumn('license_days', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('devices_org_serial', ['org_id', 'serial'])
    .addCheckConstraint(
      'devices_cumulative_license',
      sql`(license_start is null and license_days = 0) or (license_start is not null and license_days > 0)`,
    )
    .execute()

  await db.schema
    .createTable('device_licenses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('category_id', 'text', (c) => c.notNull().references('device_categories.id'))
    .addColumn('term', 'text', (c) => c.notNull())
    .addColumn('days', 'integer', (c) => c.notNull().check(sql`days > 0`))
    .addColumn('key_id', 'text')
    .addColumn('key_count', 'integer')
    .addColumn('slot', 'integer')
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pool', 'assigned', 'spent')`))
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
  await db.schema
    .createIndex('device_licenses_pool')
    .on('device_licenses')
    .columns(['org_id', 'category_id', 'state', 'days'])
    .execute()
  await db.schema.createIndex('device_licenses_device').on('device_licenses').column('device_id').execute()

  await db.schema
    .createTable('device_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('assign', 'detach')`))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('licenses', 'text', (c) => c.notNull())
    .addColumn('days', 'integer', (c) => c.notNull())
    .addColumn('valid_until', 'text')
    .addColumn('returned_days', 'integer')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('device_events_device')
    .on('device_events')
    .columns(['device_id', 'id'])
    .execute()

  // Failed key additions per token and window: what keeps the 55-bit tag from being guessed online.
  await db.schema
    .createTable('device_key_failures')
    .addColumn('token_id', 'text', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('device_key_failures_pk', ['token_id', 'window_start'])
    .execute()
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('device_key_failures').execute()
  await db.schema.dropTable('device_events').execute()
  await db.schema.dropTable('device_licenses').execute()
  await db.schema.dropTable('devices').execute()
  await db.schema.dropTable('device_keys').execute()
  await db.schema.dropTable('device_categories').execute()
  await db.deleteFrom('meta').where('key', '=', 'device_key_secret').execute()
}
