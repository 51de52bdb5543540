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

/** Statements with more bound parameters than this (a bulk batch's multi-row INSERT) stay unnamed. */
const MAX_NAMED_PARAMETERS = 64
/** Distinct statement texts named in this process; past it, new texts run unnamed. */
const MAX_NAMED_TEXTS = 2000
/** Statement text → its number in this process: the same text has the same name on every connection. */
const numbers = new Map<string, number>()

/** PostgreSQL's refusal to run a prepared statement whose result columns a schema change altered. */
export function isStalePlan(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined
  return e?.code === '0A000' && /cached plan must not change result type/.test(String(e.message))
}

/** The slice of pg's client this needs: Kysely calls `query(text, values)` and awaits it. */
interface QueryingClient {
  query(...args: unknown[]): unknown
  getTransactionStatus?(): string | null
}

/**
 * Runs Kysely's parameterized statements as named prepared statements on this connection, so
 * PostgreSQL parses and plans each text once per connection instead of at every execution. A seat
 * checkout is about fifteen statements: named, PostgreSQL's CPU per checkout went from 3.4–3.7 to
 * 2.0–2.2 ms and checkouts per second from 260–268 to 342–373 (docs/performance.md). Statements without
 * parameters (BEGIN, COMMIT, DDL) and with many (bulk INSERTs, whose texts vary with the batch)
 * run as before.
 *
 * A schema change that alters a prepared statement's result columns (a migration run by another
 * process: `select *` on a table that gained a column) makes PostgreSQL refuse that statement
 * once. The connection then prepares its statements afresh under new names; a statement run
 * outside a transaction is retried at once, and one inside fails its transaction, which the
 * transaction runner retries (contentionOf).
 */
export function nameStatements(client: QueryingClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown
  let generation = 0
  client.query = (...args: unknown[]) => {
    const [text, values, callback] = args
    if (
      typeof text !== 'string' ||
      !Array.isArray(values) ||
      values.length === 0 ||
      values.length > MAX_NAMED_PARAMETERS ||
      callback !== undefined
    )
      return query(...args)
    let number = numbers.get(text)
    if (number === undefined) {
      if (numbers.size >= MAX_NAMED_TEXTS) return query(...args)
      numbers.set(text, (number = numbers.size + 1))
    }
    const named = () => query({ name: `licctl_${number}_${generation}`, text, values }) as Promise<unknown>
    const outside = client.getTransactionStatus?.() === 'I'
    return named().catch((err: unknown) => {
      if (!isStalePlan(err)) throw err
      generation++
      if (outside) return named()
      throw err
    })
  }
}
