import type { BulkResponse, BulkRowResult } from '../../contract/bulk.js'
import type { ServiceContext } from '../context.js'
import { AppError } from '../errors.js'
import { inTransaction, withSavepoint, type Tx } from '../transaction.js'
import { auditJob, beginAuditJob } from './audit.js'

/** What applying one row did: changed something, or found it already so. Failures are AppErrors. */
export type RowOutcome = { changed: boolean; details?: Record<string, unknown> }

interface BulkJobBase<T> {
  orgId: string
  /** Audit action of the job entry, e.g. `cloud.assign.bulk`. */
  action: string
  /** The job entry's target, e.g. the add-on key. */
  target: string
  dryRun: boolean
  items: readonly T[]
  /** How a row is named in results (an email, a lease id). */
  label(item: T): string
  /**
   * Dry runs of a job sent in several batches: each batch is rolled back, so batch n alone would plan
   * as if batches 1..n-1 had not happened. The client sends their rows that would change, batch by
   * batch, and the engine applies them first with this job's own code (rolled back with the rest),
   * so the plan sees what the real run will find: licenses taken, rows already done, and which
   * license each took. Ignored when applying.
   */
  prior?: ReadonlyArray<readonly T[]> | undefined
}

/** How a bulk service is asked to run: for real or as a dry run, and a dry run's earlier batches. */
export interface BulkOptions<T> {
  dryRun: boolean
  /** See BulkJob's prior. */
  prior?: ReadonlyArray<readonly T[]> | undefined
}

/** A job applied row by row: each row in a savepoint, failed by throwing an AppError. */
interface RowJob<T> extends BulkJobBase<T> {
  /** Applies one row inside the batch transaction; throws AppError to fail the row. */
  apply(trx: Tx, item: T, index: number): Promise<RowOutcome>
  /**
   * Locks what the rows will lock, once for the batch and in one order, before any row runs: a row
   * locking its own rows as it goes would take them after what earlier rows locked (a pool), out of
   * the order every other transaction takes them in.
   */
  lockFirst?(trx: Tx, items: readonly T[]): Promise<void>
  applyBatch?: never
}

/**
 * A job applied to the whole batch at once with set-based statements: what makes a batch of 1,000
 * rows one short transaction instead of thousands of statements. Returns one outcome per item, in
 * order: what the row did, or the AppError refusing it. A refused row must leave nothing behind.
 */
interface BatchJob<T> extends BulkJobBase<T> {
  applyBatch(trx: Tx, items: readonly T[]): Promise<Array<RowOutcome | AppError>>
  apply?: never
}

export type BulkJob<T> = RowJob<T> | BatchJob<T>

/**
 * The bulk engine's server half: one transaction per batch; a failing row leaves nothing behind
 * (its savepoint is rolled back, or a batch job never writes it) and never stops the others. A dry
 * run is the same code, rolled back. An applied job records one audit entry with its totals.
 */
export async function runBulk<T>(ctx: ServiceContext, job: BulkJob<T>): Promise<BulkResponse> {
  // A batch may run more than once (the runner retries a deadlock): each attempt reports afresh.
  return inTransaction(
    ctx,
    async (trx) => {
      const results: BulkRowResult[] = []
      const summary = { changed: 0, unchanged: 0, failed: 0 }
      const report = (index: number, outcome: RowOutcome | AppError) => {
        const target = job.label(job.items[index]!)
        if (outcome instanceof AppError) {
          summary.failed++
          results.push({
            index,
            target,
            status: job.dryRun ? 'will-fail' : 'failed',
            code: outcome.code,
            message: outcome.message,
            ...(outcome.details ? { details: outcome.details } : {}),
          })
          return
        }
        if (outcome.changed) summary.changed++
        else summary.unchanged++
        const status = outcome.changed ? (job.dryRun ? 'will-change' : 'changed') : 'already-so'
        results.push({ index, target, status, ...(outcome.details ? { details: outcome.details } : {}) })
      }
      // A job of several rows is one job entry; the entries of its rows link to it.
      const jobId = !job.dryRun && job.items.length > 1 ? beginAuditJob(trx, ctx.clock.now()) : undefined
      if (job.dryRun && job.prior) await replay(trx, job, job.prior)
      if (job.applyBatch) {
        const outcomes = await job.applyBatch(trx, job.items)
        for (const [index, outcome] of outcomes.entries()) report(index, outcome)
      } else {
        await job.lockFirst?.(trx, job.items)
        for (const [index, item] of job.items.entries()) report(index, await applyRow(trx, job, item, index))
      }
      if (jobId)
        auditJob(trx, ctx, jobId, {
          orgId: job.orgId,
          action: job.action,
          target: job.target,
          after: { rows: job.items.length, ...summary },
        })
      return { dryRun: job.dryRun, results, summary }
    },
    // A dry run is the same code, rolled back. Under an Idempotency-Key, an applied batch's answer
    // is stored with its change (the route skips the lookup: see keyWithAnswer in routes/register).
    { rollback: job.dryRun, answer: true },
  )
}

/** Applies the earlier batches of a dry run, as the real run will have: outcomes are not reported. */
async function replay<T>(trx: Tx, job: BulkJob<T>, prior: ReadonlyArray<readonly T[]>) {
  for (const batch of prior) {
    if (job.applyBatch) await job.applyBatch(trx, batch)
    else for (const [index, item] of batch.entries()) await applyRow(trx, job, item, index)
  }
}

async function applyRow<T>(trx: Tx, job: RowJob<T>, item: T, index: number): Promise<RowOutcome | AppError> {
  try {
    return await withSavepoint(trx, 'row', (sp) => job.apply(sp, item, index))
  } catch (err) {
    if (!(err instanceof AppError)) throw err
    return err
  }
}
