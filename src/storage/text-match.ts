import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely'
import type { Dialect } from './schema.js'

/*
 * Text that begins with, ends with or contains other text, exactly: case and all, with `_`, `%` and
 * `\` characters like any other, the same on both dialects. Not LIKE: SQLite's LIKE ignores the case
 * of A–Z and PostgreSQL's does not, and both read `_` and `%` in the pattern as wildcards. The
 * functions count characters (code points) on both dialects, as `[...text]` does.
 */

/** The number of characters SQL's length() and substr() count in `text` (not UTF-16 units). */
function characters(text: string): number {
  return [...text].length
}

/** Every text begins with, ends with and contains the empty text (null, as with LIKE, does not). */
function isText(expr: Expression<string | null>): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${expr} is not null)`
}

/** `expr` begins with `text`. */
export function startsWith(
  dialect: Dialect,
  expr: Expression<string | null>,
  text: string,
): RawBuilder<SqlBool> {
  if (text === '') return isText(expr)
  const n = characters(text)
  return dialect === 'postgres'
    ? sql<SqlBool>`left(${expr}, ${n}) = ${text}`
    : sql<SqlBool>`substr(${expr}, 1, ${n}) = ${text}`
}

/** `expr` ends with `text`. */
export function endsWith(
  dialect: Dialect,
  expr: Expression<string | null>,
  text: string,
): RawBuilder<SqlBool> {
  if (text === '') return isText(expr)
  const n = characters(text)
  // SQLite's substr from -n is the last n characters (all of a shorter text, which cannot be equal).
  return dialect === 'postgres'
    ? sql<SqlBool>`right(${expr}, ${n}) = ${text}`
    : sql<SqlBool>`substr(${expr}, ${-n}) = ${text}`
}

/** `expr` contains `text`. */
export function contains(
  dialect: Dialect,
  expr: Expression<string | null>,
  text: string,
): RawBuilder<SqlBool> {
  if (text === '') return isText(expr)
  return dialect === 'postgres'
    ? sql<SqlBool>`strpos(${expr}, ${text}) > 0`
    : sql<SqlBool>`instr(${expr}, ${text}) > 0`
}
