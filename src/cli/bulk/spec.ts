import type * as z from 'zod'
import type { BulkCall } from '../../client/resource.js'
import type { BulkResponse } from '../../contract/bulk.js'
import type { Columns } from './parse.js'

export type { BulkCall }

/** A bulk endpoint's derived client method, e.g. `client.cloud.assign`: one signature for all. */
export type BulkEndpoint<Params, Item, Options> = (
  params: Params,
  items: Item[],
  call: BulkCall<Options, Item>,
) => Promise<BulkResponse>

/** What reading and validating an input needs of a spec. */
export type InputSpec<Item> = Columns & { schema: z.ZodType<Item>; batchSize?: number | undefined }

/**
 * What a bulk command tells the runner: its columns, its item schema, and which endpoint with
 * which params (and options, for every row) its batches go to.
 */
export interface BulkSpec<Item, Params = unknown, Options = never> extends Columns {
  /** The contract's item schema: the same validation the server applies. */
  schema: z.ZodType<Item>
  endpoint: BulkEndpoint<Params, Item, Options>
  params: Params
  options?: Options | undefined
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
  /** A target already named in this row (see `Columns.caseSensitive`): reported, not sent again. */
  duplicateOf?: number | undefined
}
