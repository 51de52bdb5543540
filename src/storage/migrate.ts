import { PostgresAdapter, sql, type Kysely } from 'kysely'
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration'
import { migrations } from './migrations/index.js'
import { SchemaUnavailable } from './open.js'
import type { Database } from './schema.js'

// Migrations are imported statically, so dist/ and the TypeScript sources run the same list.
const provider: MigrationProvider = { getMigrations: async () => migrations as Record<string, Migration> }

export interface MigrationReport {
  applied: string[]
  current: string | null
}

/**
 * The migrator, bound to the schema this connection works in. Kysely looks for its migration table
 * in every schema of a PostgreSQL database unless told which one: with two licctl schemas in one
 * database (staging beside production, or one schema per test run) it would find the other's
 * table, skip creating its own, and fail. The current schema (the search_path's) is the one.
 */
async function migratorFor(db: Kysely<Database>): Promise<Migrator> {
  let migrationTableSchema: string | undefined
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
    migrationTableSchema = rows[0]?.schema
  }
  return new Migrator({
    db,
    provider,
    migrationTableName: 'licctl_migrations',
    migrationLockTableName: 'licctl_migrations_lock',
    // Topics land independently and their migrations are numbered when they are planned, not when
    // they land (0004-devices arrived after 0005-activations): a database that already ran a later
    // number must still take an earlier one. Each migration only touches its own tables.
    allowUnorderedMigrations: true,
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  })
}

export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationReport> {
  const migrator = await migratorFor(db)
  const { error, results } = await migrator.migrateToLatest()
  if (error)
    throw (await schemaRefusal(db, error)) ?? (error instanceof Error ? error : new Error(String(error)))
  const all = await migrator.getMigrations()
  const executed = all.filter((m) => m.executedAt)
  return {
    applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
    current: executed.at(-1)?.name ?? null,
  }
}

/** SQLSTATE insufficient_privilege. */
const INSUFFICIENT_PRIVILEGE = '42501'

/**
 * A migration refused because licctl's tables belong to another PostgreSQL role than the one
 * connecting: only a table's owner (or a member of its role) may alter it, and a migration alters
 * them. A deployment where an owner role ran `server init` and the servers connect as a role with
 * only read/write grants upgrades with `server migrate` run as the owner.
 */
export class TablesNotOwned extends Error {
  constructor(
    readonly schema: string,
    /** The role connecting. */
    readonly role: string,
    /** The roles owning tables of the schema that `role` may not act as. */
    readonly owners: string[],
  ) {
    super(
      `role ${role} may not migrate PostgreSQL schema ${schema}: its tables belong to role ${owners.join(', ')}, and only their owner may alter them`,
    )
    this.name = 'TablesNotOwned'
  }
}

/**
 * A migration refused for the privileges of the role connecting, said as what to do instead of
 * PostgreSQL's bare "permission denied for schema" or "must be owner of table": a schema it may not
 * create tables in (USAGE but no CREATE: a deployment that revoked it after `server init`), refused
 * as `server init` refuses that schema up front (SchemaUnavailable, exit 4, with the grant to run);
 * or tables another role owns (TablesNotOwned). Only when the privilege is what is refused: a
 * migration that only alters the role's own tables needs no CREATE, so none is asked for before
 * trying. Nothing was applied: PostgreSQL runs the migrations in one transaction.
 */
async function schemaRefusal(
  db: Kysely<Database>,
  error: unknown,
): Promise<SchemaUnavailable | TablesNotOwned | undefined> {
  if ((error as { code?: unknown }).code !== INSUFFICIENT_PRIVILEGE) return undefined
  const { rows } = await sql<{
    schema: string | null
    role: string
    database: string
    create: boolean | null
    owners: string[] | null
  }>`
    select current_schema() as schema, current_user as role, current_database() as database,
           has_schema_privilege(current_schema(), 'CREATE') as create,
           (select array_agg(distinct pg_get_userbyid(c.relowner)::text order by pg_get_userbyid(c.relowner)::text)
              from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = current_schema() and c.relkind in ('r', 'p')
               and not pg_has_role(c.relowner, 'USAGE')) as owners`
    .execute(db)
    .catch(() => ({ rows: [] }))
  const found = rows[0]
  if (!found?.schema) return undefined
  if (found.create === false)
    return new SchemaUnavailable('lacks_privilege', found.schema, found.role, found.database, ['CREATE'])
  if (found.owners?.length) return new TablesNotOwned(found.schema, found.role, found.owners)
  return undefined
}

export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const migrator = await migratorFor(db)
  return (await migrator.getMigrations()).filter((m) => !m.executedAt).map((m) => m.name)
}

/**
 * Another application's tables in the database (its current schema, on PostgreSQL) that `--db`
 * names, or none: none when licctl's migration table is there, or when the database is empty.
 * `server init` and `server migrate` refuse such a database rather than add licctl's tables to it
 * (a mistyped `--db` that names another application's SQLite file or schema).
 */
export async function foreignTables(db: Kysely<Database>): Promise<string[]> {
  const { rows } =
    db.getExecutor().adapter instanceof PostgresAdapter
      ? await sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema() order by 1`.execute(db)
      : await sql<{ name: string }>`select name from sqlite_master
          where type = 'table' and name not like 'sqlite!_%' escape '!' order by 1`.execute(db)
  const names = rows.map((r) => r.name)
  // The lock table alone: another `server migrate` is creating licctl's tables right now.
  return names.includes('licctl_migrations') ? [] : names.filter((n) => n !== 'licctl_migrations_lock')
}
