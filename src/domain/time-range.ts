import { parseDuration } from './duration.js'

/**
 * The times licctl stores and shows, one bound for the CLI, the contract and the server.
 *
 * Instants are stored as epoch milliseconds and shown as ISO-8601 (`2027-12-31T00:00:00.000Z`) and
 * as calendar days in the organization's time zone. Beyond year 9999 neither has four digits (the
 * ISO string turns into `+010000-01-01…`, which every schema refuses), so a stored row would take
 * each list that shows it down. Hence:
 *
 * - the latest instant is 9999-12-31T00:00:00Z: in every zone (UTC+14 is the furthest east) its
 *   calendar day is still in 9999, so an organization may change its time zone at any time;
 * - the latest date an expiration may be "valid through" is 9999-12-29: its end (00:00 of the next
 *   day) lies within the bound in every zone (UTC-12 is the furthest west: 9999-12-30T12:00Z);
 * - the earliest instant is the epoch, 1970-01-01T00:00:00Z: nothing licctl keeps is older.
 */
export const EARLIEST_MS = 0
export const LATEST_MS = Date.UTC(9999, 11, 31)
export const EARLIEST_TEXT = '1970-01-01T00:00:00Z'
export const LATEST_TEXT = '9999-12-31T00:00:00Z'
export const EARLIEST_DATE = '1970-01-01'
export const LATEST_DATE = '9999-12-29'

const DAY_MS = 86_400_000
/** The longest duration that can land within the bounds: 2932896 days. */
export const LONGEST_MS = LATEST_MS - EARLIEST_MS
export const LONGEST_TEXT = `${LONGEST_MS / DAY_MS}d`

/** Whether `text` is a calendar date (YYYY-MM-DD) rather than an instant or a duration. */
export const isCalendarDate = (text: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(text)

/**
 * The instant a bound in the past stands for on a clock at `now`: an instant as it is, a duration
 * (`7d`) counted back from now. The server counts on its own clock (`orgs audit --since 7d`), so a
 * client whose clock is off does not move the window.
 */
export function instantAgo(text: string, now: number): number {
  const ms = parseDuration(text)
  return ms === null ? Date.parse(text) : now - ms
}

/** Why an instant is not one licctl stores, or null when it is. */
export function instantProblem(ms: number): string | null {
  if (!(ms >= EARLIEST_MS)) return `before ${EARLIEST_TEXT}, the earliest time licctl stores`
  if (!(ms <= LATEST_MS)) return `after ${LATEST_TEXT}, the latest time licctl stores`
  return null
}

/** Why a calendar date (YYYY-MM-DD) cannot be an expiration's last valid day, or null when it can. */
export function dateProblem(date: string): string | null {
  if (date < EARLIEST_DATE) return `before ${EARLIEST_DATE}, the earliest date licctl accepts`
  if (date > LATEST_DATE) return `after ${LATEST_DATE}, the latest date licctl accepts`
  return null
}

/** Why a duration (ms) is no time at all, or longer than any stored time can be apart; null when neither. */
export function durationProblem(ms: number): string | null {
  if (ms <= 0) return 'expected a duration longer than zero'
  return ms <= LONGEST_MS ? null : `longer than any time licctl stores (at most ${LONGEST_TEXT})`
}

/**
 * A stored instant brought within the bounds, for showing: a row written out of range (by a
 * version before the bound) is shown at the bound instead of failing the whole list.
 */
export function withinRange(ms: number): number {
  return Math.min(Math.max(ms, EARLIEST_MS), LATEST_MS)
}

/**
 * Why a time range with its end not after its start is refused (`--since 2027-01-01 --until
 * 2026-01-01` would match nothing, silently), or null when it is a range. The end is exclusive, so
 * an end equal to the start is empty too. Each end is an instant or a duration ago (instantAgo):
 * two durations, or two instants, compare on any clock; an instant and a duration only on the
 * server's, so without `now` (the CLI, the contract) that pair is left to the server. `sinceName`
 * is how the caller names the start (`since` for the API, `--since` for the command line); the
 * end's name prefixes the message.
 */
export function rangeProblem(
  sinceName: string,
  since: string | undefined,
  until: string | undefined,
  now?: number,
): string | null {
  if (since === undefined || until === undefined) return null
  const ago = (text: string) => parseDuration(text) !== null
  if (now === undefined && ago(since) !== ago(until)) return null
  return instantAgo(until, now ?? 0) > instantAgo(since, now ?? 0)
    ? null
    : `must be after ${sinceName} (${since}${ago(since) ? ' ago' : ''}), got '${until}'`
}
