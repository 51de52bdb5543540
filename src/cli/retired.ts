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
 * ending at 00:00), else the instant, as tables show one (`at 2026-12-05 01:43Z`, or `5 minutes ago`
 * on a terminal): "expired after <today>", said of `--expires 5s` on that same day, read as if it
 * were still valid. The organization's zone is the server's to know: an expiration at 00:00 UTC is
 * read as whole days, one at another zone's midnight is shown as the instant, which is as true.
 */
function expiredWhen(r: { validThrough: string; expiresAt: string }): string {
  return /T00:00:00(\.0+)?Z$/.test(r.expiresAt) ? `after ${r.validThrough}` : atTime(r.expiresAt)
}
