// Dates counted from today, for the demo and the tests that run on the real clock: a date written
// in as a literal passes one day, and then the server refuses to provision it (already expired),
// checkout refuses the pool, and "N days left" changes.

const DAY_MS = 86_400_000

/**
 * The calendar day `days` after today in UTC (before it when negative), as `YYYY-MM-DD`.
 * @param {number} days
 * @param {number} [now] epoch ms of "today" (default: the clock)
 * @returns {string}
 */
export function daysFromToday(days, now = Date.now()) {
  return new Date(now + days * DAY_MS).toISOString().slice(0, 10)
}
