import { resolve } from 'node:path'
import {
  CompiledQuery,
  SelectQueryNode,
  SqliteAdapter,
  SqliteDialect,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type QueryResult,
  type SqliteDatabase,
} from 'kysely'

/**
 * The SQLite driver of the server: one connection that writes, one that reads, and group commit.
 *
 * SQLite has one writer at a time, and on this connection every transaction used to commit on its
 * own: a seat checkout's COMMIT (writing its ~16 pages to the WAL) was over half of its SQLite time
 * and a fifth of the server's CPU. Here concurrent write transactions share one SQLite transaction:
 *
 * - Each of them (a *member*) runs in a savepoint of the group's transaction, one member at a time,
 *   in the order they began. The first member begins it `BEGIN IMMEDIATE`: it takes the write lock
 *   at once, so a second process on the file waits its turn (busy_timeout) instead of failing with
 *   SQLITE_BUSY when a deferred transaction that has read tries to write.
 * - When a member is done its savepoint is released, and the group passes to the next member
 *   waiting to begin; when none is waiting (or the group is full), the group commits, once, for all.
 * - A member's commit resolves only when its group has committed: no caller is answered before its
 *   change is durable. A member that fails rolls back to its savepoint: only its own change goes,
 *   and the others commit. If the group's COMMIT fails, every member of it fails with that error
 *   (and nothing of theirs stays).
 *
 * Reads outside a transaction go to a second, read-only connection: in WAL mode it sees the last
 * committed state, never a group's pending one, and it never waits for the writer (an authenticated
 * request's token lookup would otherwise queue behind every write). A write outside a transaction is
 * a member of its own. An in-memory database (one connection by nature) keeps the old behaviour:
 * reads and writes take turns and every transaction commits by itself.
 */
export interface GroupCommitConfig {
  /** The database's file (absent in memory): other writers of this process on it are counted. */
  file?: string | undefined
  /** The connection that writes (the database's file, or `:memory:`). */
  writer: SqliteDatabase & { readonly inTransaction?: boolean }
  /** A read-only connection to the same file; absent for an in-memory database. */
  reader?: SqliteDatabase | undefined
  /** Members in one group at most: the wait of the first one is bounded. */
  maxMembers?: number | undefined
}

/** What the tests read: how many COMMITs the members' transactions took. */
export interface GroupCommitStats {
  groups: number
  members: number
}

const DEFAULT_MAX_MEMBERS = 64

/** Open GroupCommitDrivers of this process per database file. */
const writersOf = new Map<string, number>()
const MEMBER = 'licctl_member'

/** A FIFO lock: the writer is used by one member (or one statement) at a time. */
class Turn {
  #held = false
  readonly #waiting: Array<() => void> = []

  get held(): boolean {
    return this.#held
  }

  get waiting(): number {
    return this.#waiting.length
  }

  /** Takes the turn if it is free, at once. */
  tryTake(): boolean {
    if (this.#held) return false
    this.#held = true
    return true
  }

  async take(): Promise<void> {
    if (!this.#held) {
      this.#held = true
      return
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve))
  }

  /** Hands the turn to the next waiter, if any (it stays held), or frees it. */
  pass(): void {
    const next = this.#waiting.shift()
    if (next) next()
    else this.#held = false
  }
}

interface Group {
  /** Settles when the group's COMMIT has run: resolved, or rejected with its error. */
  committed: Promise<void>
  resolve(): void
  reject(err: unknown): void
  /** Members whose change is in the group (released savepoints). */
  kept: number
  /** Members that have begun in it. */
  begun: number
  /** Set when SQLite rolled the whole transaction back under a member (an I/O error, say). */
  lost?: unknown
}

function newGroup(): Group {
  let resolve!: () => void
  let reject!: (err: unknown) => void
  const committed = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)))
  // Members that rolled back do not wait for it: a failed COMMIT must not surface as unhandled.
  committed.catch(() => {})
  return { committed, resolve, reject, kept: 0, begun: 0 }
}

function run(db: SqliteDatabase, query: CompiledQuery): QueryResult<unknown> {
  const stmt = db.prepare(query.sql)
  if (stmt.reader) return { rows: stmt.all(query.parameters) as unknown[] }
  const { changes, lastInsertRowid } = stmt.run(query.parameters)
  return { insertId: BigInt(lastInsertRowid), numAffectedRows: BigInt(changes), rows: [] }
}

const raw = (sql: string) => CompiledQuery.raw(sql)
const BEGIN = raw('begin immediate')
const COMMIT = raw('commit')
const ROLLBACK = raw('rollback')
const SAVEPOINT = raw(`savepoint ${MEMBER}`)
const RELEASE = raw(`release ${MEMBER}`)
const ROLLBACK_TO = raw(`rollback to ${MEMBER}`)

/** A statement that only reads: Kysely's SELECT, or raw SQL that starts with `select`. */
function readsOnly(query: CompiledQuery): boolean {
  if (SelectQueryNode.is(query.query)) return true
  return query.query.kind === 'RawNode' && /^\s*select\b/i.test(query.sql)
}

/** One user of the driver (what Kysely acquires per query or per transaction). */
class Session implements DatabaseConnection {
  /** In a transaction: a member of the current group, holding the turn. */
  member = false
  constructor(private readonly driver: GroupCommitDriver) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.execute(this, query) as Promise<QueryResult<R>>
  }

  streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    return this.driver.stream(this, query) as AsyncIterableIterator<QueryResult<R>>
  }
}

export class GroupCommitDriver implements Driver {
  readonly #writer: GroupCommitConfig['writer']
  readonly #reader: SqliteDatabase | undefined
  readonly #maxMembers: number
  readonly #turn = new Turn()
  #group: Group | undefined
  readonly stats: GroupCommitStats = { groups: 0, members: 0 }

  readonly #file: string | undefined

  constructor(config: GroupCommitConfig) {
    this.#writer = config.writer
    this.#reader = config.reader
    this.#maxMembers = config.reader ? (config.maxMembers ?? DEFAULT_MAX_MEMBERS) : 1
    this.#file = config.file === undefined ? undefined : resolve(config.file)
    if (this.#file !== undefined) writersOf.set(this.#file, (writersOf.get(this.#file) ?? 0) + 1)
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new Session(this)
  }

  async releaseConnection(): Promise<void> {}

  async execute(session: Session, query: CompiledQuery): Promise<QueryResult<unknown>> {
    if (session.member) return this.#inGroup(query)
    if (readsOnly(query)) {
      // The writer when it has nothing open: its page cache is warm, where the reader's is dropped
      // at every change another connection commits (heartbeats, a read and a write each, were
      // 10-30 % slower with every read on the reader). Else the reader, which never waits.
      if (!this.#turn.held && !this.#group) return run(this.#writer, query)
      if (this.#reader) return run(this.#reader, query)
      // One connection: a read waits for its turn like a write (no group is ever left open).
      await this.#turn.take()
      try {
        return run(this.#writer, query)
      } finally {
        this.#turn.pass()
      }
    }
    // A write outside a transaction: a statement of its own (SQLite commits it) while no group is
    // open; else a member of the open group, answered once the group has committed.
    await this.#turn.take()
    if (!this.#group)
      try {
        return run(this.#writer, query)
      } finally {
        this.#turn.pass()
      }
    this.#join(session)
    let result: QueryResult<unknown>
    try {
      result = this.#inGroup(query)
    } catch (err) {
      await this.rollbackTransaction(session)
      throw err
    }
    await this.commitTransaction(session)
    return result
  }

  /** SELECTs only, as Kysely's own driver: on the reader outside a transaction. */
  async *stream(session: Session, query: CompiledQuery): AsyncIterableIterator<QueryResult<unknown>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('only SELECT queries can be streamed on SQLite')
    if (!session.member && this.#reader) {
      for (const row of this.#reader.prepare(query.sql).iterate(query.parameters)) yield { rows: [row] }
      return
    }
    // In a transaction, or on one connection: the rows at once, the statement done before any yield.
    if (session.member) {
      for (const row of run(this.#writer, query).rows) yield { rows: [row] }
      return
    }
    await this.#turn.take()
    let rows: unknown[]
    try {
      rows = run(this.#writer, query).rows
    } finally {
      this.#turn.pass()
    }
    for (const row of rows) yield { rows: [row] }
  }

  /** A member's statement; notes a transaction SQLite rolled back under it (see Group.lost). */
  #inGroup(query: CompiledQuery): QueryResult<unknown> {
    try {
      return run(this.#writer, query)
    } catch (err) {
      if (this.#group && this.#writer.inTransaction === false) this.#group.lost ??= err
      throw err
    }
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#turn.take()
    this.#join(connection as Session)
  }

  /** With the turn taken: the session becomes a member of the open group, or of a new one. */
  #join(session: Session): void {
    try {
      if (!this.#group) {
        // Busy (another process holds the write lock past busy_timeout): nothing is open; the
        // caller retries (inTransaction), the next member in line tries for itself.
        run(this.#writer, BEGIN)
        this.#group = newGroup()
        this.stats.groups++
      }
      run(this.#writer, SAVEPOINT)
    } catch (err) {
      if (this.#group) this.#group.lost ??= err
      this.#handOn()
      throw err
    }
    this.#group.begun++
    this.stats.members++
    session.member = true
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const group = this.#end(connection as Session, true)
    await group.committed
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // After a failed commit Kysely may roll back too: that member has already ended.
    if ((connection as Session).member) this.#end(connection as Session, false)
  }

  /**
   * Ends a member: its savepoint released (its change kept in the group) or rolled back, then the
   * turn goes on (see #handOn). A statement that fails here leaves the group's state unknown: the
   * group is rolled back, and every member of it fails.
   */
  #end(session: Session, keep: boolean): Group {
    const group = this.#group
    if (!session.member || !group) throw new Error('no transaction to end on this connection')
    session.member = false
    if (group.lost === undefined)
      try {
        if (keep) {
          run(this.#writer, RELEASE)
          group.kept++
        } else {
          run(this.#writer, ROLLBACK_TO)
          run(this.#writer, RELEASE)
        }
      } catch (err) {
        group.lost = err
      }
    this.#handOn()
    return group
  }

  /**
   * After a member: the turn goes to the next member in line while the group has room. With none in
   * line, the group commits once the event loop has taken in what arrived meanwhile (setImmediate:
   * after the I/O callbacks of this turn of the loop), so requests that came in together commit
   * together. better-sqlite3 is synchronous, so a member runs from its BEGIN to its end without
   * letting another request in: without that wait, every group would be one member.
   */
  #handOn(): void {
    const group = this.#group
    if (group) {
      if (group.lost !== undefined || group.begun >= this.#largest()) this.#finish(group)
      else if (this.#turn.waiting === 0) this.#scheduleCommit()
    }
    this.#turn.pass()
  }

  /**
   * Members in a group at most. One when another writer of this process shares the file: it would
   * wait for the write lock in SQLite's busy handler, which sleeps on this very thread, so the
   * group it waits for could not end meanwhile. Each transaction then commits at its end, as
   * before groups; other processes on the file wait for the lock as they always did.
   */
  #largest(): number {
    return this.#file !== undefined && writersOf.get(this.#file)! > 1 ? 1 : this.#maxMembers
  }

  #commitScheduled = false
  #closed = false

  #scheduleCommit(): void {
    if (this.#commitScheduled) return
    this.#commitScheduled = true
    setImmediate(() => {
      this.#commitScheduled = false
      if (this.#closed) return
      // A member holds the turn (it joined meanwhile): its end commits or schedules again.
      if (!this.#group || !this.#turn.tryTake()) return
      this.#finish(this.#group)
      this.#turn.pass()
    })
  }

  /** Commits the group (or rolls it back: nothing kept, or lost), and settles its members' wait. */
  #finish(group: Group): void {
    this.#group = undefined
    try {
      if (group.lost !== undefined) throw lostGroup(group.lost)
      run(this.#writer, group.kept > 0 ? COMMIT : ROLLBACK)
      group.resolve()
    } catch (err) {
      // A COMMIT that fails (a deferred constraint, a full disk) leaves the transaction open.
      if (this.#writer.inTransaction !== false)
        try {
          run(this.#writer, ROLLBACK)
        } catch {
          // already rolled back, or nothing more can be done: the error below is the one to report
        }
      group.reject(err)
    }
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(raw(`savepoint "${name}"`))
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(raw(`rollback to "${name}"`))
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(raw(`release "${name}"`))
  }

  async destroy(): Promise<void> {
    // A group whose commit is scheduled commits now; then nothing more runs on these connections.
    if (this.#group && this.#turn.tryTake()) {
      this.#finish(this.#group)
      this.#turn.pass()
    }
    if (!this.#closed && this.#file !== undefined) {
      const left = writersOf.get(this.#file)! - 1
      if (left > 0) writersOf.set(this.#file, left)
      else writersOf.delete(this.#file)
    }
    this.#closed = true
    this.#reader?.close()
    this.#writer.close()
  }
}

/** The error of the members of a group SQLite rolled back: the cause's, with its code (BUSY is retried). */
function lostGroup(cause: unknown): Error {
  const err = new Error(
    `the transaction was rolled back by SQLite: ${cause instanceof Error ? cause.message : String(cause)}`,
    { cause },
  )
  const code = (cause as { code?: unknown } | undefined)?.code
  if (typeof code === 'string') Object.assign(err, { code })
  return err
}

/** SQLite with several connections as far as Kysely is concerned: the driver does the ordering. */
class GroupCommitAdapter extends SqliteAdapter {
  override get supportsMultipleConnections(): boolean {
    return true
  }
}

export class GroupCommitSqliteDialect extends SqliteDialect {
  readonly #config: GroupCommitConfig
  readonly driver: GroupCommitDriver
  constructor(config: GroupCommitConfig) {
    super({ database: config.writer })
    this.#config = config
    this.driver = new GroupCommitDriver(this.#config)
  }
  override createDriver(): Driver {
    return this.driver
  }
  override createAdapter(): DialectAdapter {
    return new GroupCommitAdapter()
  }
}
