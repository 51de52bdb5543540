import { sql, type Expression, type RawBuilder } from 'kysely'
import { LATEST_DATE } from '../domain/time-range.js'
import type { Dialect } from './schema.js'

/**
 * `days` calendar days after `day` (a YYYY-MM-DD text column or value), as YYYY-MM-DD text, in
 * SQL, at most LATEST_DATE: what `shownValidUntil` of domain/device-days.ts computes, so that a
 * query can filter on a device's valid-until day as it is shown and still page in the database.
 * A row stored past the bound by an older version (see `shownDay`) counts as through it, not as
 * NULL (SQLite's date() past year 9999) or a five-digit year that sorts before today (PostgreSQL's
 * text). Both dialects count proleptic Gregorian days as Temporal does;
 * test/storage/calendar-days.test.ts holds them to `shownValidUntil` on both.
 */
export function daysAfter(
  dialect: Dialect,
  day: Expression<string | null>,
  days: Expression<number>,
): RawBuilder<string | null> {
  return dialect === 'postgres'
    ? sql<
        string | null
      >`to_char(cast(${day} as date) + least(cast(${days} as integer), date ${sql.lit(LATEST_DATE)} - cast(${day} as date)), 'YYYY-MM-DD')`
    : sql<
        string | null
      >`date(julianday(${day}) + min(${days}, julianday(${sql.lit(LATEST_DATE)}) - julianday(${day})))`
}
