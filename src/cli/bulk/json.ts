import { isUtf8 } from 'node:buffer'
import { readFile, stat } from 'node:fs/promises'
import { inputTooLarge, maxWholeInputBytes } from './limits.js'
import { UnreadableInput, type RawRow, type Reading } from './parse.js'
import {
  cannotRead,
  notUtf8Value,
  readsOnce,
  readWhole,
  readWholeWasNotUtf8,
  utf16Advice,
  utf16Bom,
  utf16WithoutBom,
} from './source.js'

/**
 * JSON: an array of objects (`[{"email": "a@b.c"}]`), of strings (the target: `["a@b.c"]`), or
 * `{"items": [...]}`, what a list prints with `--json` (an API page whose `nextCursor` says more
 * pages follow is refused: only its rows would be applied). Keys are matched case-insensitively, a column by its name or an alias. Rows are
 * numbered from 1.
 */
export async function* jsonRows(path: string, { targets, columns }: Reading): AsyncGenerator<RawRow[]> {
  const target = targets[0]!
  let text: string
  let notUtf8 = false
  if (await readsOnce(path)) {
    text = await readWhole(path)
    notUtf8 = readWholeWasNotUtf8(path)
  } else {
    const size = await stat(path).then(
      (s) => s.size,
      () => 0, // gone since: readFile says why
    )
    if (size > maxWholeInputBytes()) throw inputTooLarge(path, size)
    const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => {
      throw cannotRead(path, e)
    })
    // UTF-16 with its byte-order mark is read, as CSV is (the CSV reader decodes it).
    const utf16 = utf16Bom(bytes)
    notUtf8 = utf16 === undefined && !isUtf8(bytes)
    text = utf16 ? new TextDecoder(utf16).decode(bytes) : bytes.toString('utf8')
  }
  let data: unknown
  const json = text.replace(/^\uFEFF/, '')
  // Without its mark, UTF-16 read as UTF-8 has a NUL beside every character: said so, with the
  // iconv line, as for CSV, rather than "Unexpected token '\x00'".
  const utf16 = utf16WithoutBom(json.slice(0, 64))
  if (utf16) throw new UnreadableInput(1, target, utf16Advice(utf16, path, 'text'))
  try {
    data = JSON.parse(json)
  } catch (e) {
    const { line, column } = syntaxErrorAt(json, (e as Error).message)
    throw new UnreadableInput(
      line,
      String(column),
      `not valid JSON: ${(e as Error).message.replace(/ in JSON at position.*$/, '')}`,
    )
  }
  const page = data as { items?: unknown; nextCursor?: unknown } | null
  const list = Array.isArray(data) ? data : page?.items
  if (!Array.isArray(list))
    throw new UnreadableInput(1, target, 'expected a JSON array of rows (or {"items": [...]})')
  // A list's `--json` (every page) reads back, and so does a last page; one page of a longer list
  // (`licctl api` without --paginate) would apply its rows only, the others left out unsaid.
  if (!Array.isArray(data) && typeof page?.nextCursor === 'string' && page.nextCursor !== '')
    throw new UnreadableInput(
      1,
      'nextCursor',
      `the file is one page of a longer list (its "nextCursor" is set), so rows of the other pages are not in it: save the whole list with the list command's --json, or with \`licctl api … --paginate\``,
    )
  for (let start = 0; start < list.length; start += 1000)
    yield list.slice(start, start + 1000).map((entry: unknown, i): RawRow => {
      const row = start + i + 1
      if (typeof entry === 'string') return { row, values: { [target]: entry } }
      if (!entry || typeof entry !== 'object' || Array.isArray(entry))
        return { row, values: {}, error: { column: target, message: 'expected an object or a string' } }
      const lower = new Map<string, unknown>()
      const keys = new Map<string, string>()
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        const name = k.toLowerCase()
        const other = keys.get(name)
        // `{"Email": …, "EMAIL": …}`: which one is meant is not for the CLI to guess.
        if (other !== undefined && columns.some(([, names]) => names.includes(name)))
          return {
            row,
            values: {},
            error: {
              column: name,
              message: `the object names "${name}" twice ("${other}", "${k}"): keep one`,
            },
          }
        keys.set(name, k)
        lower.set(name, v)
      }
      const values: Record<string, unknown> = {}
      // A column by its own name, else by the first alias the object has (`id` for `lease`).
      for (const [col, names] of columns)
        for (const name of names) {
          const v = lower.get(name)
          if (v === undefined || v === null) continue
          values[col] = v
          break
        }
      const garbled = notUtf8 ? notUtf8Value(values) : undefined
      return garbled ? { row, values: {}, error: garbled } : { row, values }
    })
}

/**
 * Where JSON.parse gave up, as line and column (1-based). V8 says so for most errors ("… at position
 * 12 (line 2 column 5)") but not for all ("Unexpected token ']', … is not valid JSON", "Unexpected
 * end of JSON input"). Then the offending character is found by parsing prefixes: a prefix that
 * stops before it fails only for ending too soon, one that includes it fails before its end.
 */
export function syntaxErrorAt(text: string, message: string): { line: number; column: number } {
  const said = /line (\d+) column (\d+)/.exec(message)
  if (said) return { line: Number(said[1]), column: Number(said[2]) }
  const failsBeforeEnd = (k: number): boolean => {
    try {
      JSON.parse(text.slice(0, k))
      return false
    } catch (e) {
      const m = (e as Error).message
      if (/^Unexpected end of JSON input/.test(m)) return false
      const at = / at position (\d+)/.exec(m)
      return !at || Number(at[1]) < k
    }
  }
  let offset = text.length // where the error is: the end, unless a prefix fails before its end
  if (failsBeforeEnd(text.length)) {
    let lo = 0 // failsBeforeEnd(lo) is false, failsBeforeEnd(hi) true
    let hi = text.length
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2)
      if (failsBeforeEnd(mid)) hi = mid
      else lo = mid
    }
    offset = hi - 1
  }
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  return { line, column: offset - before.lastIndexOf('\n') }
}
