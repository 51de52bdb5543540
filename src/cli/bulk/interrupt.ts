import { counted } from '../../domain/plural.js'
import { CliError } from '../errors.js'

/** Ctrl-C, a closed terminal, `kill`: with the exit status a shell gives a process they end (128 + n). */
const SIGNALS = { SIGINT: 2, SIGHUP: 1, SIGTERM: 15 } as const
type Caught = keyof typeof SIGNALS

/**
 * How long (ms) the first signal waits for the answer to the batch on its way (so that its rows are
 * reported: every row applied is a row reported) before giving it up. A healthy server answers a
 * batch of 1,000 rows well within it; one that has gone silent is not waited for until the
 * request's own timeout (LICCTL_TIMEOUT, 30 s, and then LICCTL_BULK_RETRY_FOR).
 */
export const IN_FLIGHT_GRACE_MS = 2_000

/**
 * Watches for the signals that end a bulk job while it applies. The first one stops the job at the
 * end of the batch the server is applying (that batch is all or nothing, and its rows are then
 * reported); a second one quits at once, after `quit` has put the terminal back (the cursor the
 * progress bar hid).
 */
export function watchInterrupts(hooks: { first(signal: Caught): void; quit(): void }) {
  let caught: Caught | undefined
  const handler = (signal: Caught) => {
    if (caught) {
      hooks.quit()
      process.exit(128 + SIGNALS[caught])
    }
    caught = signal
    hooks.first(signal)
  }
  const names = Object.keys(SIGNALS) as Caught[]
  for (const name of names) process.on(name, handler)
  return {
    /** The signal that stopped the job, if one did. */
    get signal(): Caught | undefined {
      return caught
    },
    dispose() {
      for (const name of names) process.off(name, handler)
    },
  }
}

/**
 * The error that ends an interrupted job, after its report said how far it got. `unanswered`: the
 * batch on its way was given up before the server answered it, so it may or may not have been
 * applied (whole either way).
 */
export function interrupted(
  signal: Caught,
  done: number,
  total: number,
  dryRun: boolean,
  unanswered = false,
): CliError {
  return new CliError(`interrupted (${signal}) after ${done} of ${counted(total, 'row')}`, {
    code: 'interrupted',
    exitCode: 128 + SIGNALS[signal],
    hint: dryRun
      ? 'a dry run changes nothing; re-run it to see the whole plan'
      : unanswered
        ? `the batch after row ${done} went unanswered for ${IN_FLIGHT_GRACE_MS / 1000}s and was given up: the server applies it whole or not at all; re-run the same command to finish the job (rows already applied report already-so)`
        : 'batches sent were applied whole; re-run the same command to finish the job',
  })
}
