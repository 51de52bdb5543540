import type { BulkSource } from './source.js'
import { detectFormat } from './source.js'

/** One row as read: column → value (only the columns the spec reads). */
export interface RawRow {
  /** Row of a CSV file (its line; the header is row 1), or 1-based position (JSON, arguments). */
  row: number
  values: Record<string, unknown>
  /** A row that cannot be read at all (wrong number of fields, not an object). */
  error?: { column: string; message: string }
}

/** A file that cannot be parsed past this point (an unclosed quote, a missing header column). */
export class UnreadableInput extends Error {
  constructor(
    readonly row: number,
    readonly column: string,
    message: string,
  ) {
    super(message)
  }
}

/** The columns a command reads. */
export interface Columns {
  /** Column of the target (e.g. `email`); a bare argument fills it. */
  target: string
  /** Other columns that may stand in for the target in a file's header (e.g. `user` for `lease`). */
  alternativeTargets?: readonly string[] | undefined
  /** Other columns read from files (case-insensitive headers); unknown columns are ignored. */
  optional?: readonly string[] | undefined
}

/**
 * Every row of the source, as column → value (only the columns the spec reads), in chunks: one
 * await per chunk rather than per row keeps a 100,000-row file from churning the heap.
 */
export async function* rows(spec: Columns, source: BulkSource): AsyncGenerator<RawRow[]> {
  if (source.kind === 'args') {
    yield source.values.map((value, i) => ({ row: i + 1, values: { [spec.target]: value } }))
    return
  }
  const targets = [spec.target, ...(spec.alternativeTargets ?? [])]
  const wanted = [...new Set([...targets, ...(spec.optional ?? [])])]
  const format = await detectFormat(source.path)
  if (format === 'json') {
    const { jsonRows } = await import('./json.js')
    yield* jsonRows(source.path, spec.target, wanted)
  } else {
    const { csvRows } = await import('./csv.js')
    yield* csvRows(source.path, targets, wanted, format === 'tsv' ? '\t' : ',')
  }
}
