import { Temporal } from 'temporal-polyfill'
import { calendarDay } from './dates.js'
import { LATEST_DATE } from './time-range.js'

/**
 * The day arithmetic of device licenses (SPEC §1 "Device licenses"). Every day is a calendar day
 * (YYYY-MM-DD) in the organization's time zone; nothing here reads a clock or a database.
 *
 * - A license of `days` assigned on day A is valid until A + days.
 * - Detaching on day D uses (D − A + 1) days (the assignment day and the detach day both count),
 *   the detach day is rounded up to 00:00 of the next day (one more day) and one further day is
 *   deducted: returned = days − used − 2, and nothing is returned once that is 0 or less.
 *
 * The worked example: 365 days assigned 2024-01-31 are valid until 2025-01-30; detached 2024-03-06,
 * 36 days are used and 327 go back; reassigned 2024-03-07 they are valid until 2025-01-28.
 */

/** The term lengths a key can carry, in days. */
export const TERM_DAYS = { '1y': 365, '3y': 1095, '5y': 1825 } as const
export type Term = keyof typeof TERM_DAYS

const day = (text: string): Temporal.PlainDate => Temporal.PlainDate.from(text, { overflow: 'reject' })

/** The calendar day an instant falls on in the organization's time zone. */
export function dayIn(ms: number, timeZone: string): string {
  return calendarDay(ms, timeZone)
}

/** `days` calendar days after `from`. */
export function addDays(from: string, days: number): string {
  return day(from).add({ days }).toString()
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return day(from).until(day(to), { largestUnit: 'days' }).days
}

/** The last day a cumulative license of `days` assigned on `start` covers. */
export function validUntil(start: string, days: number): string {
  return addDays(start, days)
}

/**
 * A valid-until day as licctl shows it: one past 9999-12-29 (LATEST_DATE, time-range.ts) at that
 * bound. Assigning refuses to go further, but a row stored before it did (`+010021-08-12`, which no
 * schema takes) must not take down every list that shows it; past year 9999 it never lapses in
 * practice, so far future is what it means. Not for the assign rule itself, which needs the true day.
 */
export function shownDay(day: string): string {
  return daysBetween(day, LATEST_DATE) < 0 ? LATEST_DATE : day
}

/** The valid-until day of a cumulative license as shown (see shownDay). */
export function shownValidUntil(start: string, days: number): string {
  return shownDay(validUntil(start, days))
}

/** A cumulative license is expired once its valid-until day has passed. */
export function isExpired(start: string, days: number, today: string): boolean {
  return daysBetween(validUntil(start, days), today) > 0
}

/** Days left on a cumulative license on `today` (0 on its last day, negative once expired), to the day shown. */
export function daysLeft(start: string, days: number, today: string): number {
  return daysBetween(today, shownValidUntil(start, days))
}

export interface Detach {
  /** Days used up to and including the detach day. */
  usedDays: number
  /** Days going back to the pool as one license (0: nothing goes back). */
  returnedDays: number
  /** Days the device still had that do not come back (the rounding, or a remainder of 0 or less). */
  lostDays: number
}

/** What detaching a cumulative license of `days` assigned on `start` does on `on`. */
export function detach(start: string, days: number, on: string): Detach {
  if (daysBetween(start, on) < 0)
    throw new RangeError(`detach day ${on} is before the assignment day ${start}`)
  const usedDays = daysBetween(start, on) + 1
  const remaining = Math.max(0, days - usedDays)
  const returnedDays = Math.max(0, days - usedDays - 2)
  return { usedDays, returnedDays, lostDays: remaining - returnedDays }
}

export interface DetachPreview extends Detach {
  /** The same detach done tomorrow. */
  tomorrow: Detach
  /** Valid-until of the returned days if they were assigned again tomorrow (null: nothing returns). */
  validUntilIfReassignedTomorrow: string | null
}

/**
 * The day a detach on `today` counts as: the license's first day while that is still to come (the
 * organization's time zone moved west since the assignment), else today.
 */
export function detachDay(start: string, today: string): string {
  return daysBetween(start, today) < 0 ? start : today
}

/**
 * The preview shown by `--dry-run` and the confirmation prompt, on `today` (the real day, not yet
 * moved to the first day): detaching tomorrow counts as `detachDay` of tomorrow, so while the first
 * day is still to come tomorrow returns what today does; reassigning happens on today + 1.
 */
export function previewDetach(start: string, days: number, today: string): DetachPreview {
  const now = detach(start, days, detachDay(start, today))
  const next = addDays(today, 1)
  const tomorrow = detach(start, days, detachDay(start, next))
  return {
    ...now,
    tomorrow,
    validUntilIfReassignedTomorrow: now.returnedDays > 0 ? shownValidUntil(next, now.returnedDays) : null,
  }
}

export interface Cumulative {
  /** The day the cumulative license started. */
  start: string
  /** Its term: the sum of the licenses on it. */
  days: number
}

/**
 * Stack licenses of `added` days onto a device on `today`. An unlicensed device, or one whose
 * cumulative license has expired, starts a new one today; a licensed one is extended.
 */
export function stack(current: Cumulative | null, added: number[], today: string): Cumulative {
  const sum = added.reduce((a, b) => a + b, 0)
  if (current === null || isExpired(current.start, current.days, today)) return { start: today, days: sum }
  return { start: current.start, days: current.days + sum }
}
