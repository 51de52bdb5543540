import { readFile } from 'node:fs/promises'
import { UnreadableInput, type RawRow } from './parse.js'
import { cannotRead, readStdin } from './source.js'

/**
 * JSON: an array of objects (`[{"email": "a@b.c"}]`), of strings (the target: `["a@b.c"]`), or
 * `{"items": [...]}`. Keys are matched case-insensitively. Rows are numbered from 1.
 */
export async function* jsonRows(path: string, target: string, wanted: string[]): AsyncGenerator<RawRow[]> {
  let text: string
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8')
  } catch (e) {
    throw cannotRead(path, e as NodeJS.ErrnoException)
  }
  let data: unknown
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (e) {
    const m = /line (\d+) column (\d+)/.exec((e as Error).message)
    throw new UnreadableInput(
      m ? Number(m[1]) : 1,
      m ? m[2]! : '?',
      `not valid JSON: ${(e as Error).message.replace(/ in JSON at position.*$/, '')}`,
    )
  }
  const list = Array.isArray(data) ? data : (data as { items?: unknown } | null)?.items
  if (!Array.isArray(list))
    throw new UnreadableInput(1, target, 'expected a JSON array of rows (or {"items": [...]})')
  for (let start = 0; start < list.length; start += 1000)
    yield list.slice(start, start + 1000).map((entry: unknown, i): RawRow => {
      const row = start + i + 1
      if (typeof entry === 'string') return { row, values: { [target]: entry } }
      if (!entry || typeof entry !== 'object' || Array.isArray(entry))
        return { row, values: {}, error: { column: target, message: 'expected an object or a string' } }
      const lower = new Map(
        Object.entries(entry as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), v]),
      )
      const values: Record<string, unknown> = {}
      for (const col of wanted) {
        const v = lower.get(col.toLowerCase())
        if (v !== undefined && v !== null) values[col] = v
      }
      return { row, values }
    })
}
