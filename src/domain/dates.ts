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

/**
 * A time zone as IANA spells it, however it was typed (`utc` → `UTC`, `europe/berlin` →
 * `Europe/Berlin`), and not swapped for another name of the same zone (`Asia/Kolkata` stays, where
 * Intl would say `Asia/Calcutta`): what an organization keeps and shows. The text must name a zone.
 */
export function spelledTimeZone(timeZone: string): string {
  try {
    return Temporal.Now.zonedDateTimeISO(timeZone).timeZoneId
  } catch {
    // A name Intl takes (the contract's check) that the Temporal polyfill does not: kept as typed.
    return timeZone
  }
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

/**
 * When something expired, in words that are true on the day: `after 2027-03-31` when it ran through
 * whole days (it ended at the start of a day in the zone, as a date expiration does), else the time
 * it ended, in the zone: `today at 14:03:05 (UTC)`, or `on 2026-12-03 at 14:03 (UTC)` before today.
 * ("Expired after <today>" on that same day, for `--expires 5s`, read as if it were still valid.)
 */
export function expiredWhen(expiresAtMs: number, timeZone: string, nowMs: number): string {
  const end = Temporal.Instant.fromEpochMilliseconds(withinRange(expiresAtMs)).toZonedDateTimeISO(timeZone)
  if (end.startOfDay().epochMilliseconds === end.epochMilliseconds)
    return `after ${lastValidDay(expiresAtMs, timeZone)}`
  const when = timeIn(expiresAtMs, timeZone, nowMs)
  return when.startsWith('today') ? when : `on ${when}`
}

/**
 * An instant in words, in the zone, for a message: `today at 14:03:05 (UTC)`, or
 * `2026-12-03 at 14:03 (Europe/Berlin)` on another day (seconds only when there are some).
 */
export function timeIn(atMs: number, timeZone: string, nowMs: number): string {
  const at = Temporal.Instant.fromEpochMilliseconds(withinRange(atMs)).toZonedDateTimeISO(timeZone)
  const time = at.toPlainTime().toString({ smallestUnit: at.second === 0 ? 'minute' : 'second' })
  const day = at.toPlainDate().toString()
  return `${day === calendarDay(nowMs, timeZone) ? 'today' : day} at ${time} (${timeZone})`
}

/**
 * How long something may last, in words that name what can be given back for it (`--roam-until`):
 * `through 2027-03-31` when it ends at the start of a day in the zone (as a date expiration does),
 * else `until` the instant as `timeIn` says it (`until 2026-12-19 at 14:03 (UTC)`).
 */
export function lastsUntil(endMs: number, timeZone: string, nowMs: number): string {
  const end = Temporal.Instant.fromEpochMilliseconds(withinRange(endMs)).toZonedDateTimeISO(timeZone)
  if (end.startOfDay().epochMilliseconds === end.epochMilliseconds)
    return `through ${lastValidDay(endMs, timeZone)}`
  return `until ${timeIn(endMs, timeZone, nowMs)}`
}

/** Whole days from `fromMs` until `toMs` (negative once past), counted in calendar days of the zone. */
export function daysUntil(fromMs: number, toMs: number, timeZone: string): number {
  const a = Temporal.Instant.fromEpochMilliseconds(fromMs).toZonedDateTimeISO(timeZone).toPlainDate()
  const b = Temporal.Instant.fromEpochMilliseconds(toMs).toZonedDateTimeISO(timeZone).toPlainDate()
  return a.until(b, { largestUnit: 'days' }).days
}
