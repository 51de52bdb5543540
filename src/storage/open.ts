import { Kysely, sql } from 'kysely'
import type { Pool } from 'pg'
import { isPostgresUrl, redactDatabaseUrl, SCHEMA_NAME, sqliteFileOf } from './database-url.js'
import type { Database, Dialect } from './schema.js'

export interface Storage {
  db: Kysely<Database>
  dialect: Dialect
  /** PostgreSQL only: the pool size and statement timeout in force (null on SQLite). */
  pool: { max: number; statementTimeoutMs: number } | null
  /** A redacted description for logs (no password). */
  describe: string
  close(): Promise<void>
}

export { isPostgresUrl } from './database-url.js'

export interface StorageOptions {
  /** PostgreSQL: connections in this process's pool (default LICCTL_PG_POOL, else 10). */
  poolSize?: number | undefined
  /**
   * PostgreSQL: a statement running longer is cancelled by the database, so a stuck query frees its
   * connection (default 0: none — migrations may wait on each other's lock; `server start` sets 30 s).
   */
  statementTimeoutMs?: number | undefined
  /**
   * SQLite: WAL checkpoints on a worker thread instead of inside the commits of this connection (see
   * startCheckpointer). For a long-running server; a one-off command has nothing to gain from it.
   * `intervalMs`: how often the worker checkpoints (100 ms by default).
   */
  checkpointInBackground?: boolean | { intervalMs: number } | undefined
  /**
   * PostgreSQL: create the URL's `schema` when it does not exist (`server init`, which creates the
   * database: the schema is a PostgreSQL database's place for licctl, as the file is SQLite's).
   * Without it a missing schema is refused (SchemaUnavailable).
   */
  createSchema?: boolean | undefined
}

/**
 * The PostgreSQL schema a `--db` URL names cannot be used: it does not exist (`missing`), or it does
 * not and the role may not create it (`not_permitted`: no CREATE privilege on the database), or it
 * exists and the role lacks a privilege on it (`lacks_privilege`: USAGE, which every command needs,
 * or CREATE, which `server init` needs to create its tables, and a migration that creates one). The
 * command line says which, and what to run.
 */
export class SchemaUnavailable extends Error {
  constructor(
    readonly reason: 'missing' | 'not_permitted' | 'lacks_privilege',
    readonly schema: string,
    /** The role connecting and its database, for the statement that creates the schema. */
    readonly role: string,
    readonly database: string,
    /** The privileges on the schema the role lacks (`lacks_privilege`). */
    readonly lacking: ReadonlyArray<'USAGE' | 'CREATE'> = [],
  ) {
    super(
      reason === 'missing'
        ? `PostgreSQL schema ${schema} does not exist`
        : reason === 'not_permitted'
          ? `PostgreSQL schema ${schema} does not exist, and role ${role} may not create it (no CREATE privilege on database ${database})`
          : `PostgreSQL schema ${schema} exists, but role ${role} may not ${lacking.map((p) => (p === 'USAGE' ? 'use it' : 'create tables in it')).join(' nor ')} (no ${lacking.join(' or ')} privilege on schema ${schema})`,
    )
    this.name = 'SchemaUnavailable'
  }
}

export const DEFAULT_POOL_SIZE = 10

/**
 * Runs a first query, so that a database that cannot be reached (refused, unknown role or database)
 * is reported as such, naming it (password masked), rather than by the driver's bare message.
 */
export async function assertReachable(storage: Storage): Promise<void> {
  await sql`select 1`.execute(storage.db).catch((err: unknown) => {
    throw new Error(`cannot open database ${storage.describe}: ${(err as Error).message}`)
  })
}

/**
 * Opens the database named by `url`: a SQLite file path (or `:memory:`) or a `postgres://` URL.
 * A `schema` query parameter on a PostgreSQL URL sets the search_path (tests use one schema per run).
 */
export async function openStorage(url: string, opts: StorageOptions = {}): Promise<Storage> {
  if (isPostgresUrl(url)) return openPostgres(url, opts)
  return openSqlite(url, opts)
}

function envNumber(name: string): number | undefined {
  const v = process.env[name]
  if (v === undefined || v === '') return undefined
  if (!/^\d+$/.test(v)) throw new Error(`${name} must be a whole number, not '${v}'`)
  return Number(v)
}

async function openSqlite(file: string, opts: StorageOptions): Promise<Storage> {
  const [
    { default: SQLite },
    { GroupCommitSqliteDialect },
    { withStatementCache },
    { startCheckpointer },
    { createPrivateFile },
  ] = await Promise.all([
    import('better-sqlite3'),
    import('./sqlite/group-commit-driver.js'),
    import('./sqlite/statement-cache.js'),
    import('./sqlite/checkpointer.js'),
    import('./private-file.js'),
  ])
  // A new database is its owner's alone (0600), and so are the -wal and -shm files SQLite makes
  // beside it (with the database file's mode); one that exists keeps the mode its owner gave it.
  const onDisk = sqliteFileOf(file)
  if (onDisk !== undefined) createPrivateFile(onDisk)
  const database = new SQLite(file)
  database.pragma('journal_mode = WAL')
  database.pragma('foreign_keys = ON')
  database.pragma('busy_timeout = 5000')
  database.pragma('synchronous = NORMAL')
  // Each transaction is a savepoint of a group's (GroupCommitDriver): its rollback journal in memory,
  // not in a temporary file written on every change.
  database.pragma('temp_store = MEMORY')
  const checkpointer =
    opts.checkpointInBackground && file !== ':memory:'
      ? startCheckpointer(
          database,
          file,
          typeof opts.checkpointInBackground === 'object'
            ? opts.checkpointInBackground.intervalMs
            : undefined,
        )
      : undefined
  // Reads outside a transaction get a connection of their own (see GroupCommitDriver); an
  // in-memory database is private to its one connection.
  const inMemory = onDisk === undefined
  const reader = inMemory ? undefined : new SQLite(file, { readonly: true })
  reader?.pragma('busy_timeout = 5000')
  const db = new Kysely<Database>({
    dialect: new GroupCommitSqliteDialect({
      file: inMemory ? undefined : file,
      writer: withStatementCache(database),
      reader: reader && withStatementCache(reader),
    }),
  })
  return {
    db,
    dialect: 'sqlite',
    pool: null,
    describe: `sqlite:${file}`,
    close: async () => {
      await checkpointer?.stop()
      await db.destroy()
    },
  }
}

async function openPostgres(url: string, opts: StorageOptions): Promise<Storage> {
  const [{ default: pg }, { LicctlPostgresDialect, nameStatements }] = await Promise.all([
    import('pg'),
    import('./pg-dialect.js'),
  ])
  // int8 (bigint) columns hold epoch milliseconds and counts: well inside Number's safe range.
  pg.types.setTypeParser(20, (v) => Number(v))
  const parsed = new URL(url)
  const schema = parsed.searchParams.get('schema')
  parsed.searchParams.delete('schema')
  if (schema && !SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name: ${schema}`)
  const max = opts.poolSize ?? envNumber('LICCTL_PG_POOL') ?? DEFAULT_POOL_SIZE
  if (max < 1) throw new Error('the PostgreSQL pool needs at least 1 connection')
  const statementTimeoutMs = opts.statementTimeoutMs ?? 0
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max,
    // A database that does not answer fails the request (503) instead of queueing it forever.
    connectionTimeoutMillis: 5_000,
    // Set by the server on each connection (the session's statement_timeout): 0 means none.
    statement_timeout: statementTimeoutMs,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  })
  // A broken idle connection (the database restarted) is dropped by the pool; without a listener
  // its 'error' event would crash the process.
  pool.on('error', () => {})
  // The pool listens for a connection's errors only while it is idle. One that breaks while checked
  // out between two statements (a stopping PostgreSQL sends 57P01 to every session) emits 'error'
  // on the client itself: without this listener the process would crash. Its next query fails
  // (503 unavailable) and the pool drops it when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => {})
    nameStatements(client)
  })
  // A schema that does not exist leaves the search_path empty: PostgreSQL's own error ("no schema has
  // been selected to create in") names neither the schema nor the way out. `server init` creates it
  // (createSchema); the other commands refuse it. A database that cannot be reached is left for the
  // first query to report.
  if (schema) {
    const problem = await schemaProblem(pool, schema, opts.createSchema === true).catch(
      (err: unknown) => err as Error,
    )
    if (problem) {
      await pool.end()
      throw problem
    }
  }
  const db = new Kysely<Database>({ dialect: new LicctlPostgresDialect({ pool }) })
  return {
    db,
    dialect: 'postgres',
    pool: { max, statementTimeoutMs },
    describe: redactDatabaseUrl(parsed.toString()) + (schema ? ` (schema ${schema})` : ''),
    close: () => db.destroy(),
  }
}

/** SQLSTATEs of `create schema if not exists` losing a race to another session creating it. */
const SCHEMA_CREATED_MEANWHILE = new Set(['42P06', '23505'])
/** SQLSTATE insufficient_privilege. */
const INSUFFICIENT_PRIVILEGE = '42501'

/**
 * Why `schema` cannot be used, after creating it when `create` says so and it is missing; undefined
 * when it is there (or the database cannot be reached: the first query reports that). A failure to
 * create it other than a missing privilege is thrown, naming the schema. `schema` is a SCHEMA_NAME,
 * safe unquoted, and the very name the search_path gives PostgreSQL.
 */
async function schemaProblem(
  pool: Pool,
  schema: string,
  create: boolean,
): Promise<SchemaUnavailable | undefined> {
  const who = async () =>
    (
      await pool.query<{ role: string; database: string }>(
        'select current_user as role, current_database() as database',
      )
    ).rows[0]!
  // Without USAGE on it the search_path skips the schema as if it were missing ("no schema has been
  // selected to create in"); without CREATE, init's first table is "permission denied for schema".
  // CREATE counts only in an empty schema: in one holding tables init finds what they are (licctl's,
  // already initialized; another application's) and says so, as it did before this check.
  const found = await pool
    .query<{ usage: boolean; create: boolean }>(
      `select has_schema_privilege(n.oid, 'USAGE') as usage,
              has_schema_privilege(n.oid, 'CREATE')
                or exists (select 1 from pg_class c where c.relnamespace = n.oid) as create
         from pg_namespace n where n.nspname = $1`,
      [schema],
    )
    .then(
      (r) => r.rows[0] ?? null,
      () => undefined,
    )
  if (found === undefined) return undefined
  if (found) {
    const lacking = [
      ...(found.usage ? [] : (['USAGE'] as const)),
      ...(create && !found.create ? (['CREATE'] as const) : []),
    ]
    if (lacking.length === 0) return undefined
    const { role, database } = await who()
    return new SchemaUnavailable('lacks_privilege', schema, role, database, lacking)
  }
  if (!create) {
    const { role, database } = await who()
    return new SchemaUnavailable('missing', schema, role, database)
  }
  try {
    await pool.query(`create schema if not exists ${schema}`)
    return undefined
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (typeof code === 'string' && SCHEMA_CREATED_MEANWHILE.has(code)) return undefined
    if (code !== INSUFFICIENT_PRIVILEGE)
      throw new Error(`cannot create PostgreSQL schema ${schema}: ${(err as Error).message}`, { cause: err })
    const { role, database } = await who()
    return new SchemaUnavailable('not_permitted', schema, role, database)
  }
}
