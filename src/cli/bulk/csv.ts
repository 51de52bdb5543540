import { counted } from '../../domain/plural.js'
import { createReadStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { CliError } from '../errors.js'
import { unneutralised } from '../formula-cells.js'
import { MAX_ROW_CHARS } from './limits.js'
import { UnreadableInput, type RawRow, type Reading } from './parse.js'
import {
  cannotRead,
  notUtf8Value,
  readsOnce,
  readWhole,
  readWholeWasNotUtf8,
  utf16Advice,
  utf16WithoutBom,
} from './source.js'

/**
 * CSV per RFC 4180 (quoted fields with commas, quotes and line breaks; CRLF or LF; a UTF-8 BOM),
 * streamed; TSV is the same with tabs for commas (`delimiter`), as `--output tsv` writes it, and a
 * header of semicolon-separated names (no comma) reads the file with semicolons, as Excel saves
 * "CSV" where the decimal mark is a comma. The
 * first row names the columns (any order, any case); a row with another number of fields than the
 * header is an error at its row and the first column past the shorter side. Rows are numbered by
 * the line they start on, the header being row 1: what an editor or a spreadsheet shows. Blank
 * lines (and rows of empty fields, `,,`) are skipped but counted. A cell `--output` kept from
 * running as a spreadsheet formula (`'=x`, `'-1`) reads as its value (formula-cells.ts).
 */
export async function* csvRows(
  path: string,
  { targets, columns: wanted, example }: Reading,
  /** The target columns in words, for a header that has none of them. */
  targetNames: string,
  delimiter: ',' | '\t' | ';' = ',',
): AsyncGenerator<RawRow[]> {
  const [{ parse }, { Readable }] = await Promise.all([import('csv-parse'), import('node:stream')])
  // A row is held until it ends: max_record_size bounds that (an unclosed quote, a binary file).
  const parser = parse({
    bom: true,
    trim: true,
    relax_column_count: true,
    // A quote inside a field that does not begin with one (`Robert "Bob" Smith`, as HR systems
    // export a nickname) is text, as Excel, LibreOffice and Python's csv read it: refusing the whole
    // file for it, in a column the command may not even read, helped no one.
    relax_quotes: true,
    max_record_size: MAX_ROW_CHARS,
    delimiter,
  })
  const input = (await readsOnce(path))
    ? Readable.from([await readWhole(path)])
    : createReadStream(path, { highWaterMark: 16 * 1024 })
  input.on('error', (e: NodeJS.ErrnoException) => parser.destroy(cannotRead(path, e)))
  // Whether a byte read so far is not UTF-8 (checked before the parser sees it): the values it
  // garbled are then refused (a UTF-16 file with its BOM is decoded by the parser, never garbled).
  let notUtf8 = readWholeWasNotUtf8(path)
  const utf8 = new TextDecoder('utf-8', { fatal: true })
  input.on('data', (chunk: Buffer | string) => {
    if (notUtf8 || typeof chunk === 'string') return
    try {
      utf8.decode(chunk, { stream: true })
    } catch {
      notUtf8 = true
    }
  })
  input.pipe(parser)
  let header: string[] | undefined
  let columns: Array<[name: string, at: number]> = []
  let line = 1
  try {
    for await (const records of drain<string[]>(parser)) {
      const out: RawRow[] = []
      for (const record of records) {
        const row = line
        line += 1 + lineBreaksIn(record)
        if (record.every((f) => f === '')) continue
        if (!header) {
          header = record.map((h) => h.toLowerCase())
          const names = header
          // A column is read from its own name, else from the first of its aliases the header has.
          columns = wanted.flatMap(([w, aka]): Array<[string, number]> => {
            const name = aka.find((a) => names.includes(a))
            return name === undefined ? [] : [[w, names.indexOf(name)]]
          })
          // A column read twice (`Email,…,email`): which one is meant is not for the CLI to guess.
          for (const [, at] of columns) {
            const again = names.indexOf(names[at]!, at + 1)
            if (again !== -1)
              throw new UnreadableInput(
                row,
                names[at]!,
                `the header row names the column "${names[at]}" twice (columns ${at + 1} and ${again + 1}): keep one, or rename the other`,
              )
          }
          const utf16 = columns.some(([c]) => targets.includes(c))
            ? undefined
            : utf16WithoutBom(record.join(delimiter))
          if (utf16)
            throw new UnreadableInput(row, targets.join(' or '), utf16Advice(utf16, path, 'header row'))
          if (!columns.some(([c]) => targets.includes(c)))
            throw new UnreadableInput(
              row,
              targets.join(' or '),
              `the header row has no ${targetNames} column (it has ${record.map((h) => `"${h}"`).join(', ')}); the first line names the columns, e.g. ${example.join(delimiter)}`,
            )
          continue
        }
        if (record.length !== header.length) {
          out.push({
            row,
            values: {},
            error: {
              column: String(Math.min(record.length, header.length) + 1),
              message: `${counted(record.length, 'field')}, but the header has ${header.length}${record.length > header.length ? ` (quote a field that contains a ${SEPARATOR_NAMES[delimiter]})` : ''}`,
            },
          })
          continue
        }
        const values: Record<string, unknown> = {}
        for (const [name, at] of columns) {
          const v = record[at]
          // A would-be formula as `--output` wrote it (`'=x`) reads as the value it listed (`=x`).
          if (v !== undefined && v !== '') values[name] = unneutralised(v)
        }
        const garbled = notUtf8 ? notUtf8Value(values) : undefined
        out.push(garbled ? { row, values: {}, error: garbled } : { row, values })
      }
      if (out.length > 0) yield out
    }
  } catch (err) {
    if (err instanceof CliError || err instanceof UnreadableInput) throw err
    const e = err as {
      message: string
      lines?: number
      column?: number | string
      code?: string
    }
    const column =
      typeof e.column === 'number' ? (header?.[e.column] ?? String(e.column + 1)) : String(e.column ?? '?')
    const message =
      e.code === 'CSV_QUOTE_NOT_CLOSED'
        ? `a quote opened in column ${column} is never closed (the file ends inside it)`
        : e.code === 'CSV_MAX_RECORD_SIZE'
          ? `the row is longer than ${MAX_ROW_CHARS.toLocaleString('en-US')} characters, the limit for one row (no column is that long: a quote left open, or not a CSV file?)`
          : e.code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE' || e.code === 'CSV_INVALID_CLOSING_QUOTE'
            ? `text after the quote that closes column ${column} (a field that begins with a quote ends with one: quote the whole field and double the quotes inside it, as in """Bob"" Smith")`
            : e.message.replace(/ at line \d+.*$/, '')
    // Every record before the broken one has been read (the parser only takes the next chunk once
    // this loop has drained it), so `line` is where the broken record starts: an unclosed quote is
    // only noticed at the end of the file, far from where it opened.
    const row = line
    throw new UnreadableInput(row, column, message)
  } finally {
    input.destroy()
  }
}

const SEPARATOR_NAMES = { ',': 'comma: "Smith, J"', '\t': 'tab', ';': 'semicolon: "Smith; J"' } as const

/** What a readable stream has buffered, as arrays: far fewer promises than one `await` per record. */
async function* drain<T>(stream: Readable): AsyncGenerator<T[]> {
  let ended = false
  let failed: unknown
  let signalled = false
  let wake: (() => void) | undefined
  const notify = () => {
    signalled = true
    wake?.()
  }
  stream.on('readable', notify)
  stream.on('end', () => ((ended = true), notify()))
  stream.on('error', (e: unknown) => ((failed = e), notify()))
  for (;;) {
    const chunk: T[] = []
    for (let rec = stream.read() as T | null; rec !== null; rec = stream.read() as T | null) chunk.push(rec)
    if (chunk.length > 0) yield chunk
    if (failed !== undefined) throw failed
    if (ended) return
    if (!signalled) await new Promise<void>((resolve) => (wake = resolve))
    signalled = false
    wake = undefined
  }
}

/** Line breaks inside a record's (quoted) fields: how many more lines it spans. */
function lineBreaksIn(record: readonly string[]): number {
  let n = 0
  for (const field of record)
    for (let at = field.indexOf('\n'); at !== -1; at = field.indexOf('\n', at + 1)) n++
  return n
}
