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
  /**
   * The target's case matters (a device serial: `SN-1` and `sn-1` are two devices), so only the same
   * text is a repeat. By default a target repeated in another case is one (emails, as everywhere).
   */
  caseSensitive?: boolean | undefined
  /** Other columns read from files (case-insensitive headers); unknown columns are ignored. */
  optional?: readonly string[] | undefined
  /**
   * Other names a column goes by in a file, read when the file has no column of the column's own
   * name: `{ lease: ['id'] }` reads the `id` of `seats list` output as the lease.
   */
  aliases?: Readonly<Record<string, readonly string[]>> | undefined
  /**
   * Columns that name what the command acts on, not the row's target: `{ addon: 'cloud-processing' }`
   * for `cloud revoke cloud-processing`. A list's output names them (`cloud assignments` lists
   * every add-on), and a row naming another value is refused rather than applied to the command's
   * own (revoking cloud-processing from a row that listed ai-assist). Empty cells pass; the
   * column is not sent.
   */
  scope?: Readonly<Record<string, string>> | undefined
}

/** How a file reader finds a command's columns. */
export interface Reading {
  /** The target column, then its alternatives, most specific first. */
  targets: readonly string[]
  /** Every column read, with the names it goes by in a file (its own first, then its aliases). */
  columns: ReadonlyArray<readonly [column: string, names: readonly string[]]>
  /**
   * A header for the command, for a file without its target column: the target columns and the
   * others it takes (not the scope columns a list's output carries: `cloud assign`'s is `email`).
   */
  example: readonly string[]
}

/** The columns that may name a row's target: the target's own, then its alternatives, most specific first. */
export function targetsOf(spec: Pick<Columns, 'target' | 'alternativeTargets'>): string[] {
  return [spec.target, ...(spec.alternativeTargets ?? [])]
}

export function readingOf(spec: Columns): Reading {
  const targets = targetsOf(spec)
  const wanted = [...new Set([...targets, ...(spec.optional ?? []), ...Object.keys(spec.scope ?? {})])]
  return {
    targets,
    example: [...targets, ...(spec.optional ?? [])],
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
    chunks = csvRows(
      source.path,
      reading,
      targetNames(spec),
      format === 'tsv' ? '\t' : format === 'csv;' ? ';' : ',',
    )
  }
  const scope = Object.entries(spec.scope ?? {})
  for await (const chunk of chunks) {
    if (reading.targets.length > 1) oneTarget(chunk, reading.targets)
    if (scope.length > 0) inScope(chunk, scope)
    yield chunk
  }
}

/** Takes the scope columns out of each row; a row naming another value than the command's is an error. */
function inScope(chunk: RawRow[], scope: ReadonlyArray<readonly [string, string]>): void {
  for (const raw of chunk)
    for (const [column, value] of scope) {
      const named = raw.values[column]
      delete raw.values[column]
      if (raw.error || named === undefined || String(named) === value) continue
      raw.error = {
        column,
        message: `'${String(named)}', but this command acts on '${value}' only: remove the row, or list only '${value}' (--${column} ${value})`,
      }
    }
}

/** Each row keeps only the first target column it fills: the most specific (a lease, not its user). */
function oneTarget(chunk: RawRow[], targets: readonly string[]): void {
  for (const { values } of chunk) {
    const named = targets.find((t) => values[t] !== undefined)
    for (const t of targets) if (t !== named) delete values[t]
  }
}
