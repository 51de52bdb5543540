import { parseDuration } from '../domain/duration.js'
import { quote, UsageError } from './errors.js'

/**
 * A duration an environment variable sets, in ms: seconds (`90`, `2.5`) or a duration (`90s`, `5m`,
 * `1m30s`, read by the one duration parser); `fallbackMs` when unset or empty. Anything else is a
 * usage error naming the variable (exit 2), before anything is sent.
 */
export function envDurationMs(name: string, fallbackMs: number): number {
  const text = process.env[name]?.trim()
  if (!text) return fallbackMs
  const ms = /^\d+(\.\d+)?$/.test(text) ? Math.round(Number(text) * 1000) : parseDuration(text)
  if (ms === null)
    throw new UsageError(
      `${name}: expected seconds (${fallbackMs / 1000}) or a duration (90s, 5m), got ${quote(text)}`,
    )
  return ms
}
