import {
  PostgresDialect,
  PostgresIntrospector,
  sql,
  type DatabaseIntrospector,
  type Kysely,
  type TableMetadata,
} from 'kysely'

/**
 * Kysely's PostgreSQL introspector lists the tables of every schema in the database and passes each
 * schema's name to has_schema_privilege(), which looks the name up afresh: a schema dropped after
 * the query's snapshot (another licctl schema in the same database, or a test run's, dropped
 * meanwhile) fails it with "schema … does not exist". Kysely's migrator asks the introspector only
 * whether its own two tables exist, so this one lists the tables of the current schema alone (the
 * search_path's, where licctl keeps everything), by name and kind, without columns.
 */
export class CurrentSchemaIntrospector extends PostgresIntrospector {
  readonly #db: Kysely<unknown>

  constructor(db: Kysely<unknown>) {
    super(db)
    this.#db = db
  }

  override async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, n.nspname as schema, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'p', 'v', 'm', 'f')
      order by c.relname`.execute(this.#db)
    return rows.map((r) => ({
      name: r.name,
      schema: r.schema,
      isView: r.kind === 'v' || r.kind === 'm',
      isForeign: r.kind === 'f',
      columns: [],
    }))
  }
}

/** PostgresDialect with the introspector above. */
export class LicctlPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db)
  }
}
