/**
 * What a `--db` value names, with nothing loaded: the server commands check it before they open
 * anything (storage/open.ts opens it). A `postgres://` (or `postgresql://`) URL is PostgreSQL;
 * anything else is a SQLite file, or SQLite's in-memory database (`:memory:`, or the empty name).
 */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url)
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
