import { sql, type Expression, type SelectQueryBuilder, type SqlBool } from 'kysely'
import { instantProblem } from '../../domain/time-range.js'
import { AppError } from '../errors.js'

/**
 * One sort key of a list: the column it orders by (as SQL names it, e.g. `users.email`), the value
 * of that key in a row, and the direction. Together the keys must be unique per row (end on an id
 * or on a unique column), or a page boundary could skip or repeat rows.
 */
export interface PageKey<R> {
  column: string
  value: (row: R) => string | number
  desc?: boolean
  /** A numeric key (an instant, a count); text otherwise. */
  numeric?: boolean
}

export interface Page<R> {
  items: R[]
  nextCursor: string | null
}

/**
 * The one paging rule of the API: keyset pagination. Orders `query` by `keys`, continues after the
 * cursor (the last row's key values, opaque to clients: base64url of a JSON array), and fetches one
 * row more than `limit` to know whether another page follows. A cursor that does not decode to this
 * list's key is a 400 `validation_failed`, not a wrong page. Returns the rows (present them after).
 */
export async function paginate<DB, TB extends keyof DB, R>(
  query: SelectQueryBuilder<DB, TB, R>,
  opts: { limit: number; cursor?: string | undefined; keys: ReadonlyArray<PageKey<R>> },
): Promise<Page<R>> {
  const { limit, keys } = opts
  let q = query
  for (const k of keys) q = q.orderBy(sql.ref(k.column), k.desc ? 'desc' : 'asc')
  const after = readCursor(opts.cursor, keys)
  if (after) q = q.where(() => afterKey(keys, after))
  const rows = await q.limit(limit + 1).execute()
  const more = rows.length > limit
  const items = more ? rows.slice(0, limit) : rows
  const last = items[items.length - 1]
  return { items, nextCursor: more && last ? cursorOf(keys.map((k) => k.value(last))) : null }
}

/** Presents a page's rows, keeping its cursor. */
export function mapPage<R, T>(page: Page<R>, present: (row: R) => T): Page<T> {
  return { items: page.items.map(present), nextCursor: page.nextCursor }
}

/** (k1, k2, …) after (v1, v2, …) in the keys' directions: k1 past v1, or k1 = v1 and k2 past v2, … */
function afterKey<R>(
  keys: ReadonlyArray<PageKey<R>>,
  values: ReadonlyArray<string | number>,
): Expression<SqlBool> {
  const past = (i: number) =>
    sql`${sql.ref(keys[i]!.column)} ${sql.raw(keys[i]!.desc ? '<' : '>')} ${values[i]}`
  const equal = (i: number) => sql`${sql.ref(keys[i]!.column)} = ${values[i]}`
  const terms = keys.map((_, i) =>
    sql.join([...keys.slice(0, i).map((__, j) => equal(j)), past(i)], sql` and `),
  )
  return sql<SqlBool>`(${sql.join(
    terms.map((t) => sql`(${t})`),
    sql` or `,
  )})`
}

/** A cursor this list did not write. */
const notACursor = () =>
  new AppError('validation_failed', 'cursor: not a cursor of this list (pass nextCursor back as it is)')

function cursorOf(values: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url')
}

function readCursor<R>(
  cursor: string | undefined,
  keys: ReadonlyArray<PageKey<R>>,
): Array<string | number> | undefined {
  if (cursor === undefined) return undefined
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
    if (
      Array.isArray(values) &&
      values.length === keys.length &&
      values.every((v: unknown, i) =>
        keys[i]!.numeric ? typeof v === 'number' && Number.isSafeInteger(v) : typeof v === 'string',
      )
    )
      return values as Array<string | number>
  } catch {
    // fall through: not a cursor this server wrote
  }
  throw notACursor()
}

/**
 * A list filtered by a duration ago (`--since 7d`) counts it back from the server's now, and must
 * count it from the same now on every page: otherwise the window moves forward by the time a long
 * listing takes, and the oldest entries of the last pages fall out of it. The first page's now
 * rides in the cursor (`<cursor>.<ms in base 36>`; base64url has no `.`), and later pages read it
 * back. A cursor without one (from an older server) takes the clock's.
 */
export function nowOfCursor(
  cursor: string | undefined,
  clockNow: number,
): { cursor: string | undefined; now: number } {
  if (cursor === undefined) return { cursor, now: clockNow }
  const dot = cursor.lastIndexOf('.')
  if (dot < 0) return { cursor, now: clockNow }
  const digits = cursor.slice(dot + 1)
  const now = Number.parseInt(digits, 36)
  // An instant licctl could have written (another process's clock may be a little ahead of this one).
  if (!/^[0-9a-z]{1,11}$/.test(digits) || instantProblem(now) !== null) throw notACursor()
  return { cursor: cursor.slice(0, dot), now }
}

/** A page whose next cursor carries the now its list was counted from (see nowOfCursor). */
export function withNow<R>(page: Page<R>, now: number): Page<R> {
  return page.nextCursor === null ? page : { ...page, nextCursor: `${page.nextCursor}.${now.toString(36)}` }
}
