import { UsageError } from '../client/errors.js'
import { parseDuration } from '../domain/duration.js'

/** A duration flag (15m, 2h, 14d) in whole seconds, or a usage error naming the flag. */
export function durationSeconds(flag: string, text: string): number {
  const ms = parseDuration(text)
  if (ms === null)
    throw new UsageError(`${flag}: expected a duration like 90s, 15m, 2h or 14d, got '${text}'`)
  return Math.round(ms / 1000)
}

/**
 * A time flag as an ISO-8601 instant: a duration counted from now (`7d`: added, or subtracted for
 * a flag that looks back) or an absolute time read by the flag's own rule (`absolute`, which
 * returns epoch milliseconds or null). Anything else is a usage error naming the flag.
 */
export function timeFlag(
  flag: string,
  text: string,
  opts: { direction: 1 | -1; absolute(text: string): number | null; expected: string },
): string {
  const ms = parseDuration(text)
  if (ms !== null) return new Date(Date.now() + opts.direction * ms).toISOString()
  const at = opts.absolute(text)
  if (at === null) throw new UsageError(`${flag}: expected ${opts.expected}, got '${text}'`)
  return new Date(at).toISOString()
}
