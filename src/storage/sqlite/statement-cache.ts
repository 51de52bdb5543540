import type { SqliteDatabase, SqliteStatement } from 'kysely'

/** Distinct SQL texts kept prepared: the services' queries, plus room for multi-row inserts of varying width. */
const DEFAULT_CAPACITY = 500

/**
 * better-sqlite3 with its prepared statements kept, for Kysely. Kysely's SQLite driver prepares
 * every query anew, and preparing (parsing and planning the SQL) cost more than running the
 * statement: 14 % of a seat-checkout profile was `prepare`. A statement is reused by SQL text,
 * least recently used dropped first. Reuse is safe because better-sqlite3 runs a statement to the
 * end synchronously (`all`/`run`); only an open `iterate()` (Kysely's `.stream()`, which licctl
 * does not use) would hold one, and such a statement is then prepared afresh rather than shared.
 */
export function withStatementCache(
  database: SqliteDatabase & {
    prepare(sql: string): SqliteStatement & { busy?: boolean }
    readonly inTransaction: boolean
  },
  capacity = DEFAULT_CAPACITY,
): SqliteDatabase & { readonly inTransaction: boolean } {
  const cache = new Map<string, SqliteStatement & { busy?: boolean }>()
  const touchAbove = Math.floor(capacity * 0.9)
  return {
    get inTransaction() {
      return database.inTransaction
    },
    close: () => {
      cache.clear()
      database.close()
    },
    prepare(sql: string): SqliteStatement {
      const hit = cache.get(sql)
      if (hit !== undefined) {
        if (hit.busy) return database.prepare(sql)
        // Most recently used last (a Map keeps insertion order), once the cache is near its capacity:
        // below that nothing is evicted, so the order does not matter and a hit costs one lookup.
        if (cache.size >= touchAbove) {
          cache.delete(sql)
          cache.set(sql, hit)
        }
        return hit
      }
      const stmt = database.prepare(sql)
      cache.set(sql, stmt)
      if (cache.size > capacity) cache.delete(cache.keys().next().value!)
      return stmt
    },
  }
}
