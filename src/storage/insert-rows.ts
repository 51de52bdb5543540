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
 * One multi-row INSERT of plain rows, written as Kysely writes it (`insert into "t" ("a", "b")
 * values (?, ?), (?, ?)`), without building Kysely's query tree: for a bulk batch's thousand rows
 * of a dozen columns that tree (an object per value, frozen, then visited) cost more than the
 * statement itself. `rest` is appended as is (e.g. `on conflict … do nothing returning …`). Keep
 * `rows.length * columns.length` under the bound-parameter limits (SQLite 32,766; PostgreSQL 65,535).
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
  const parameters: unknown[] = []
  const tuples: string[] = []
  for (const row of rows) {
    const marks: string[] = []
    for (const c of columns) {
      parameters.push(row[c])
      marks.push(dollar ? `$${parameters.length}` : '?')
    }
    tuples.push(`(${marks.join(', ')})`)
  }
  const text = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${tuples.join(', ')}${rest ? ' ' + rest : ''}`
  const result = await executeCompiled<Record<string, unknown>>(db, CompiledQuery.raw(text, parameters))
  return result.rows
}
