/**
 * The bulk engine's CLI half: input (source, csv, json), validation, batching, sending (run),
 * reporting, progress, heap tuning and exit codes, one file each. Commands import it lazily.
 */
export { exitCodeOf } from './exit-codes.js'
export { rows, type RawRow } from './parse.js'
export { LISTED_ROWS, listedLines, PLANNED_ROWS } from './preview.js'
export { planBulk, reportNoRows, runBulk, type RunOptions } from './run.js'
export type { BulkSource } from './source.js'
export type { BulkCall, BulkEndpoint, BulkSpec, Entry } from './spec.js'
export { validateAll, type RowError, type Validated } from './validate.js'
