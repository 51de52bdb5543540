import { CliError } from '../errors.js'

/** Ctrl-C, a closed terminal, `kill`: with the exit status a shell gives a process they end (128 + n). */
const SIGNALS = { SIGINT: 2, SIGHUP: 1, SIGTERM: 15 } as const
type Caught = keyof typeof SIGNALS

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

/** The error that ends an interrupted job, after its report said how far it got. */
export function interrupted(signal: Caught, done: number, total: number, dryRun: boolean): CliError {
  return new CliError(`interrupted (${signal}) after ${done} of ${total} rows`, {
    code: 'interrupted',
    exitCode: 128 + SIGNALS[signal],
    hint: dryRun
      ? 'a dry run changes nothing; re-run it to see the whole plan'
      : 'batches sent were applied whole; re-run the same command to finish the job',
  })
}
