import { isUtf8 } from 'node:buffer'
import { quote, UsageError } from '../errors.js'
import { shellWord } from '../shell-word.js'
import { inputTooLarge, maxWholeInputBytes } from './limits.js'

/** Where rows come from: command-line targets, or a CSV/TSV/JSON file (`-` is stdin). */
export type BulkSource = { kind: 'args'; values: string[] } | { kind: 'file'; path: string }

/** How a file's rows are written: CSV, TSV (CSV with tabs: `--output tsv`) or JSON. */
/** `csv;`: CSV with semicolons between fields, as Excel saves "CSV" where the decimal mark is a comma. */
export type InputFormat = 'csv' | 'csv;' | 'tsv' | 'json'

/**
 * Whether a file source can be read only once: standard input, or a pipe or a device named as a
 * file (`--file <(…)`, a FIFO, `/dev/stdin`). Such a source is read whole, once (readWhole); a
 * regular file is read by path, as often as needed. Anything else — a directory, a missing or
 * forbidden path — is refused here, before a byte is read, as an input error (exit 2).
 */
export async function readsOnce(path: string): Promise<boolean> {
  if (path === '-') return true
  const { stat } = await import('node:fs/promises')
  const s = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw cannotRead(path, e)
  })
  if (s.isDirectory()) throw cannotRead(path, { code: 'EISDIR' } as NodeJS.ErrnoException)
  return !s.isFile()
}

const wholeCache = new Map<string, Promise<string>>()
/** Sources read whole (readWhole) whose bytes are not UTF-8. */
const notUtf8Inputs = new Set<string>()

/** Whether a source read whole (readWhole) held bytes that are not UTF-8. */
export function readWholeWasNotUtf8(path: string): boolean {
  return notUtf8Inputs.has(path)
}

/**
 * The error of a row whose value decoding garbled: a byte that is not UTF-8 became U+FFFD (Excel's
 * plain "CSV" is Windows-1252, so "René" arrives as "Ren\uFFFD"). Refused by row and column rather
 * than stored as a name or matched as an email nobody has. Only for input that had such bytes: a
 * UTF-8 file may hold U+FFFD itself (a name stored garbled, listed and fed back).
 */
export function notUtf8Value(
  values: Record<string, unknown>,
): { column: string; message: string } | undefined {
  for (const [column, value] of Object.entries(values))
    if (typeof value === 'string' && value.includes('\uFFFD'))
      return {
        column,
        message: `not UTF-8 text (${quote(value, 40)}): save the file as "CSV UTF-8", or convert it (iconv -f WINDOWS-1252 -t UTF-8)`,
      }
  return undefined
}
/**
 * A source that can be read only once (standard input, a pipe), read whole the first time it is
 * asked for: it is sized, sniffed and parsed (twice) from the same text. It is held whole, so past
 * the size limit reading stops and the input is refused.
 */
export function readWhole(path: string): Promise<string> {
  let text = wholeCache.get(path)
  if (!text) {
    text = (async () => {
      const input = path === '-' ? process.stdin : (await import('node:fs')).createReadStream(path)
      const max = maxWholeInputBytes()
      const chunks: Buffer[] = []
      let bytes = 0
      try {
        for await (const chunk of input) {
          bytes += (chunk as Buffer).length
          if (bytes > max) throw inputTooLarge(path === '-' ? 'standard input' : path, undefined)
          chunks.push(chunk as Buffer)
        }
      } catch (e) {
        if (e instanceof UsageError) throw e
        throw cannotRead(path === '-' ? 'standard input' : path, e as NodeJS.ErrnoException)
      } finally {
        if (input !== process.stdin) input.destroy()
      }
      const whole = Buffer.concat(chunks)
      if (!isUtf8(whole)) notUtf8Inputs.add(path)
      return whole.toString('utf8')
    })()
    wholeCache.set(path, text)
  }
  return text
}

/** The size of a file source in bytes (0 for arguments). */
export async function inputBytes(source: BulkSource): Promise<number> {
  if (source.kind !== 'file') return 0
  if (await readsOnce(source.path)) return Buffer.byteLength(await readWhole(source.path))
  const { stat } = await import('node:fs/promises')
  return stat(source.path).then(
    (s) => s.size,
    () => 0, // gone since: reading it says why
  )
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'no such file (a part of the path is not a directory)',
  ELOOP: 'too many symbolic links',
}

/** An input that cannot be read, named with why in words: an input error (exit 2), never a crash. */
export function cannotRead(path: string, e: NodeJS.ErrnoException): UsageError {
  const reason = (e.code ? REASONS[e.code] : undefined) ?? e.message
  return new UsageError(`cannot read ${path}: ${reason}`)
}

/**
 * JSON or TSV by the file's name (`.json`, `.tsv`); else JSON when it starts with `[` or `{` (not
 * under a `.csv` name); else TSV when its header row has tabs between names and no comma (the
 * output of `--output tsv`, saved under any name or piped); else CSV.
 */
export async function detectFormat(path: string): Promise<InputFormat> {
  const once = await readsOnce(path)
  if (/\.json$/i.test(path)) return 'json'
  if (/\.tsv$/i.test(path)) return 'tsv'
  const start = once ? undefined : await readFileStart(path)
  const bom = start && utf16Bom(start)
  const head = start
    ? bom
      ? new TextDecoder(bom).decode(start)
      : start.toString('utf8')
    : (await readWhole(path)).slice(0, HEAD_BYTES)
  // UTF-16 without its mark starts `[\0{\0` or `\0[\0{`: JSON all the same (the JSON reader says
  // how to convert it).
  const text = utf16WithoutBom(head.slice(0, 64)) ? head.replaceAll('\0', '') : head
  if (!/\.csv$/i.test(path) && /^\uFEFF?\s*[[{]/.test(text)) return 'json'
  const separator = headerSeparator(head)
  return separator === '\t' ? 'tsv' : separator === ';' ? 'csv;' : 'csv'
}

/** Enough of a file to hold its header row. */
const HEAD_BYTES = 4096

/**
 * What separates the header row's names (the first line with a name on it), outside quotes: a comma
 * wherever there is one; else tabs (TSV), else semicolons (European Excel's "CSV", where the
 * comma is the decimal mark); else a comma (one column). A header that is CSV keeps being read as
 * CSV: one with a comma, or with a tab only at its end (the CSV reader trims it).
 */
export function headerSeparator(head: string): ',' | '\t' | ';' {
  const header = head
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .find((line) => /[^\s,;]/.test(line))
    ?.trim()
  let quoted = false
  let tabs = 0
  let semicolons = 0
  for (const c of header ?? '') {
    if (c === '"') quoted = !quoted
    else if (quoted) continue
    else if (c === ',') return ','
    else if (c === '\t') tabs++
    else if (c === ';') semicolons++
  }
  return tabs > 0 ? '\t' : semicolons > 0 ? ';' : ','
}

async function readFileStart(path: string): Promise<Buffer> {
  const { open } = await import('node:fs/promises')
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw cannotRead(path, e)
  })
  try {
    const buf = Buffer.alloc(HEAD_BYTES)
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0).catch((e: NodeJS.ErrnoException) => {
      throw cannotRead(path, e)
    })
    return buf.subarray(0, bytesRead)
  } finally {
    await fh.close()
  }
}

/**
 * The UTF-16 byte order text read as UTF-8 shows (a CSV header row, the start of a JSON file), when
 * it holds a NUL in every other position: a NUL before each letter is big-endian, after each letter
 * little-endian. With its byte-order mark such a file is decoded; without one, its text was shown as
 * `\x00e\x00m…` with no word on why.
 */
export function utf16WithoutBom(text: string): 'UTF-16BE' | 'UTF-16LE' | undefined {
  if (text.length < 4) return undefined
  const at = (parity: number) => [...text].filter((_, i) => i % 2 === parity)
  const nul = (c: string) => c === '\0'
  if (at(0).every(nul) && !at(1).every(nul)) return 'UTF-16BE'
  if (at(1).every(nul) && !at(0).every(nul)) return 'UTF-16LE'
  return undefined
}

/** Why a UTF-16 file without its byte-order mark is refused, and the iconv line that converts it. */
export function utf16Advice(
  encoding: 'UTF-16BE' | 'UTF-16LE',
  path: string,
  where: 'header row' | 'text',
): string {
  const convert =
    path === '-'
      ? `… | iconv -f ${encoding} -t UTF-8 | licctl …`
      : `iconv -f ${encoding} -t UTF-8 ${shellWord(path)} > ${shellWord(path.replace(/(\.[^./]*)?$/, '-utf8$1'))}`
  return `the file looks like ${encoding} text without a byte-order mark (its ${where} has a NUL byte ${encoding === 'UTF-16BE' ? 'before' : 'after'} every character), and licctl reads UTF-8 (or UTF-16 with its byte-order mark): convert it with ${convert}`
}

/** The UTF-16 a file's byte-order mark says it is in, if it has one. */
export function utf16Bom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le'
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be'
  return undefined
}
