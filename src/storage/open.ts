import { Kysely } from 'kysely'
import type { Database, Dialect } from './schema.js'

export interface Storage {
  db: Kysely<Database>
  dialect: Dialect
  /** A redacted description for logs (no password). */
  describe: string
  close(): Promise<void>
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url)
}

/**
 * Opens the database named by `url`: a SQLite file path (or `:memory:`) or a `postgres://` URL.
 * A `schema` query parameter on a PostgreSQL URL sets the search_path (tests use one schema per run).
 */
export async function openStorage(url: string): Promise<Storage> {
  if (isPostgresUrl(url)) return openPostgres(url)
  return openSqlite(url)
}

async function openSqlite(file: string): Promise<Storage> {
  const [{ default: SQLite }, { ImmediateSqliteDialect }] = await Promise.all([
    import('better-sqlite3'),
    import('./sqlite/immediate-dialect.js'),
  ])
  const database = new SQLite(file)
  database.pragma('journal_mode = WAL')
  database.pragma('foreign_keys = ON')
  database.pragma('busy_timeout = 5000')
  database.pragma('synchronous = NORMAL')
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database }) })
  return { db, dialect: 'sqlite', describe: `sqlite:${file}`, close: () => db.destroy() }
}

async function openPostgres(url: string): Promise<Storage> {
  const [{ default: pg }, { PostgresDialect }] = await Promise.all([import('pg'), import('kysely')])
  // int8 (bigint) columns hold epoch milliseconds and counts: well inside Number's safe range.
  pg.types.setTypeParser(20, (v) => Number(v))
  const parsed = new URL(url)
  const schema = parsed.searchParams.get('schema')
  parsed.searchParams.delete('schema')
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name: ${schema}`)
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: Number(process.env.LICCTL_PG_POOL ?? 10),
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  })
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  const safe = new URL(parsed.toString())
  safe.password = safe.password ? '***' : ''
  return {
    db,
    dialect: 'postgres',
    describe: safe.toString() + (schema ? ` (schema ${schema})` : ''),
    close: () => db.destroy(),
  }
}
