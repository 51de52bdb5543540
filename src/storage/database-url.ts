/**
 * What a `--db` value names, with nothing loaded: the server commands check it before they open
 * anything (storage/open.ts opens it). A `postgres://` (or `postgresql://`) URL is PostgreSQL;
 * anything else is a SQLite file, or SQLite's in-memory database (`:memory:`, or the empty name).
 */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url)
}

/** A schema name licctl puts in the search_path unquoted (`?schema=`): PostgreSQL's folded form. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/

/**
 * What is wrong with a `--db` PostgreSQL URL before anything connects (a URL that does not parse, a
 * `schema` licctl cannot use), or undefined. Anything else is left to the database.
 */
export function databaseUrlProblem(db: string): string | undefined {
  if (!isPostgresUrl(db)) return undefined
  let url: URL
  try {
    url = new URL(db)
  } catch {
    return 'not a valid postgres:// URL (postgres://user:password@host:5432/database?schema=name)'
  }
  const schema = url.searchParams.get('schema')
  if (schema !== null && !SCHEMA_NAME.test(schema))
    return `schema '${schema}' is not a name licctl can use: lowercase letters, digits and _, not starting with a digit`
  return undefined
}

/** The file a `--db` value names on disk: none for a PostgreSQL URL or an in-memory SQLite database. */
export function sqliteFileOf(db: string): string | undefined {
  return isPostgresUrl(db) || db === ':memory:' || db === '' ? undefined : db
}

/**
 * A `--db` value fit to print or log: a PostgreSQL URL with its password masked, whether in the user
 * part (`postgres://licctl:secret@…`) or in a `password` parameter (`?password=secret`, which libpq
 * and node-postgres accept as well). Anything else is returned as it is.
 */
export function redactDatabaseUrl(db: string): string {
  if (!isPostgresUrl(db)) return db
  let url: URL
  try {
    url = new URL(db)
  } catch {
    return 'postgres://***'
  }
  if (url.password) url.password = '***'
  for (const name of ['password', 'sslpassword'])
    if (url.searchParams.has(name)) url.searchParams.set(name, '***')
  return url.toString()
}
