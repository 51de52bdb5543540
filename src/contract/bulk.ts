import { z } from 'zod'

/** Largest batch a bulk endpoint takes in one request (one transaction). */
export const BULK_MAX_ITEMS = 1000

/**
 * One row's outcome. A dry run answers in the future tense (will-change, already-so, will-fail),
 * applying in the past (changed, already-so, failed): the same service code decides both.
 */
export const bulkRowStatus = z.enum(['changed', 'already-so', 'failed', 'will-change', 'will-fail'])
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
       * Dry runs in several batches: rows of the earlier batches that would change, so this batch
       * plans on top of them (e.g. the free licenses they would take). Ignored when applying.
       */
      priorChanges: z.number().int().min(0).max(100_000_000).optional(),
    })
    .extend((options?.shape ?? {}) as O['shape'])
}
