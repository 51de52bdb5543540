import { DEFAULT_TIMEOUT_MS } from '../client/transport.js'
import { envDurationMs } from './env-duration.js'
import { quote, UsageError } from './errors.js'

/** The longest LICCTL_TIMEOUT: a timer takes at most 2^31-1 ms (24 days and a bit). */
const MAX_TIMEOUT_MS = 24 * 86_400_000

/**
 * How long one request may wait for its answer, retries included: LICCTL_TIMEOUT, in seconds (`10`)
 * or as a duration (`10s`, `2m`); 30 s by default (the transport's). A bulk job's batch is given it
 * for each attempt, and keeps trying an unavailable server for LICCTL_BULK_RETRY_FOR (bulk/retry.ts).
 * A value that is not one is a usage error (exit 2) naming the variable.
 */
export function requestTimeoutMs(): number {
  const ms = envDurationMs('LICCTL_TIMEOUT', DEFAULT_TIMEOUT_MS)
  if (ms > 0 && ms <= MAX_TIMEOUT_MS) return ms
  throw new UsageError(
    `LICCTL_TIMEOUT: must be more than 0 and at most 24d, got ${quote(process.env.LICCTL_TIMEOUT?.trim() ?? '')}`,
    { hint: `e.g. LICCTL_TIMEOUT=2m (${DEFAULT_TIMEOUT_MS / 1000}s by default)` },
  )
}
