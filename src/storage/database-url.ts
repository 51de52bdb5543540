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
