import type { Compilable, CompiledQuery, DatabaseConnection, Kysely, QueryResult } from 'kysely'
import type { Database } from './schema.js'

/** Stands for one argument of a prepared query while it is built; found again among the parameters. */
class Argument {
  constructor(readonly index: number) {}
}

interface Template {
  compiled: CompiledQuery
  /** Per compiled parameter: the argument's index, or the constant the builder put there. */
  slots: Array<{ arg: number } | { value: unknown }>
}

/**
 * SQLite transactions (and their savepoints) whose statements may go straight to their connection.
 * Kysely runs each statement of a transaction through its executor: a chain of async calls and a
 * lock per statement, guarding the transaction's connection against two statements at once. A
 * transaction of inTransaction() on SQLite holds the writer's turn from its BEGIN to its end (see
 * GroupCommitDriver), and better-sqlite3 runs each statement to its end before returning, so that
 * guard has nothing to do there; the prepared queries of a seat checkout skip it (there are no
 * Kysely plugins whose results it would have transformed). Registered for the transaction's
 * lifetime only; anything else goes through Kysely.
 */
const direct = new WeakMap<object, DatabaseConnection>()

/** Lets `db`'s prepared queries run on `connection` directly, until `releaseDirect(db)`. */
export function runDirectly(db: object, connection: DatabaseConnection): void {
  direct.set(db, connection)
}

export function releaseDirect(db: object): void {
  direct.delete(db)
}

/** Runs a compiled query on `db`: on its connection when registered, else through Kysely. */
export function executeCompiled<R>(db: Kysely<Database>, query: CompiledQuery<R>): Promise<QueryResult<R>> {
  const connection = direct.get(db)
  return connection ? connection.executeQuery<R>(query) : db.executeQuery<R>(query)
}

export interface PreparedQuery<A extends unknown[], R> {
  execute(db: Kysely<Database>, ...args: A): Promise<QueryResult<R>>
  /** The first row, or undefined. */
  takeFirst(db: Kysely<Database>, ...args: A): Promise<R | undefined>
}

/**
 * A query of a fixed shape, built and compiled by Kysely once per dialect and then only executed
 * with new parameters. Kysely otherwise builds a frozen operation tree and compiles it to SQL on
 * every call: on a seat checkout that was about a fifth of the CPU.
 *
 * `build` gets a placeholder for each argument, so it must not look at them (no `if` on a value,
 * no arrays for `in`): whatever it does with a placeholder must end up as one bound parameter.
 * SQLite and PostgreSQL compile differently (`?` and `$1`), hence one compilation per adapter.
 */
export function prepareQuery<A extends unknown[], R>(
  build: (db: Kysely<Database>, ...args: A) => Compilable<R>,
): PreparedQuery<A, R> {
  const arity = build.length - 1
  const templates = new WeakMap<object, Template>()

  function templateFor(db: Kysely<Database>): Template {
    const adapter = db.getExecutor().adapter
    let t = templates.get(adapter)
    if (t) return t
    const args = Array.from({ length: arity }, (_, i) => new Argument(i)) as A
    const compiled = build(db, ...args).compile()
    const slots = compiled.parameters.map((p) => (p instanceof Argument ? { arg: p.index } : { value: p }))
    for (let i = 0; i < arity; i++)
      if (!slots.some((s) => 'arg' in s && s.arg === i))
        throw new Error(`prepared query: argument ${i} is not a parameter of ${compiled.sql}`)
    templates.set(adapter, (t = { compiled, slots }))
    return t
  }

  async function execute(db: Kysely<Database>, ...args: A): Promise<QueryResult<R>> {
    const { compiled, slots } = templateFor(db)
    const parameters = slots.map((s) => ('arg' in s ? args[s.arg] : s.value))
    return executeCompiled<R>(db, { ...compiled, parameters } as CompiledQuery<R>)
  }

  return {
    execute,
    takeFirst: async (db, ...args) => (await execute(db, ...args)).rows[0],
  }
}
