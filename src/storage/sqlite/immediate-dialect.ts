import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  type SqliteDialectConfig,
  type SqliteStatement,
} from 'kysely'

/** Statements kept prepared per database: more than the distinct statements the server runs. */
const CACHED_STATEMENTS = 500

/**
 * Kysely's SQLite driver prepares every query afresh. Preparing costs as much as running a short
 * statement, and a bulk batch's multi-row INSERT (a thousand rows of ten or more columns) takes
 * milliseconds to prepare; the same SQL text comes back with every request. This keeps the
 * prepared statements by their SQL text (least recently used dropped first) and hands out a fresh
 * one while a cached one is still being iterated. SQLite re-prepares a cached statement by itself
 * when the schema changes (migrations).
 */
export function cachingStatements(database: SqliteDatabase, size = CACHED_STATEMENTS): SqliteDatabase {
  const cache = new Map<string, SqliteStatement & { busy?: boolean }>()
  return {
    close: () => {
      cache.clear()
      database.close()
    },
    prepare(sql: string): SqliteStatement {
      const hit = cache.get(sql)
      if (hit && !hit.busy) {
        // Most recently used last: Map keeps insertion order.
        cache.delete(sql)
        cache.set(sql, hit)
        return hit
      }
      const stmt = database.prepare(sql)
      if (hit) return stmt
      cache.set(sql, stmt)
      if (cache.size > size) cache.delete(cache.keys().next().value!)
      return stmt
    },
  }
}

/**
 * SQLite transactions that take the write lock when they begin (`BEGIN IMMEDIATE`). Kysely begins
 * deferred transactions, which read first and fail with SQLITE_BUSY when they then try to write
 * while another process holds the lock (busy_timeout does not apply to that upgrade). Beginning
 * immediately makes a second server process on the same file wait its turn instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig
  constructor(config: SqliteDialectConfig) {
    super(config)
    this.#config = config
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config)
  }
}
