import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type BetterSqlite3 from 'better-sqlite3'

/** How often the worker checkpoints (a checkpoint with nothing to copy costs a few system calls). */
const INTERVAL_MS = 100

/**
 * Frames the serving connection lets the WAL reach before it checkpoints itself: a backstop for a
 * worker that falls behind or is gone (SQLite's default, which this replaces, is 1,000).
 */
export const BACKSTOP_PAGES = 10_000

// The worker is plain CommonJS run from a string (`eval`), so it is the same under tsx (tests) and
// from dist/, with nothing to resolve but better-sqlite3, whose path the parent passes.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file)
db.pragma('busy_timeout = 0')
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)')
  } catch {
    // Busy (another checkpoint runs, or a writer is mid-reset): the next tick tries again.
  }
}, workerData.intervalMs)
parentPort.once('message', () => {
  clearInterval(timer)
  db.close()
  parentPort.close()
})
`

export interface Checkpointer {
  /** Stops the worker and closes its connection; resolves once it has exited. */
  stop(): Promise<void>
}

/**
 * Runs SQLite's WAL checkpoints on a worker thread, on a connection of its own, instead of on the
 * thread that serves requests. By default SQLite checkpoints inside the COMMIT that takes the WAL
 * past 1,000 pages: that commit copies every page to the database file and syncs it twice, and
 * the event loop waits meanwhile. A PASSIVE checkpoint never waits for readers or writers, so the
 * worker copies and syncs while requests go on; the serving connection only resets the WAL at the
 * start of a write once everything in it has been copied (as SQLite always does). Durability is
 * unchanged: a commit is in the WAL either way, and `synchronous = NORMAL` syncs it at checkpoints.
 *
 * The serving connection still checkpoints by itself past BACKSTOP_PAGES, and goes back to SQLite's
 * default if the worker stops unexpectedly.
 */
export function startCheckpointer(
  database: BetterSqlite3.Database,
  file: string,
  intervalMs: number = INTERVAL_MS,
): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3')
  const worker = new Worker(WORKER, { eval: true, workerData: { file, driver, intervalMs } })
  let stopping = false
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  // The worker never keeps the process alive; if it fails, the serving connection checkpoints again.
  worker.unref()
  const fallBack = () => {
    if (!stopping && database.open) database.pragma('wal_autocheckpoint = 1000')
  }
  worker.once('error', fallBack)
  worker.once('exit', fallBack)
  database.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`)
  return {
    async stop() {
      stopping = true
      // Unreferenced, the worker would not keep this process up until it has closed its connection.
      worker.ref()
      worker.postMessage('stop')
      await exited
    },
  }
}
