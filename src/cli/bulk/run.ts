import {
  BULK_PRIOR_MAX_ITEMS,
  type BulkResponse,
  type BulkRowResult,
  type BulkSummary,
} from '../../contract/bulk.js'
import { isAborted, isUnavailable, newIdempotencyKey } from '../../client/transport.js'
import { exitCodeFor } from '../../contract/errors.js'
import { CliError, UsageError } from '../errors.js'
import { aheadByOne, batchSizeOf, inBatches, streamedBatches } from './batches.js'
import { exitCodeOf } from './exit-codes.js'
import { IN_FLIGHT_GRACE_MS, interrupted, watchInterrupts } from './interrupt.js'
import { economizeHeap, LARGE_INPUT_BYTES, relaxHeap, ROWS_PER_COLLECTION, streamAbove } from './heap.js'
import { startProgress } from './progress.js'
import { Report } from './report.js'
import { retryBudgetMs, serverUnavailable, waitingNotice } from './retry.js'
import { inputBytes, type BulkSource } from './source.js'
import type { BulkSpec, Entry } from './spec.js'
import { validateAll } from './validate.js'

export interface RunOptions {
  dryRun: boolean
  json: boolean
  /** `--json a,b`: the fields kept of each result row. */
  fields?: string[] | undefined
  /** `--jq`: a filter over the whole document (which is then held until the job ends). */
  jq?: string | undefined
  /** Refuse a target named twice instead of reporting the second row as a duplicate. */
  strict?: boolean | undefined
}

/**
 * Runs a bulk job: validates every row first (a malformed input is rejected whole, nothing sent),
 * then sends the rows in batches of up to 1,000, one request (one server transaction) each, with an
 * Idempotency-Key per batch so a retried request is applied once. A batch that finds the server
 * unavailable keeps trying for LICCTL_BULK_RETRY_FOR (retry.ts); past that the job stops (exit 1),
 * saying how far it got. A row naming a target an earlier row named is reported `duplicate` and not
 * sent again. Each batch's results are written as they arrive and dropped: memory stays flat however
 * long the file. Returns the exit code: 0 when no row failed, 6 when some did (see exitCodeOf).
 */
export async function runBulk<Item, Params, Options>(
  spec: BulkSpec<Item, Params, Options>,
  source: BulkSource,
  opts: RunOptions,
): Promise<number> {
  const retryFor = retryBudgetMs()
  const bytes = await inputBytes(source)
  const collect = bytes >= LARGE_INPUT_BYTES ? await economizeHeap() : undefined
  // A small input is read once: its validated rows are kept for sending. A large one is streamed
  // again, so memory stays flat however long the file.
  const kept: Array<Entry<Item>> | undefined = bytes >= streamAbove() ? undefined : []
  const { total, duplicates } = await validateAll(spec, source, { strict: opts.strict, keep: kept })
  if (collect) await relaxHeap()
  const place = placeOf(source)
  const report = new Report({
    ...opts,
    verb: spec.verb,
    place,
    describe: spec.describe?.bind(spec),
  })
  const summary: BulkSummary = { changed: 0, unchanged: 0, failed: 0 }
  const failureExits = new Set<number>()
  const progress = await startProgress(total)
  let done = 0
  const batches = kept
    ? inBatches(kept, batchSizeOf(spec))
    : aheadByOne(streamedBatches(spec, source, duplicates))
  // Ctrl-C, a closed terminal or `kill` stops the job between batches: the one being applied is
  // reported, nothing more is sent, and the report says how far it got (see interrupt.ts). The
  // batch on its way is given IN_FLIGHT_GRACE_MS to be answered; then it is given up (`stop`): a
  // wait for an unavailable server ends, and a request the server is silent on is dropped.
  const stop = new AbortController()
  let grace: NodeJS.Timeout | undefined
  const server: ServerContact = { reached: false }
  const signals = watchInterrupts({
    first: (signal) => {
      grace = setTimeout(() => stop.abort(), IN_FLIGHT_GRACE_MS)
      progress?.stop()
      if (signal === 'SIGINT' && process.stderr.isTTY)
        process.stderr.write('Stopping after the batch being applied… (Ctrl-C again to quit now)\n')
    },
    quit: () => progress?.stop(),
  })
  try {
    for await (const { batch, results } of sent(spec, batches, {
      dryRun: opts.dryRun,
      place,
      retryFor,
      server,
      signal: stop.signal,
      onWaiting: waitingNotice(),
      stopping: () => signals.signal,
    })) {
      for (const [i, r] of results.entries()) {
        report.row({ ...r, index: done + i, row: batch[i]!.row })
        count(summary, r)
        if (r.status === 'failed' || r.status === 'will-fail') failureExits.add(exitCodeFor(r.code, 409))
      }
      done += batch.length
      progress?.update(done)
      await report.flush()
      if (collect && done % ROWS_PER_COLLECTION < batch.length) collect()
    }
  } catch (err) {
    // Batches already applied stay applied (re-running completes the job). Say how far it got, and
    // keep stdout a valid JSON document under --json.
    progress?.stop()
    await report.stopped(summary, done, total)
    // Stopped by a signal while a batch waited for the server, or given up in flight: the stop is
    // what ended it.
    if (signals.signal && (isUnavailable(err) || isAborted(err)))
      throw interrupted(signals.signal, done, total, opts.dryRun, isAborted(err))
    // A batch that found the server unavailable for the whole budget (a database down for longer).
    throw isUnavailable(err) && server.reached
      ? serverUnavailable(retryFor, done, total, opts.dryRun, err as Error)
      : err
  } finally {
    clearTimeout(grace)
    signals.dispose()
  }
  progress?.stop()
  if (signals.signal && done < total) {
    await report.stopped(summary, done, total)
    throw interrupted(signals.signal, done, total, opts.dryRun)
  }
  const exitCode = exitCodeOf(summary, total - duplicates.size, failureExits)
  await report.done(summary).catch((err: unknown) => {
    throw filterFailedAfterJob(err, summary, opts.dryRun, exitCode)
  })
  return exitCode
}

/**
 * The --jq filter failed on the finished job's report (a runtime error, or a report too large for
 * the built-in jq). The job is done: its rows stay applied, so the failure must not read as a usage
 * error (exit 2: nothing applied). It says what the job did, and exits with the job's own code, or
 * 1 when that was 0 (the report the script asked for was not printed).
 */
function filterFailedAfterJob(err: unknown, s: BulkSummary, dryRun: boolean, exitCode: number): unknown {
  if (!(err instanceof CliError)) return err
  const done = dryRun
    ? `the dry run itself finished (${s.changed} would change, ${s.unchanged} already so, ${s.failed} would fail; nothing was changed)`
    : `the job itself finished and stays applied (${s.changed} changed, ${s.unchanged} unchanged, ${s.failed} failed)`
  // With --jq, errors are JSON and carry no hint: the next step is in the message.
  const next = dryRun
    ? 'run it again with --json > plan.json to keep the plan'
    : 're-run it with --json > report.json to keep a report (applied rows report already-so)'
  return new CliError(`${err.message}; ${done}, but its report was not printed: ${next}`, {
    // Not `usage`: the command line was fine, and the job ran.
    code: err.code === 'usage' ? 'jq_failed' : err.code,
    exitCode: exitCode === 0 ? 1 : exitCode,
    details: err.details,
  })
}

/**
 * The report of a job found to have no rows before any was sent (`seats release --stale` with
 * nothing stale): with --json the same document as a job with rows, on one line (--json a,b and
 * --jq apply); without, the command says why there is nothing to do.
 */
export async function reportNoRows(
  opts: Pick<RunOptions, 'dryRun' | 'json' | 'fields' | 'jq'> & { verb: string },
): Promise<void> {
  if (!opts.json) return
  await new Report({ ...opts, place: 'row' }).done({ changed: 0, unchanged: 0, failed: 0 })
}

/**
 * Plans a job without changing anything (dry-run batches) and returns the rows `keep` selects: how a
 * command finds what needs a confirmation before it applies anything. With `maxRows`, a job of more
 * rows to send is not planned (a plan in many batches takes a while): `{ unplanned }` says how many.
 */
export async function planBulk<Item, Params, Options>(
  spec: BulkSpec<Item, Params, Options>,
  source: BulkSource,
  keep: (r: BulkRowResult) => boolean,
  opts?: { strict?: boolean | undefined },
): Promise<BulkRowResult[]>
export async function planBulk<Item, Params, Options>(
  spec: BulkSpec<Item, Params, Options>,
  source: BulkSource,
  keep: (r: BulkRowResult) => boolean,
  opts: { strict?: boolean | undefined; maxRows: number },
): Promise<BulkRowResult[] | { unplanned: number }>
export async function planBulk<Item, Params, Options>(
  spec: BulkSpec<Item, Params, Options>,
  source: BulkSource,
  keep: (r: BulkRowResult) => boolean,
  opts: { strict?: boolean | undefined; maxRows?: number } = {},
): Promise<BulkRowResult[] | { unplanned: number }> {
  const retryFor = retryBudgetMs()
  if ((await inputBytes(source)) >= LARGE_INPUT_BYTES) await economizeHeap()
  const { total, duplicates } = await validateAll(spec, source, opts)
  const toSend = total - duplicates.size
  if (opts.maxRows !== undefined && toSend > opts.maxRows) return { unplanned: toSend }
  const kept: BulkRowResult[] = []
  let done = 0
  const server: ServerContact = { reached: false }
  try {
    for await (const { batch, results } of sent(spec, streamedBatches(spec, source, duplicates), {
      dryRun: true,
      place: placeOf(source),
      retryFor,
      server,
      onWaiting: waitingNotice(),
    })) {
      for (const [i, r] of results.entries()) if (keep(r)) kept.push({ ...r, index: done + i })
      done += batch.length
    }
  } catch (err) {
    // Planning waits out an unavailable server as applying does, and says so the same way.
    throw isUnavailable(err) && server.reached
      ? serverUnavailable(retryFor, done, total, true, err as Error)
      : err
  }
  return kept
}

/**
 * What a job has learnt of its server, kept by `sent` and read by its caller: `reached` once the
 * server has answered a batch. Until then a batch does not wait out an unavailable server (a wrong
 * URL, a server not started fails as fast as any command), and its failure is not "unavailable for
 * the whole budget".
 */
interface ServerContact {
  reached: boolean
}

/** How a row names another: rows of a file, arguments of the command line. */
const placeOf = (source: BulkSource) => (source.kind === 'file' ? 'row' : 'argument')

function count(summary: BulkSummary, r: BulkRowResult) {
  if (r.status === 'changed' || r.status === 'will-change') summary.changed++
  else if (r.status === 'failed' || r.status === 'will-fail') summary.failed++
  else summary.unchanged++
}

/**
 * Sends each batch (its rows that are not duplicates) and yields one result per row of the batch, in
 * order. A dry run sends with each batch the earlier batches' rows that would change (`prior`): the
 * server applies them first in its rolled-back transaction, so a plan in several batches sees what
 * the earlier ones will have done, exactly as applying will.
 *
 * Applying, batch n+1 is sent as soon as batch n's answer has arrived, before that answer is parsed,
 * checked and reported: the server works on the next batch while the CLI handles the last one. The
 * server still gets the batches one after another (n+1 leaves only once n has committed), so every
 * row meets the state it would meet sent one batch at a time. A dry run waits for each answer: the
 * next batch carries the rows it says would change.
 */
async function* sent<Item, Params, Options>(
  spec: BulkSpec<Item, Params, Options>,
  batches: Iterable<Array<Entry<Item>>> | AsyncIterable<Array<Entry<Item>>>,
  {
    dryRun,
    place,
    retryFor,
    server,
    signal,
    onWaiting,
    stopping = () => false,
  }: {
    dryRun: boolean
    /** How a row names another (`row`, `argument`). */
    place: string
    /** How long (ms) each batch keeps trying while the server is unavailable (retry.ts). */
    retryFor: number
    /** Set here once the server has answered a batch (see ServerContact). */
    server: ServerContact
    /** Aborted when the job gives up on the batch on its way: it stops waiting, or is dropped. */
    signal?: AbortSignal
    /** Told when a batch goes on waiting for an unavailable server. */
    onWaiting?: (budgetMs: number) => void
    /** True once the job is to stop: no batch is sent after it (the one on its way is reported). */
    stopping?: () => unknown
  },
): AsyncGenerator<{ batch: Array<Entry<Item>>; results: BulkRowResult[] }> {
  const prior: Item[][] = []
  let priorRows = 0
  // A batch waits out an unavailable server (retryFor) once the server has answered this job: a
  // server that was never reached (a wrong URL, a server not started) fails as fast as any command.
  interface Flight {
    batch: Array<Entry<Item>>
    items: Array<Entry<Item>>
    /** The server's answer (no request for a batch of duplicates only). */
    response: Promise<BulkResponse | undefined>
    /** True once the server has answered with success, false if the request failed. */
    answered: Promise<boolean>
  }
  const send = (batch: Array<Entry<Item>>): Flight => {
    const items = batch.filter((e) => e.duplicateOf === undefined)
    if (items.length === 0)
      return { batch, items, response: Promise.resolve(undefined), answered: Promise.resolve(true) }
    if (dryRun && priorRows > BULK_PRIOR_MAX_ITEMS)
      throw new UsageError(
        `a dry run plans on top of at most ${BULK_PRIOR_MAX_ITEMS} rows that would change, and the rows before this batch would change ${priorRows}: the rest was not planned`,
        { code: 'dry_run_too_large', hint: 'dry-run the file in parts, or apply it without --dry-run' },
      )
    let onAnswer: () => void = () => undefined
    const arrived = new Promise<boolean>(
      (resolve) =>
        (onAnswer = () => {
          server.reached = true
          resolve(true)
        }),
    )
    const response = spec.endpoint(
      spec.params,
      items.map((e) => e.item),
      {
        dryRun,
        // A dry run changes nothing: it is sent without a key (see BulkCall). A batch applied is
        // retried with its key while the server is unavailable: the server applies it once.
        ...(dryRun ? {} : { idempotencyKey: newIdempotencyKey() }),
        retryFor: server.reached ? retryFor : 0,
        ...(signal ? { signal } : {}),
        ...(onWaiting ? { onWaiting } : {}),
        ...(prior.length > 0 ? { prior: [...prior] } : {}),
        ...(spec.options !== undefined ? { options: spec.options } : {}),
        ...(dryRun ? {} : { onAnswer }),
      },
    )
    const settled = response.then(
      () => (server.reached = true),
      () => false,
    )
    return { batch, items, response, answered: Promise.race([arrived, settled]) }
  }
  const it = Symbol.asyncIterator in batches ? batches[Symbol.asyncIterator]() : batches[Symbol.iterator]()
  const nextBatch = async () => {
    const step = await it.next()
    return step.done ? undefined : send(step.value)
  }
  let flight = await nextBatch()
  /** The batch sent while `flight`'s answer is handled: it is waited for whatever happens. */
  let following: Promise<Flight | undefined> | undefined
  try {
    while (flight) {
      // After a batch that failed as a whole, nothing more is sent. (Reading the next batch may fail:
      // that is reported after this batch's rows.)
      if (!dryRun && (await flight.answered) && !stopping()) {
        following = nextBatch()
        following.catch(() => undefined)
      }
      const res = await flight.response
      const answered: BulkRowResult[] = []
      for (const r of res?.results ?? []) answered[r.index] = r
      if (dryRun) {
        const changing = flight.items
          .filter((_, i) => answered[i]?.status === 'will-change')
          .map((e) => e.item)
        if (changing.length > 0) {
          prior.push(changing)
          priorRows += changing.length
        }
      }
      let at = 0
      const results = flight.batch.map((e): BulkRowResult =>
        e.duplicateOf === undefined
          ? answered[at++]!
          : {
              index: 0,
              target: e.target,
              status: 'duplicate',
              message: `duplicate of ${place} ${e.duplicateOf}`,
              details: { duplicateOf: e.duplicateOf },
            },
      )
      yield { batch: flight.batch, results }
      flight = await (following ?? (dryRun && !stopping() ? nextBatch() : undefined))
      following = undefined
    }
  } finally {
    // A batch on its way when the job stops is waited for (the server applies it whole or not at
    // all either way); a re-run reports its rows `already-so` if it was applied.
    await following?.then((f) => f?.response).catch(() => undefined)
    await it.return?.()
  }
}
