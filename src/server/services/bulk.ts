import type { Kysely, Transaction } from 'kysely'
import type { BulkResponse, BulkRowResult } from '../../contract/bulk.js'
import type { Database } from '../../storage/schema.js'
import type { ServiceContext } from '../context.js'
import { AppError } from '../errors.js'
import { audit } from './audit.js'

/** What applying one row did: changed something, or found it already so. Failures are thrown AppErrors. */
export type RowOutcome = { changed: boolean; details?: Record<string, unknown> }

export interface BulkJob<T> {
  orgId: string
  /** Audit action of the job entry, e.g. `cloud.assign.bulk`. */
  action: string
  /** The job entry's target, e.g. the add-on key. */
  target: string
  dryRun: boolean
  items: readonly T[]
  /** How a row is named in results (an email, a lease id). */
  label(item: T): string
  /** Applies one row inside the batch transaction; throws AppError to fail the row. */
  apply(trx: Transaction<Database>, item: T, index: number): Promise<RowOutcome>
}

/**
 * The bulk engine's server half: one transaction per batch, one savepoint per row, so a failing
 * row leaves nothing behind and never stops the others. A dry run is the same code, rolled back.
 */
export async function runBulk<T>(ctx: ServiceContext, job: BulkJob<T>): Promise<BulkResponse> {
  const results: BulkRowResult[] = []
  const summary = { changed: 0, unchanged: 0, failed: 0 }
  const trx = await (ctx.db as Kysely<Database>).startTransaction().execute()
  try {
    for (const [index, item] of job.items.entries()) {
      const target = job.label(item)
      const sp = await trx.savepoint('row').execute()
      try {
        const outcome = await job.apply(sp, item, index)
        await sp.releaseSavepoint('row').execute()
        if (outcome.changed) summary.changed++
        else summary.unchanged++
        const status = outcome.changed ? (job.dryRun ? 'will-change' : 'changed') : 'already-so'
        results.push({ index, target, status, ...(outcome.details ? { details: outcome.details } : {}) })
      } catch (err) {
        await sp.rollbackToSavepoint('row').execute()
        if (!(err instanceof AppError)) throw err
        summary.failed++
        results.push({
          index,
          target,
          status: job.dryRun ? 'will-fail' : 'failed',
          code: err.code,
          message: err.message,
          ...(err.details ? { details: err.details } : {}),
        })
      }
    }
    if (job.dryRun) {
      await trx.rollback().execute()
    } else {
      if (job.items.length > 1) {
        await audit(trx, ctx.principal, ctx.clock.now(), {
          orgId: job.orgId,
          action: job.action,
          target: job.target,
          after: { rows: job.items.length, ...summary },
        })
      }
      await trx.commit().execute()
    }
  } catch (err) {
    await trx.rollback().execute()
    throw err
  }
  return { dryRun: job.dryRun, results, summary }
}
