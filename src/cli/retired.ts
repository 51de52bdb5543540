import { itThem } from '../domain/plural.js'
import { atTime } from './output.js'

/**
 * What `seats retire`, `cloud retire` and `activations retire` print: retired now, or already so.
 * `thing` names it (`seat pool 'cad-pro'`); `also` is what left the check with it (an entitlement's
 * IDs), `count` how many things that is.
 */
export function retiredLine(
  thing: string,
  r: { changed: boolean; validThrough: string; retiredAt: string | null },
  also: { text: string; count: number } = { text: '', count: 0 },
): string {
  const capital = `${thing.charAt(0).toUpperCase()}${thing.slice(1)}`
  return r.changed
    ? `Retired ${thing} (expired after ${r.validThrough})${also.text}: \`expiry check\` no longer reports ${itThem(1 + also.count)}.`
    : `${capital} was already retired (${r.retiredAt === null ? 'at an earlier time' : atTime(r.retiredAt)}): nothing to do.`
}
