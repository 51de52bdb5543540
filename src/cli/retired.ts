import { itThem } from '../domain/plural.js'
import { atTime } from './output.js'

/**
 * What `seats retire`, `cloud retire` and `activations retire` print: retired now, or already so.
 * `thing` names it (`seat pool 'cad-pro'`); `also` is what left the check with it (an entitlement's
 * IDs), `count` how many things that is.
 */
export function retiredLine(
  thing: string,
  r: { changed: boolean; validThrough: string; expiresAt: string; retiredAt: string | null },
  also: { text: string; count: number } = { text: '', count: 0 },
): string {
  const capital = `${thing.charAt(0).toUpperCase()}${thing.slice(1)}`
  return r.changed
    ? `Retired ${thing} (expired ${expiredWhen(r)})${also.text}: \`expiry check\` no longer reports ${itThem(1 + also.count)}.`
    : `${capital} was already retired (${r.retiredAt === null ? 'at an earlier time' : atTime(r.retiredAt)}): nothing to do.`
}

/**
 * When it expired: `after <its last valid day>` when it ran through whole days (a date expiration,
 * ending at the midnight after that day in the organization's zone), else the instant, as tables
 * show one (`at 2026-12-05 01:43Z`, or `5 minutes ago` on a terminal): "expired after <today>",
 * said of `--expires 5s` on that same day, read as if it were still valid. The zone is the server's
 * to know; the answer's own two fields tell it: a date expiration is the start of the day after
 * `validThrough` at a zone offset (whole quarter hours, UTC-12 to UTC+14), and a duration's end
 * falls at an arbitrary time of day.
 */
function expiredWhen(r: { validThrough: string; expiresAt: string }): string {
  const nextDay = Date.parse(`${r.validThrough}T00:00:00Z`) + 86_400_000
  const offsetMinutes = (nextDay - Date.parse(r.expiresAt)) / 60_000
  const midnightInAZone =
    Number.isInteger(offsetMinutes / 15) && offsetMinutes >= -12 * 60 && offsetMinutes <= 14 * 60
  return midnightInAZone ? `after ${r.validThrough}` : atTime(r.expiresAt)
}
