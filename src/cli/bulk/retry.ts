import { counted } from '../../domain/plural.js'
import { formatDuration } from '../../domain/duration.js'
import { envDurationMs } from '../env-duration.js'
import { CliError } from '../errors.js'

/** How long a batch keeps trying while the server is unavailable, unless LICCTL_BULK_RETRY_FOR says. */
export const DEFAULT_RETRY_FOR_MS = 60_000

/**
 * How long (ms) each batch keeps trying while the server is unavailable (a database restarting, a
 * server being deployed): LICCTL_BULK_RETRY_FOR, in seconds (`90`) or as a duration (`90s`, `5m`);
 * 60 s by default. A batch is retried with its Idempotency-Key, so waiting never applies it twice.
 */
export function retryBudgetMs(): number {
  return envDurationMs('LICCTL_BULK_RETRY_FOR', DEFAULT_RETRY_FOR_MS)
}

/**
 * What a job says on stderr, once, when a batch has spent its usual retries and goes on waiting for
 * an unavailable server: without it, a job would sit silent for up to its whole budget. It starts
 * on a line of its own (over a progress bar, which draws itself again below it).
 */
export function waitingNotice(write: (text: string) => void = (t) => void process.stderr.write(t)) {
  let said = false
  return (budgetMs: number): void => {
    if (said) return
    said = true
    const bar = process.stderr.isTTY ? '\r\x1b[2K' : ''
    write(
      `${bar}The server is unavailable; each batch keeps trying for up to ${formatDuration(budgetMs)} (LICCTL_BULK_RETRY_FOR)${process.stderr.isTTY ? '; Ctrl-C stops the job' : ''}…\n`,
    )
  }
}

/**
 * The error that ends a job whose batch found the server unavailable for the whole budget: how far
 * it got, and that running it again finishes it (batches applied stay applied; a re-run reports
 * their rows already so). Exit 1, as a network or server error.
 */
export function serverUnavailable(
  budgetMs: number,
  done: number,
  total: number,
  dryRun: boolean,
  cause: Error,
): CliError {
  const wait = formatDuration(budgetMs)
  return new CliError(
    dryRun
      ? `the server was unavailable for ${wait}; the plan stopped after ${done} of ${counted(total, 'row')}, and nothing was changed; run the same command again`
      : `the server was unavailable for ${wait}; stopped after ${done} of ${counted(total, 'row')}; run the same command again to finish`,
    {
      code: 'unavailable',
      exitCode: 1,
      hint: `last answer: ${cause.message}. LICCTL_BULK_RETRY_FOR (seconds, or 5m) sets how long each batch keeps trying`,
      cause,
    },
  )
}
