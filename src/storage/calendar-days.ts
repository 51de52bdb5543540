import { sql, type Expression, type RawBuilder } from 'kysely'
import type { Dialect } from './schema.js'

/**
 * `days` calendar days after `day` (a YYYY-MM-DD text column or value), as YYYY-MM-DD text, in
 * SQL: what `addDays` of domain/device-days.ts computes, so that a query can filter on a device's
 * valid-until day and still page in the database. Both dialects count proleptic Gregorian days
 * as Temporal does; test/storage/calendar-days.test.ts holds them to `addDays` on both.
 */
export function daysAfter(
  dialect: Dialect,
  day: Expression<string | null>,
  days: Expression<number>,
): RawBuilder<string | null> {
  return dialect === 'postgres'
    ? sql<string | null>`to_char(cast(${day} as date) + cast(${days} as integer), 'YYYY-MM-DD')`
    : sql<string | null>`date(${day}, '+' || ${days} || ' days')`
}
