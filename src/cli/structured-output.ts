import { quote, terminalSafeRaw, UsageError } from './errors.js'
import { neutralised, NEUTRALISED_CELL } from './formula-cells.js'
import { isObject } from '../domain/json-object.js'

/**
 * Field selection, `--jq` and `--output csv|tsv`, for every command at once. Loaded only when one
 * of them is asked for: a plain `--json` never pays for it.
 */

type Doc = Record<string, unknown>

/**
 * What a command's document offers `--json a,b` and `--output`: the property holding its rows
 * (`items` for most lists; `profiles`, `licenses`, a bulk job's `results`), and the fields of a
 * row, or of the document itself when it is not a list.
 */
export interface DocumentShape {
  list: string | undefined
  fields: string[]
}

/**
 * The shape from the command's declared --json schema (so an empty list still knows its fields),
 * else from the document itself (a plugin's command: a list is `{ items: [...] }`).
 */
export async function shapeOf(commandId: string | undefined, doc: unknown): Promise<DocumentShape> {
  const declared = commandId ? await declaredShape(commandId) : undefined
  if (declared) return declared
  const list = isObject(doc) && Array.isArray(doc.items) ? 'items' : undefined
  const rows = rowsOf(doc, list) ?? (isObject(doc) ? [doc] : [])
  return { list, fields: [...new Set(rows.flatMap((r) => (isObject(r) ? Object.keys(r) : [])))] }
}

async function declaredShape(commandId: string): Promise<DocumentShape | undefined> {
  const { jsonOutputs } = await import('./json-schemas.js')
  const output = jsonOutputs[commandId]
  if (!output || !('schema' in output)) return undefined
  const shapeOfSchema = (s: unknown) => (s as { shape?: Record<string, unknown> } | undefined)?.shape
  const top = shapeOfSchema(output.schema)
  if (!top) return undefined
  const list = output.list ?? ('items' in top ? 'items' : undefined)
  const element = list ? shapeOfSchema((top[list] as { element?: unknown } | undefined)?.element) : undefined
  return element ? { list, fields: Object.keys(element) } : { list: undefined, fields: Object.keys(top) }
}

/** The document's rows, when it is a list. */
export function rowsOf(doc: unknown, list: string | undefined): Doc[] | undefined {
  const rows = list !== undefined && isObject(doc) ? doc[list] : undefined
  return Array.isArray(rows) ? (rows as Doc[]) : undefined
}

/** Checks each field asked for against what the command offers (exit 2 listing them). */
export function checkFields(requested: string[], available: string[]): string[] {
  const unknown = requested.filter((f) => !available.includes(f))
  if (unknown.length > 0)
    throw new UsageError(
      `--json: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => quote(f)).join(', ')}; available: ${available.join(', ')}`,
    )
  return requested
}

/** One row with only these fields, in this order (null for a field the row leaves out). */
export const pick = (row: Doc, fields: string[]): Doc =>
  Object.fromEntries(fields.map((f) => [f, row[f] ?? null]))

/** The document with only these fields: of each row for a list, of the document otherwise. */
export function selectFields(doc: unknown, fields: string[], list: string | undefined): unknown {
  const rows = rowsOf(doc, list)
  if (rows) return { ...(doc as Doc), [list!]: rows.map((r) => pick(r, fields)) }
  return isObject(doc) ? pick(doc, fields) : doc
}

/**
 * Runs a jq filter over the document (jq-wasm: jq itself compiled to WebAssembly, nothing fetched
 * at run time), for stdout. Strings print raw, as `gh --jq` does: byte for byte into a pipe or a
 * file, but on a terminal with their control and invisible characters escaped (terminalSafeRaw), so
 * that a stored value cannot send escape sequences to the user's terminal nor hide in it. The document goes in on jq's
 * stdin, as it does for `… --json | jq`: an argument (`--argjson`) is copied onto the WebAssembly
 * stack, 1 MB, and a larger document (10,000 pool licenses, a 5,000-row bulk report) failed with
 * "memory access out of bounds". It takes the document's JSON text (a bulk report collects text,
 * not objects). With `each`, the document is an array and the filter runs on each element (a
 * streamed log, a chunk at a time).
 */
export async function runJq(json: string, filter: string, opts: { each?: boolean } = {}): Promise<string> {
  const program = `"${OUTPUT_STARTS}", (${opts.each ? '.[] | ' : ''}(${filter}\n)), "${OUTPUT_ENDS}"`
  // jq-wasm trimmed the output's last line break: put back, the output is the first mark's line,
  // the filter's output, the last mark's line.
  const printed = (await jqProgram(json, program, filter)) + '\n'
  const [begins, ends] = [`${OUTPUT_STARTS}\n`, `${OUTPUT_ENDS}\n`]
  let out = printed.startsWith(begins) ? printed.slice(begins.length) : printed
  // Without the last mark, the filter stopped jq (`halt`): what it printed, its end trimmed.
  if (out === ends || out.endsWith(`\n${ends}`)) out = out.slice(0, -ends.length)
  return process.stdout.isTTY ? terminalSafeRaw(out) : out
}

/**
 * Lines printed before and after the filter's output. jq-wasm hands back its output decoded with a
 * byte-order mark at its start dropped, then trimmed (String.prototype.trim, which takes U+FEFF as
 * white space too): a value's leading or trailing BOM, spaces or blank lines were lost. Between
 * these marks nothing of the filter's output is at either end.
 */
const OUTPUT_STARTS = 'licctl:jq:start'
const OUTPUT_ENDS = 'licctl:jq:end'

/**
 * Refuses a filter jq cannot compile, before the command does anything: the filter is compiled
 * inside a branch that never runs, so it needs no document.
 */
export async function checkJq(filter: string): Promise<void> {
  await jqProgram('null', `if false then (${filter}\n) else empty end`, filter)
}

/**
 * Runs `program`, the user's `filter` wrapped with its closing `)` on a line of its own (so that a
 * `# comment` cannot swallow it): both end on the same line.
 */
async function jqProgram(json: string, program: string, filter: string): Promise<string> {
  const jq = await import('jq-wasm')
  // jq-wasm ends each run the way jq's main() would, by setting process.exitCode: the command's own
  // exit code (expiry check's 7, a bulk job's 6) must survive its output being filtered.
  const exitCode = process.exitCode
  try {
    const { stdout, stderr, exitCode: jqExit } = await jq.raw(json, program, ['-r'])
    if (jqExit !== 0) {
      const reason = stderr.replace(/^jq: error(?: \(at [^)]*\))?: /, '').split('\n')[0]!
      throw new UsageError(`--jq: ${jqReason(reason, filter)}`)
    }
    return stdout
  } finally {
    process.exitCode = exitCode
  }
}

/**
 * jq's compile error in the user's terms. Its location (`at <top-level>, line 2, column 1:`) is in the program
 * licctl wraps the filter in, and jq prints that line on the next line of its message, which is cut:
 * the location is dropped and the filter quoted instead (with its line when it has several). An
 * error on the wrapper's own last line means the filter ended early (an unclosed bracket or call, a
 * trailing `.` or `|`), which jq reports as an `unexpected ')'` the user never typed.
 */
export function jqReason(reason: string, filter: string): string {
  // jq 1.8 adds the column (`line 1, column 19:`), which counts from the wrapper's own text too.
  const at = / at <top-level>, line (\d+)(?:, column \d+)?:$/.exec(reason)
  if (!at) return reason
  const line = Number(at[1])
  const lines = filter.split('\n').length
  if (line > lines && reason.startsWith('syntax error'))
    return `syntax error: the filter ends early (an unclosed bracket, call or string, or a trailing '.' or '|'): ${quote(filter)}`
  return `${reason.slice(0, at.index)}: ${quote(filter)}${lines > 1 ? ` (line ${line})` : ''}`
}

/** A list of words, numbers or booleans: one cell `a;b;c` (as spreadsheets and CSV imports split it). */
const LIST_SEPARATOR = ';'

/**
 * One cell: empty for null; a number or a boolean as it is (`-5` too: a spreadsheet reads it as a
 * number); a list of words, numbers or booleans joined with `;` (`R-1000;R-2000`, empty when the
 * list is), which reads back by splitting on `;`; JSON for anything else nested (an object, a list
 * of objects) and for a list an element of which is empty or holds a `;`, so that splitting never
 * cuts one in two. Text a spreadsheet would run as a formula (`=HYPERLINK(…)`) starts with a `'`
 * (see formula-cells.ts), which a bulk --file takes off again.
 */
function cell(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (Array.isArray(v) && v.every(isJoinable)) return neutralised(v.map(String).join(LIST_SEPARATOR))
  return neutralised(typeof v === 'object' ? JSON.stringify(v) : String(v))
}

const isJoinable = (e: unknown): boolean =>
  typeof e === 'number' ||
  typeof e === 'boolean' ||
  (typeof e === 'string' && e !== '' && !e.includes(LIST_SEPARATOR))

/**
 * A list as CSV or TSV with a header row: one column per field, each value one cell (see `cell`).
 * The header names are the JSON field names, so the file goes straight into a bulk --file.
 */
export async function renderDelimited(
  items: Doc[],
  fields: string[],
  format: 'csv' | 'tsv',
  opts: { header?: boolean } = {},
): Promise<string> {
  const { stringify } = await import('csv-stringify/sync')
  return stringify(
    items.map((r) => fields.map((f) => cell(r[f]))),
    {
      header: opts.header ?? true,
      columns: fields,
      delimiter: format === 'tsv' ? '\t' : ',',
      eof: true,
      // A neutralised cell is quoted whether or not it needs it, as OWASP recommends.
      quoted_match: NEUTRALISED_CELL,
    },
  )
}
