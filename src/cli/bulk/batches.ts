import { BULK_MAX_ITEMS } from '../../contract/bulk.js'
import { rows } from './parse.js'
import type { BulkSource } from './source.js'
import type { Entry, InputSpec } from './spec.js'
import { targetKey } from './validate.js'

/** Rows per request: at most the API's limit; LICCTL_BULK_BATCH_SIZE makes it smaller (tests, slow links). */
export function batchSizeOf(spec: { batchSize?: number | undefined }): number {
  const fromEnv = Number(process.env.LICCTL_BULK_BATCH_SIZE)
  const wanted = spec.batchSize ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : BULK_MAX_ITEMS)
  return Math.max(1, Math.min(wanted, BULK_MAX_ITEMS))
}

/**
 * Groups rows into batches of `size` rows to send; duplicate rows (not sent) ride along with the
 * batch they fall in, so results stay in input order.
 */
export function* inBatches<Item>(
  entries: Iterable<Entry<Item>>,
  size: number,
): Generator<Array<Entry<Item>>> {
  let batch: Array<Entry<Item>> = []
  let sending = 0
  for (const entry of entries) {
    batch.push(entry)
    if (entry.duplicateOf === undefined && ++sending === size) {
      yield batch
      batch = []
      sending = 0
    }
  }
  if (batch.length > 0) yield batch
}

/** Pass 2 of a large input: its validated rows read again, in batches. */
export async function* streamedBatches<Item>(
  spec: InputSpec<Item>,
  source: BulkSource,
  duplicates: ReadonlyMap<number, number>,
): AsyncGenerator<Array<Entry<Item>>> {
  const key = targetKey(spec)
  const size = batchSizeOf(spec)
  let pending: Array<Entry<Item>> = []
  for await (const chunk of rows(spec, source)) {
    for (const raw of chunk)
      pending.push({
        row: raw.row,
        item: spec.schema.parse(raw.values),
        target: key(raw).value,
        duplicateOf: duplicates.get(raw.row),
      })
    // Every full batch goes out now; the rest waits for the next chunk.
    const full: Array<Array<Entry<Item>>> = [...inBatches(pending, size)]
    const last = full[full.length - 1]
    const complete = last && last.filter((e) => e.duplicateOf === undefined).length === size
    yield* complete ? full : full.slice(0, -1)
    pending = complete ? [] : (last ?? [])
  }
  if (pending.length > 0) yield pending
}

/**
 * Iterates one step ahead: the next batch is read and validated while the server works on this one
 * (sending stays strictly one batch after another).
 */
export async function* aheadByOne<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]()
  let next = it.next()
  try {
    for (;;) {
      const step = await next
      if (step.done) return
      next = it.next()
      // A failure reading ahead is reported when that step is awaited, not as an unhandled rejection.
      next.catch(() => undefined)
      yield step.value
    }
  } finally {
    await it.return?.(undefined)
  }
}
