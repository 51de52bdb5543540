/** Files above this size make the heap economical (about 30,000 rows of `email,name`). */
export const LARGE_INPUT_BYTES = 1_000_000

/** Rows between two full collections on a large input. */
export const ROWS_PER_COLLECTION = 10_000

/** Inputs of at least this many bytes are streamed twice rather than kept after validation. */
export function streamAbove(): number {
  const fromEnv = Number(process.env.LICCTL_BULK_STREAM_BYTES)
  return Number.isInteger(fromEnv) && fromEnv >= 0 ? fromEnv : LARGE_INPUT_BYTES
}

/**
 * Pass 2 (sending) of a large input leaves `optimize_for_size`: its GC was about a third of the
 * CLI's CPU on a 100,000-row file. The young generation is kept from growing instead (growth factor
 * 1), which is what held the peak down: without it, pass 2 took the peak from ~100 to ~145 MB RSS.
 * Measured on 100,000 rows, interleaved: CLI CPU −22 %, peak RSS unchanged (docs/performance.md).
 * The full collections every ROWS_PER_COLLECTION rows go on.
 */
export async function relaxHeap(): Promise<void> {
  const v8 = await import('node:v8')
  v8.setFlagsFromString('--no-optimize-for-size')
  v8.setFlagsFromString('--semi-space-growth-factor=1')
}

/**
 * A large file job allocates a few short-lived objects per row for as long as the file is, and
 * V8's default heuristics then grow the heap to several times the live set: a 100,000-row file
 * peaked near 200 MB RSS with ~25 MB live. Switching the heap to `optimize_for_size` (read by the
 * GC's sizing heuristics at run time) helps only when no young generation has grown yet, so the
 * peak was either ~135 or ~200 MB from one run to the next; a full collection right after the
 * switch, and again every ROWS_PER_COLLECTION rows, keeps it at ~135 MB every time, for ~15% more
 * time on such a file. (`gc` is reachable at run time only through a new context once exposed.)
 * Changes no behaviour; used for large inputs only (small jobs keep the faster default).
 */
export async function economizeHeap(): Promise<() => void> {
  const [v8, vm] = await Promise.all([import('node:v8'), import('node:vm')])
  v8.setFlagsFromString('--optimize-for-size')
  v8.setFlagsFromString('--expose-gc')
  const collect = vm.runInNewContext('gc') as () => void
  collect()
  return collect
}
