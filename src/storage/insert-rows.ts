import { CompiledQuery, sql, type Kysely } from 'kysely'
import { executeCompiled } from './prepared.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>

/** How the database numbers its parameters: `?` (SQLite) or `$1, $2, …` (PostgreSQL), per adapter. */
const numbered = new WeakMap<object, boolean>()

function numbersParameters(db: AnyDb): boolean {
  const adapter = db.getExecutor().adapter
  let known = numbered.get(adapter)
  if (known === undefined) {
    // Ask the dialect's own compiler rather than naming adapters (two copies of Kysely may be loaded).
    known = db
      .selectNoFrom(sql<number>`${0}`.as('p'))
      .compile()
      .sql.includes('$1')
    numbered.set(adapter, known)
  }
  return known
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

/**
 * The SQL texts already written, per column list (the callers' constant arrays) and then per table,
 * row count, tail and parameter style. The same string object each time: a statement cache finds
 * it by a hash the string keeps, where a text built anew is hashed whole on every lookup (a
 * thousand-row INSERT is some 20,000 characters). Row counts other than the few a caller uses
 * (a bulk job's last, shorter batch) are written anew once the cache of a column list is full.
 */
const texts = new WeakMap<ReadonlyArray<string>, Map<string, string>>()
const TEXTS_PER_COLUMN_LIST = 32

function textOf(table: string, columns: ReadonlyArray<string>, count: number, rest: string, dollar: boolean) {
  let byShape = texts.get(columns)
  if (!byShape) texts.set(columns, (byShape = new Map()))
  const shape = `${dollar ? '$' : '?'}${count} ${table} ${rest}`
  let text = byShape.get(shape)
  if (text !== undefined) return text
  const width = columns.length
  const tuples: string[] = []
  for (let r = 0; r < count; r++) {
    const marks: string[] = []
    for (let c = 1; c <= width; c++) marks.push(dollar ? `$${r * width + c}` : '?')
    tuples.push(`(${marks.join(', ')})`)
  }
  text = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${tuples.join(', ')}${rest ? ' ' + rest : ''}`
  if (byShape.size < TEXTS_PER_COLUMN_LIST) byShape.set(shape, text)
  return text
}

/**
 * One multi-row INSERT of plain rows, written as Kysely writes it (`insert into "t" ("a", "b")
 * values (?, ?), (?, ?)`), without building Kysely's query tree: for a bulk batch's thousand rows
 * of a dozen columns that tree (an object per value, frozen, then visited) cost more than the
 * statement itself. `rest` is appended as is (e.g. `on conflict … do nothing returning …`). Keep
 * `rows.length * columns.length` under the bound-parameter limits (SQLite 32,766; PostgreSQL 65,535).
 * Pass `columns` as a constant array: its SQL texts are kept with it (see textOf).
 */
export async function insertRows<R>(
  db: AnyDb,
  table: string,
  columns: ReadonlyArray<keyof R & string>,
  rows: readonly R[],
  rest = '',
): Promise<Array<Record<string, unknown>>> {
  if (rows.length === 0) return []
  const dollar = numbersParameters(db)
  const parameters: unknown[] = new Array(rows.length * columns.length)
  let at = 0
  for (const row of rows) for (const c of columns) parameters[at++] = row[c]
  const text = textOf(table, columns, rows.length, rest, dollar)
  const result = await executeCompiled<Record<string, unknown>>(db, CompiledQuery.raw(text, parameters))
  return result.rows
}
