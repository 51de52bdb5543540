import { UsageError } from '../client/errors.js'
import { parseDuration } from '../domain/duration.js'

/** A duration flag (15m, 2h, 14d) in whole seconds, or a usage error naming the flag. */
export function durationSeconds(flag: string, text: string): number {
  const ms = parseDuration(text)
  if (ms === null)
    throw new UsageError(`${flag}: expected a duration like 90s, 15m, 2h or 14d, got '${text}'`)
  return Math.round(ms / 1000)
}
