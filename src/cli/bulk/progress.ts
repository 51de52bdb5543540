/** A progress bar on stderr for a job of 50 rows or more on a terminal; cli-progress loads only then. */
export async function startProgress(total: number) {
  // Only where a person watches a terminal that draws it (TERM=dumb would show its codes as text).
  if (!process.stderr.isTTY || process.env.TERM === 'dumb' || total < 50) return undefined
  const { default: cliProgress } = await import('cli-progress')
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: ' {bar} {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  )
  const started = Date.now()
  let running = true
  bar.start(total, 0, { rate: 0 })
  return {
    update: (n: number) => {
      if (running) bar.update(n, { rate: Math.round((n * 1000) / Math.max(1, Date.now() - started)) })
    },
    /** Clears the bar and shows the cursor again; once (an interrupted job stops it early). */
    stop: () => {
      if (running) bar.stop()
      running = false
    },
  }
}
