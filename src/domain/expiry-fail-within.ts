import { isWholeDays, parseDuration } from './duration.js'

const DAY = 86_400_000

/**
 * Whether a warn level (`--fail-within`) surely ends after the window (`--within`), whatever the
 * time zone and time of day: both in whole days, or both exact, and the warn level longer. A mix
 * (`2d` and `40h`) depends on the organization's calendar, which only the server knows.
 */
export function failWithinSurelyLonger(within: string, failWithin: string): boolean {
  const [w, f] = [parseDuration(within), parseDuration(failWithin)]
  if (w === null || f === null) return false
  const days = (text: string, ms: number) => isWholeDays(text) && ms % DAY === 0
  return days(within, w) === days(failWithin, f) && f > w
}

/** Why a warn level longer than its window is refused (the request field or flag names it). */
export function failWithinTooLong(within: string, failWithin: string): string {
  return `must not be longer than the window (${within}), got '${failWithin}'`
}
