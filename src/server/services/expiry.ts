import { toIso } from '../../domain/clock.js'
import { calendarDay, expiredWhen, expiryInstant } from '../../domain/dates.js'
import { parseDuration } from '../../domain/duration.js'
import { dateProblem, instantProblem, isCalendarDate } from '../../domain/time-range.js'
import { AppError, invalidField } from '../errors.js'
import type { OrgRow } from './access.js'

// One validity rule for everything that expires: seat pools, add-ons and tokens now, device licenses
// and activation ids next. "Valid until" is an instant; a date means through that whole day in the
// organization's time zone; something is expired from that instant on.

/**
 * The instant something given as `input` stops being valid: a duration from `now` (`30d`, `12h`,
 * `1h30m`), a calendar date (valid through that day in the organization's time zone) or an instant
 * with its offset, within the times licctl stores (domain/time-range.ts). `field` is the input's
 * path in the request, named in the refusal; `future` refuses an instant already past, in one
 * wording for every expiration: the input against today, then why (what creating or renewing with it
 * would do: `the token would be expired on arrival`).
 */
export function validUntil(
  input: string,
  org: Pick<OrgRow, 'time_zone'>,
  opts: { now: number; field?: string; future?: string },
): number {
  const field = opts.field ?? 'body.expires'
  const ms = parseDuration(input)
  const at = ms !== null ? opts.now + ms : expiryInstant(input, org.time_zone)
  if (at === null) throw invalidField(field, `not a duration, a date or an instant, got '${input}'`)
  const problem = (isCalendarDate(input) ? dateProblem(input) : null) ?? instantProblem(at)
  if (problem !== null) throw invalidField(field, `${problem}, got '${input}'`)
  if (opts.future !== undefined && at <= opts.now)
    throw invalidField(field, `${passed(input, org, opts.now)}: ${opts.future}`)
  return at
}

/** What a past expiration is, against today: a day in the organization's time zone, or now. */
function passed(input: string, org: Pick<OrgRow, 'time_zone'>, now: number): string {
  return isCalendarDate(input)
    ? `'${input}' has passed (today is ${calendarDay(now, org.time_zone)} in ${org.time_zone})`
    : `'${input}' is not in the future (it is now ${toIso(now)})`
}

/**
 * Why an operator may not provision (or renew to) an expiration already past: what is bought would
 * be dead on arrival. A test or demo that needs an expired one provisions it on an earlier clock
 * (`server start --clock`) and moves on.
 */
export const notExpiredOnArrival = (thing: string) => `${thing} would be expired on arrival`
export const notExpiredAtOnce = (thing: string) => `${thing} would expire at once`

/** Expired from its expiration instant on; null never expires. */
export function isExpired(expiresAt: number | null, now: number): boolean {
  return expiresAt !== null && expiresAt <= now
}

/** The one wording of an expiry refusal: `<thing> expired after <last valid day>` (see expiredWhen). */
export function expiredError(
  thing: string,
  expiresAt: number,
  org: Pick<OrgRow, 'time_zone'>,
  now: number,
  details?: Record<string, unknown>,
): AppError {
  return new AppError('pool_expired', `${thing} expired ${expiredWhen(expiresAt, org.time_zone, now)}`, {
    ...details,
    expiresAt: toIso(expiresAt),
  })
}

/** Refuses (pool_expired, the one wording) what has expired at `now`. */
export function assertValid(
  thing: string,
  expiresAt: number,
  org: Pick<OrgRow, 'time_zone'>,
  now: number,
  details?: Record<string, unknown>,
): void {
  if (isExpired(expiresAt, now)) throw expiredError(thing, expiresAt, org, now, details)
}
