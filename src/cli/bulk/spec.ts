import type { z } from 'zod'
import type { BulkResponse } from '../../contract/bulk.js'
import type { Columns } from './parse.js'

/** How one batch is sent: the same for every bulk endpoint. */
export interface BulkCall<Item> {
  dryRun: boolean
  /** Sent as Idempotency-Key: a retried batch is applied once. */
  idempotencyKey?: string | undefined
  /**
   * Dry runs in several batches: the rows of each earlier batch that would change, batch by batch.
   * The server applies them first (rolled back with the rest), so this batch is planned on the
   * state the real run will find.
   */
  prior?: Item[][] | undefined
}

/** Sends one batch to a bulk endpoint. */
export type BulkSend<Item> = (items: Item[], call: BulkCall<Item>) => Promise<BulkResponse>

/** What a bulk command tells the runner: its columns, its item schema, and how a batch is sent. */
export interface BulkSpec<Item> extends Columns {
  /** The contract's item schema: the same validation the server applies. */
  schema: z.ZodType<Item>
  send: BulkSend<Item>
  /** Present-tense verb for messages, e.g. `assign`. */
  verb: string
  batchSize?: number
  /** What a changed row did, in words, from its details (e.g. what removing a member released). */
  describe?(details: Record<string, unknown>): string | undefined
}

/** A validated row on its way to a batch. */
export interface Entry<Item> {
  row: number
  item: Item
  /** The target as written, for the report of a row that is not sent. */
  target: string
  /** A target already named in this row (case-insensitively): reported, not sent again. */
  duplicateOf?: number | undefined
}
