import * as z from 'zod'

/** Largest batch a bulk endpoint takes in one request (one transaction). */
export const BULK_MAX_ITEMS = 1000

/**
 * Dry runs in several batches carry the rows of the earlier batches that would change (`prior`):
 * at most this many, which keeps a request under the server's 1 MB body limit.
 */
export const BULK_PRIOR_MAX_ITEMS = 10_000

/**
 * One row's outcome. A dry run answers in the future tense (will-change, already-so, will-fail),
 * applying in the past (changed, already-so, failed): the same service code decides both.
 * `duplicate` is the CLI's: a row naming a target an earlier row of the same input named (its
 * `details.duplicateOf` is that row); it is applied once, with the earlier row, and not sent again.
 */
export const bulkRowStatus = z.enum([
  'changed',
  'already-so',
  'failed',
  'will-change',
  'will-fail',
  'duplicate',
])
export type BulkRowStatus = z.infer<typeof bulkRowStatus>

export const bulkRowResult = z.object({
  index: z.number().int().min(0),
  target: z.string(),
  status: bulkRowStatus,
  code: z.string().optional(),
  message: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
})
export type BulkRowResult = z.infer<typeof bulkRowResult>

export const bulkSummary = z.object({
  changed: z.number().int(),
  unchanged: z.number().int(),
  failed: z.number().int(),
})
export type BulkSummary = z.infer<typeof bulkSummary>

export const bulkResponse = z.object({
  dryRun: z.boolean(),
  results: z.array(bulkRowResult),
  summary: bulkSummary,
})
export type BulkResponse = z.infer<typeof bulkResponse>

/**
 * Request envelope for a bulk endpoint: items validated by the endpoint's own item schema, plus the
 * endpoint's options (flags that apply to every row, e.g. seats release's `includeRoaming`).
 */
export function bulkRequest<
  T extends z.ZodType,
  O extends z.ZodObject<z.ZodRawShape> = z.ZodObject<Record<never, z.ZodType>>,
>(item: T, options?: O) {
  return z
    .strictObject({
      dryRun: z.boolean().default(false),
      items: z.array(item).min(1).max(BULK_MAX_ITEMS),
      /**
       * Dry runs in several batches: the rows of each earlier batch that would change, batch by
       * batch (what the real run will have applied before this batch). The server applies them
       * first, rolled back with the rest. Ignored when applying.
       */
      prior: z
        .array(z.array(item).min(1).max(BULK_MAX_ITEMS))
        .max(BULK_PRIOR_MAX_ITEMS)
        .refine((batches) => batches.reduce((n, b) => n + b.length, 0) <= BULK_PRIOR_MAX_ITEMS, {
          message: `at most ${BULK_PRIOR_MAX_ITEMS} prior rows`,
        })
        .optional(),
    })
    .extend((options?.shape ?? {}) as O['shape'])
}
