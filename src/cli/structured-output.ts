import { quote, UsageError } from './errors.js'

/**
 * Field selection, `--jq` and `--output csv|tsv`, for every command at once. Loaded only when one
 * of them is asked for: a plain `--json` never pays for it.
 */

type Doc = Record<string, unknown>
const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A list document is `{ items: [...] }`: fields then apply to each item. */
export function isListDocument(doc: unknown): doc is { items: Doc[] } {
  return isObject(doc) && Array.isArray(doc.items)
}

/**
 * The fields a command's document offers: from its declared --json schema (so an empty list still
 * knows them), else from the document itself (a plugin's command).
 */
export async function availableFields(commandId: string | undefined, doc: unknown): Promise<string[]> {
  const declared = commandId ? await declaredFields(commandId) : undefined
  if (declared) return declared
  const rows = isListDocument(doc) ? doc.items : isObject(doc) ? [doc] : []
  return [...new Set(rows.flatMap((r) => Object.keys(r)))]
}

async function declaredFields(commandId: string): Promise<string[] | undefined> {
  const { jsonOutputs } = await import('./json-schemas.js')
  const output = jsonOutputs[commandId]
  if (!output || !('schema' in output)) return undefined
  const shapeOf = (s: unknown) => (s as { shape?: Record<string, unknown> }).shape
  const top = shapeOf(output.schema)
  if (!top) return undefined
  const items = top.items as { element?: unknown } | undefined
  const element = items?.element ? shapeOf(items.element) : undefined
  return Object.keys(element ?? top)
}

/** Parses `a,b,c` and checks each against what the command offers (exit 2 listing them). */
export function checkFields(requested: string[], available: string[]): string[] {
  const unknown = requested.filter((f) => !available.includes(f))
  if (unknown.length > 0)
    throw new UsageError(
      `--json: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => quote(f)).join(', ')}; available: ${available.join(', ')}`,
    )
  return requested
}

const pick = (row: Doc, fields: string[]): Doc => Object.fromEntries(fields.map((f) => [f, row[f] ?? null]))

/** The document with only these fields: of each item for a list, of the document otherwise. */
export function selectFields(doc: unknown, fields: string[]): unknown {
  if (isListDocument(doc)) return { ...doc, items: doc.items.map((r) => pick(r, fields)) }
  return isObject(doc) ? pick(doc, fields) : doc
}

/**
 * Runs a jq filter over the document (jq-wasm: jq itself compiled to WebAssembly, nothing fetched
 * at run time). Strings print raw, as `gh --jq` does. The document goes in as `--argjson`, not on
 * stdin: jq-wasm feeds stdin one byte at a time with a copy each (3,000 members took 30 s).
 */
export async function runJq(doc: unknown, filter: string): Promise<string> {
  const jq = await import('jq-wasm')
  // jq-wasm ends each run the way jq's main() would, by setting process.exitCode (0): the command's
  // own exit code (expiry check's 7, a bulk job's 6) must survive its output being filtered.
  const exitCode = process.exitCode
  try {
    const out = await jq.raw('null', `$__licctl | (${filter}\n)`, [
      '-r',
      '--argjson',
      '__licctl',
      JSON.stringify(doc),
    ])
    return out === '' || out.endsWith('\n') ? out : out + '\n'
  } catch (err) {
    const reason = String((err as Error).message ?? err)
      .replace(/^(Failed to execute raw query: )?jq: error(?: \(at [^)]*\))?: /, '')
      .split('\n')[0]
    throw new UsageError(`--jq: ${reason}`)
  } finally {
    process.exitCode = exitCode
  }
}

/**
 * A list as CSV or TSV with a header row: one column per field, empty for null, JSON for nested
 * values. The header names are the JSON field names, so the file goes straight into a bulk --file.
 */
export async function renderDelimited(
  items: Doc[],
  fields: string[],
  format: 'csv' | 'tsv',
): Promise<string> {
  const { stringify } = await import('csv-stringify/sync')
  const cell = (v: unknown): string =>
    v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)
  return stringify(
    items.map((r) => fields.map((f) => cell(r[f]))),
    { header: true, columns: fields, delimiter: format === 'tsv' ? '\t' : ',', eof: true },
  )
}
