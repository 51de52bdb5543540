import { Temporal } from 'temporal-polyfill'
import { isCalendarDate, withinRange } from './time-range.js'

/**
 * An expiration as given by a person or a script: a calendar date (`2027-03-31`, valid through that
 * whole day in the organization's time zone, so it expires at the start of the next day) or an
 * ISO-8601 instant. Returns epoch milliseconds, or null when the text is neither.
 */
export function expiryInstant(input: string, timeZone: string): number | null {
  if (isCalendarDate(input)) {
    try {
      const day = Temporal.PlainDate.from(input, { overflow: 'reject' })
      return day.add({ days: 1 }).toZonedDateTime({ timeZone }).epochMilliseconds
    } catch {
      return null
    }
  }
  const ms = Date.parse(input)
  return Number.isNaN(ms) || !/[zZ]|[+-]\d{2}:?\d{2}$/.test(input) ? null : ms
}

/** The calendar day (YYYY-MM-DD) an instant falls on in a time zone (within the bounds of time-range.ts). */
export function calendarDay(ms: number, timeZone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(withinRange(ms))
    .toZonedDateTimeISO(timeZone)
    .toPlainDate()
    .toString()
}

/** The last day an expiry instant still covers (the day before it, when it falls at midnight). */
export function lastValidDay(expiresAtMs: number, timeZone: string): string {
  return calendarDay(expiresAtMs - 1, timeZone)
}

/** Whole days from `fromMs` until `toMs` (negative once past), counted in calendar days of the zone. */
export function daysUntil(fromMs: number, toMs: number, timeZone: string): number {
  const a = Temporal.Instant.fromEpochMilliseconds(fromMs).toZonedDateTimeISO(timeZone).toPlainDate()
  const b = Temporal.Instant.fromEpochMilliseconds(toMs).toZonedDateTimeISO(timeZone).toPlainDate()
  return a.until(b, { largestUnit: 'days' }).days
}
