// No imports: bin/run.js loads this before oclif, for every command and for oclif's own help.

let watching = false

/**
 * A reader that stops early (`licctl … | head -1`) closes stdout: the next write fails with EPIPE.
 * Like `git log | head`, that is no error: the rest of the output is dropped and the command ends
 * as it would have (exit 0 for a list; a bulk job still applies every row). Without this, oclif's
 * last flush waits for a 'drain' that never comes and Node exits 13 ("unsettled top-level await").
 */
export function dropOutputWhenStdoutCloses(stdout: NodeJS.WriteStream = process.stdout): void {
  if (watching) return
  watching = true
  let closed = false
  const emit = stdout.emit.bind(stdout) as (event: string | symbol, ...args: unknown[]) => boolean
  // The stream is process-wide, so the rule is too: once the reader is gone, writes succeed at once
  // and an EPIPE is not an 'error' (which would reject a writer waiting for 'drain') but a last
  // 'drain', so whoever waits goes on.
  stdout.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'error' && (closed || (args[0] as NodeJS.ErrnoException | undefined)?.code === 'EPIPE')) {
      if (!closed) {
        closed = true
        stdout.write = ((_chunk: unknown, ...rest: unknown[]) => {
          const cb = rest.find((a) => typeof a === 'function') as (() => void) | undefined
          if (cb) process.nextTick(cb)
          return true
        }) as typeof stdout.write
        Object.defineProperty(stdout, 'writableNeedDrain', { get: () => false })
        emit('drain')
      }
      return true
    }
    return emit(event, ...args)
  }) as typeof stdout.emit
}
