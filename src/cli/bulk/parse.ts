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
  /**
   * Other columns that may stand in for the target (e.g. `user` for `lease`), less specific: a row
   * filling several names the first of the target and these, and its other target columns are
   * not read (a row of `seats list` names its lease and its user: it releases that lease only).
   */
  alternativeTargets?: readonly string[] | undefined
  /** Other columns read from files (case-insensitive headers); unknown columns are ignored. */
  optional?: readonly string[] | undefined
  /**
   * Other names a column goes by in a file, read when the file has no column of the column's own
   * name: `{ lease: ['id'] }` reads the `id` of `seats list` output as the lease.
   */
  aliases?: Readonly<Record<string, readonly string[]>> | undefined
}

/** How a file reader finds a command's columns. */
export interface Reading {
  /** The target column, then its alternatives, most specific first. */
  targets: readonly string[]
  /** Every column read, with the names it goes by in a file (its own first, then its aliases). */
  columns: ReadonlyArray<readonly [column: string, names: readonly string[]]>
}

/** The columns that may name a row's target: the target's own, then its alternatives, most specific first. */
export function targetsOf(spec: Pick<Columns, 'target' | 'alternativeTargets'>): string[] {
  return [spec.target, ...(spec.alternativeTargets ?? [])]
}

export function readingOf(spec: Columns): Reading {
  const targets = targetsOf(spec)
  const wanted = [...new Set([...targets, ...(spec.optional ?? [])])]
  return {
    targets,
    columns: wanted.map((c) => [c, [c, ...(spec.aliases?.[c] ?? [])].map((n) => n.toLowerCase())] as const),
  }
}

/** The target columns in words, aliases included: `"lease" (or "id") or "user"`. */
export function targetNames(spec: Columns): string {
  return targetsOf(spec)
    .map(
      (t) => `"${t}"${spec.aliases?.[t] ? ` (or ${spec.aliases[t].map((a) => `"${a}"`).join(', ')})` : ''}`,
    )
    .join(' or ')
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
  const reading = readingOf(spec)
  const format = await detectFormat(source.path)
  let chunks: AsyncGenerator<RawRow[]>
  if (format === 'json') {
    const { jsonRows } = await import('./json.js')
    chunks = jsonRows(source.path, reading)
  } else {
    const { csvRows } = await import('./csv.js')
    chunks = csvRows(source.path, reading, targetNames(spec), format === 'tsv' ? '\t' : ',')
  }
  if (reading.targets.length === 1) yield* chunks
  else for await (const chunk of chunks) yield oneTarget(chunk, reading.targets)
}

/** Each row keeps only the first target column it fills: the most specific (a lease, not its user). */
function oneTarget(chunk: RawRow[], targets: readonly string[]): RawRow[] {
  for (const { values } of chunk) {
    const named = targets.find((t) => values[t] !== undefined)
    for (const t of targets) if (t !== named) delete values[t]
  }
  return chunk
}
