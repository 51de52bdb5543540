import { isWholeDays, parseDuration } from './duration.js'
import { instantProblem } from './time-range.js'

const DAY = 86_400_000

/**
 * Where a window of `text` (`ms` long) can end, counted from now, in any time zone at any time of
 * day. One in whole days (`30d`) ends at 00:00 after its last calendar day in the organization's
 * zone (domain/expiry-window.ts): after more than `ms`, and less than a day more. A zone's change of
 * offset (summer time, a zone moving) shifts that by hours; a day either side covers every one.
 * Any other duration is exact.
 */
function endBounds(text: string, ms: number): { wholeDays: boolean; earliest: number; latest: number } {
  if (isWholeDays(text) && ms % DAY === 0)
    return { wholeDays: true, earliest: ms - DAY, latest: ms + 2 * DAY }
  return { wholeDays: false, earliest: ms, latest: ms }
}

/**
 * Whether a warn level (`--fail-within`) surely ends after the window (`--within`), whatever the
 * organization's time zone and the time of day: both in whole days (or both exact) and the warn
 * level longer, or a mix (`60d1h` against `30d`) whose earliest end is after the window's latest.
 * Only a mix within about a day of the window (`2d` and `40h`) depends on the organization's
 * calendar, which only the server knows.
 */
export function failWithinSurelyLonger(within: string, failWithin: string): boolean {
  const [w, f] = [parseDuration(within), parseDuration(failWithin)]
  if (w === null || f === null) return false
  const [window, warn] = [endBounds(within, w), endBounds(failWithin, f)]
  if (window.wholeDays === warn.wholeDays) return f > w
  return warn.earliest > window.latest
}

/** Why a warn level longer than its window is refused (the request field or flag names it). */
export function failWithinTooLong(within: string, failWithin: string): string {
  return `must not be longer than the window (${within}), got '${failWithin}'`
}

/**
 * Why a window (`--within`) surely ends beyond the times licctl stores, counted from `now` in any
 * time zone (a whole-day window ends after more than its length), or null. Within a day of the
 * bound it depends on the organization's calendar, which only the server knows.
 */
export function windowSurelyTooLate(within: string, now: number): string | null {
  const ms = parseDuration(within)
  if (ms === null) return null
  const problem = instantProblem(now + ms - DAY)
  return problem === null ? null : windowTooLate(within, problem)
}

/** Why a window ending beyond the times licctl stores is refused (`problem`: instantProblem's). */
export function windowTooLate(within: string, problem: string): string {
  return `the window would end ${problem}, got '${within}'`
}
