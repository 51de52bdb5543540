import type { FastifyInstance } from 'fastify'
import { pruneRateLimits } from './rate-limit.js'

export interface HousekeepingOptions {
  /** Idempotency records older than this are deleted (a client retries for minutes, not days). */
  idempotencyRetentionMs: number
  /** How often the server prunes. Every process does it; the deletes are idempotent. */
  intervalMs: number
}

export const DEFAULT_IDEMPOTENCY_RETENTION_MS = 86_400_000

/** The interval for a retention: a tenth of it, between 10 s and 1 h. */
export function pruneIntervalFor(retentionMs: number): number {
  return Math.min(3_600_000, Math.max(10_000, Math.floor(retentionMs / 10)))
}

/**
 * Deletes the idempotency records older than the retention: answers kept for replay, and
 * reservations left by a server that died mid-request (taken over after two minutes anyway).
 * Returns how many rows went.
 */
export async function pruneIdempotencyKeys(app: FastifyInstance, retentionMs: number): Promise<number> {
  const cutoff = app.clock.now() - retentionMs
  const result = await app.storage.db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', cutoff)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

/**
 * Prunes on a timer for as long as the app is open. A failed run (the database is unreachable)
 * is logged and retried at the next tick; it never stops the server.
 */
export function startHousekeeping(app: FastifyInstance, opts: HousekeepingOptions): void {
  let running = false
  const tick = async () => {
    if (running || app.draining) return
    running = true
    try {
      const deleted = await pruneIdempotencyKeys(app, opts.idempotencyRetentionMs)
      if (deleted > 0) app.log.info({ deleted }, 'pruned idempotency records')
      if (app.authFailureLimits)
        await pruneRateLimits(app.storage.db, app.clock.now(), app.authFailureLimits.windowMs)
    } catch (err) {
      app.log.warn({ err: { message: (err as Error).message } }, 'pruning idempotency records failed')
    } finally {
      running = false
    }
  }
  const timer = setInterval(() => void tick(), opts.intervalMs)
  timer.unref()
  app.addHook('onClose', async () => clearInterval(timer))
}
