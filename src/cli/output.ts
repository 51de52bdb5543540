import { createRequire } from 'node:module'
import type { Chalk, ChalkInstance } from 'chalk'
import type TableClass from 'cli-table3'
import { terminalSafeText } from './errors.js'

// chalk and cli-table3 load on first use, synchronously: every command imports this module (the
// base command colours its errors), and a `--json` run or a failing one should not pay for tables.
const require = createRequire(import.meta.url)
const loadChalk = () => (require('chalk') as { Chalk: typeof Chalk }).Chalk
const loadTable = () => {
  const Table = require('cli-table3') as typeof TableClass
  // cli-table3 colours through @colors/colors, which decides for itself from the environment (and
  // turns colour off wherever CI is set, even on a terminal): our rule decides instead.
  const colors = createRequire(require.resolve('cli-table3'))('@colors/colors/safe') as {
    enable(): void
    disable(): void
  }
  if (colorEnabled()) colors.enable()
  else colors.disable()
  return Table
}

/**
 * Colour only on a terminal that shows it, and never with NO_COLOR (chalk and cli-table3 ignore it
 * on their own) or FORCE_COLOR=0. `TERM=dumb` (Emacs' shell, some CI consoles) prints escape codes
 * as text.
 */
export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false
  const force = process.env.FORCE_COLOR
  // FORCE_COLOR=0 (or false) forces colour off, as Node and chalk read it; any other value on.
  if (force === '0' || force === 'false') return false
  if (force !== undefined) return true
  if (process.env.TERM === 'dumb') return false
  return Boolean(stream.isTTY)
}

/**
 * Styles that leave text as it is, for output without colour (`--json`, a pipe, NO_COLOR): chalk is
 * not loaded for them. Any chain of styles (`c.red.bold`) is the same function; calling it joins
 * its arguments with spaces, as chalk does.
 */
const uncoloured: ChalkInstance = new Proxy(function () {} as unknown as ChalkInstance, {
  get: (_target, prop) => (prop === 'level' ? 0 : uncoloured),
  apply: (_target, _this, args: unknown[]) => args.join(' '),
})

let cached: ChalkInstance | undefined
export function color(): ChalkInstance {
  if (!colorEnabled()) return uncoloured
  return (cached ??= new (loadChalk())({ level: 1 }))
}
export const stderrColor = (): ChalkInstance =>
  colorEnabled(process.stderr) ? new (loadChalk())({ level: 1 }) : uncoloured

export interface Column<T> {
  header: string
  get(row: T): string | number | null | undefined
  align?: 'left' | 'right'
  /**
   * On a terminal, left out when no row has a value (e.g. `Roaming until` where nothing roams): a
   * column of dashes only takes width. Off a terminal every column stays, so text read by scripts
   * keeps its columns whatever the data.
   */
  hideWhenEmpty?: boolean
}

/** A table for humans. Off a terminal it is plain text with no ANSI, one row per line. */
export function renderTable<T>(rows: readonly T[], allColumns: readonly Column<T>[]): string {
  if (tablesDropped) return ''
  const columns = process.stdout.isTTY
    ? allColumns.filter((col) => !col.hideWhenEmpty || rows.some((row) => !isEmpty(col.get(row))))
    : allColumns
  const plain = !colorEnabled()
  const Table = loadTable()
  const headers = columns.map((col) => col.header)
  const cells = rows.map((row) => columns.map((col) => cell(col.get(row))))
  const width = process.stdout.isTTY ? terminalWidth() : undefined
  const widths = fitWidths(headers, cells, width, plain)
  if (widths === 'records') return renderRecords(headers, cells, width!)
  const draw = (head: string[], part: string[][], colWidths: number[] | undefined) => {
    const table = new Table({
      // Bold through cli-table3's own style: applied after wrapping, so a wrapped header keeps whole codes.
      head,
      colAligns: columns.map((col) => col.align ?? 'left'),
      style: plain
        ? { head: [], border: [], compact: true }
        : { head: ['bold'], border: ['grey'], compact: true },
      chars: plain ? PLAIN_CHARS : {},
      ...(colWidths ? { colWidths } : {}),
      ...(widths ? { wordWrap: true, wrapOnWordBoundary: false } : {}),
    })
    for (const row of part)
      table.push(widths ? row.map((text, i) => wrappedColoured(text, widths[i]! - 2)) : row)
    return table.toString().split('\n')
  }
  let lines: string[]
  if (cells.length <= ROWS_PER_PIECE) lines = draw(headers, cells, widths)
  else {
    // cli-table3 lays a table out in time that grows with the square of its rows (27,000 members
    // took 50 s, even for --json, which renders and drops the table): a long table is drawn in
    // pieces of the same column widths, joined where one piece's bottom border meets the next top.
    const colWidths = widths ?? naturalWidths(headers, cells)
    lines = []
    for (let at = 0; at < cells.length; at += ROWS_PER_PIECE) {
      const piece = draw(at === 0 ? headers : [], cells.slice(at, at + ROWS_PER_PIECE), colWidths)
      const last = at + ROWS_PER_PIECE >= cells.length
      // Plain tables have no borders: only boxed pieces have a top and a bottom line to drop.
      lines.push(...(plain ? piece : piece.slice(at === 0 ? 0 : 1, last ? piece.length : -1)))
    }
  }
  return (plain ? lines.map((l) => l.trimEnd()) : lines).join('\n')
}

/**
 * Set by the base command when stdout is for a program (`--json`, `--jq`, `--output`): a command's
 * table, which `say()` then drops, is not drawn at all (a 40,000-member list spent most of its
 * `--json` run laying out a table nobody saw).
 */
let tablesDropped = false

export function dropTables(drop: boolean): void {
  tablesDropped = drop
}

/** Rows of a table drawn by cli-table3 at once (see renderTable). */
const ROWS_PER_PIECE = 200

/** Each column's width as cli-table3 measures it (padding included), for a table drawn in pieces. */
function naturalWidths(headers: string[], rows: string[][]): number[] {
  const { strlen } = createRequire(require.resolve('cli-table3'))('./src/utils.js') as {
    strlen(text: string): number
  }
  const widths = headers.map((h) => strlen(h) + 2)
  for (const row of rows)
    for (const [i, text] of row.entries()) widths[i] = Math.max(widths[i]!, strlen(text) + 2)
  return widths
}

/** The terminal's width (COLUMNS when the terminal does not say), or undefined: no limit. */
function terminalWidth(): number | undefined {
  const n = process.stdout.columns || Number(process.env.COLUMNS)
  return Number.isFinite(n) && n > 0 ? n : undefined
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g
const visibleLength = (s: string) =>
  Math.max(
    ...s
      .replace(ANSI, '')
      .split('\n')
      .map((l) => [...l].length),
  )

/**
 * Column widths (padding included) that fit the terminal, or undefined when the table fits as it
 * is. Space goes max-min fairly, as `gh` and `column` lay tables out: a column narrower than its
 * fair share (a state, a count, a date) keeps its natural width and gives the rest to the others;
 * only the widest ones (emails, ids, free text) are narrowed, all to one level, and their cells
 * wrap. No column is narrowed below its header, so headers never break. When even that does not
 * fit, a table is unreadable: `'records'` asks for one block per row instead (psql's `\x auto`).
 */
export function fitWidths(
  headers: string[],
  rows: string[][],
  width: number | undefined,
  plain: boolean,
): number[] | 'records' | undefined {
  if (!width) return undefined
  const natural = headers.map(
    (h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))) + 2,
  )
  // Borders: one per column plus one (boxed), or two spaces between columns (plain).
  const chrome = (plain ? 2 * (headers.length - 1) : headers.length + 1) + 1
  const available = width - chrome
  const sum = (ws: number[]) => ws.reduce((a, b) => a + b, 0)
  if (sum(natural) <= available) return undefined
  const floor = headers.map((h, i) => Math.min(natural[i]!, Math.max(visibleLength(h), MIN_CELL) + 2))
  if (sum(floor) > available) return 'records'
  // The highest level every column can be cut to (none below its floor, none above its natural).
  const at = (level: number) => natural.map((n, i) => Math.min(n, Math.max(floor[i]!, level)))
  let level = 0
  while (sum(at(level + 1)) <= available) level++
  const widths = at(level)
  // What is left makes whole the columns it can (a host one character short), closest first, then
  // goes one by one to the columns still cut, widest first.
  let left = available - sum(widths)
  const cut = natural.map((_, i) => i).filter((i) => widths[i]! < natural[i]!)
  for (const i of [...cut].sort((a, b) => natural[a]! - widths[a]! - (natural[b]! - widths[b]!)))
    if (natural[i]! - widths[i]! <= left) {
      left -= natural[i]! - widths[i]!
      widths[i] = natural[i]!
    }
  for (const i of cut.sort((a, b) => natural[b]! - natural[a]!))
    if (left > 0 && widths[i]! < natural[i]!) {
      widths[i]!++
      left--
    }
  return widths
}

/** The narrowest a wrapped column's text gets (its header may make it wider). */
const MIN_CELL = 6

/**
 * A table too wide for the terminal, one block per row: each header beside its value, values that
 * are too long wrapped under themselves, a blank line between rows.
 */
function renderRecords(headers: string[], rows: string[][], width: number): string {
  const c = color()
  const keyWidth = Math.max(...headers.map(visibleLength))
  const valueWidth = Math.max(MIN_CELL, width - keyWidth - 3)
  const indent = ' '.repeat(keyWidth + 2)
  const blocks = rows.map((row) =>
    headers
      .map((h, i) => {
        const value = row[i] ?? ''
        const wrapped = wrappedColoured(value, valueWidth)
        const text = typeof wrapped === 'string' ? wrapped : wrapped.content
        const [first = '', ...rest] = text.split('\n')
        return [
          `${c.bold(h)}${' '.repeat(keyWidth - visibleLength(h) + 2)}${first}`,
          ...rest.map((l) => indent + l),
        ]
          .map((l) => l.trimEnd())
          .join('\n')
      })
      .join('\n'),
  )
  return blocks.join('\n\n')
}

/**
 * Plain text in lines of at most `width` characters: broken between words where it can be (`Alice
 * Liddell` / `from the`), and a word longer than a line (an email, an id) cut where the line ends,
 * never cut short: what is shown is all there is.
 */
export function wrapWords(text: string, width: number): string {
  const lines: string[] = []
  for (const paragraph of text.split('\n')) {
    let line = ''
    for (const word of paragraph.split(/ +/)) {
      let rest = [...word]
      const room = line === '' ? width : width - [...line].length - 1
      if (rest.length <= room) {
        line = line === '' ? word : `${line} ${word}`
        continue
      }
      if (line !== '') lines.push(line)
      while (rest.length > width) {
        lines.push(rest.slice(0, width).join(''))
        rest = rest.slice(width)
      }
      line = rest.join('')
    }
    lines.push(line)
  }
  return lines.join('\n')
}

/**
 * cli-table3 wraps a cell on the length of its text with the colour codes counted, so a coloured
 * word that fits its column was cut, and a code cut in two printed as text (`ac` / `tive\x1b[3` /
 * `9m`). A coloured cell is wrapped here instead, on what shows, and left unwrapped by cli-table3
 * (which carries the colour over to each line).
 */
function wrappedColoured(text: string, width: number): string | { content: string; wordWrap: false } {
  if (!text.includes('\u001b[')) return { content: wrapWords(text, width), wordWrap: false }
  const lines: string[] = []
  for (const line of text.split('\n')) {
    let current = ''
    let shown = 0
    // eslint-disable-next-line no-control-regex
    for (const [, code, char] of line.matchAll(/(\u001b\[[0-9;]*m)|([\s\S])/gu)) {
      if (code) current += code
      else {
        if (shown === width) {
          lines.push(current)
          current = ''
          shown = 0
        }
        current += char
        shown++
      }
    }
    lines.push(current)
  }
  return { content: lines.join('\n'), wordWrap: false }
}

const PLAIN_CHARS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
}

const isEmpty = (v: string | number | null | undefined) => v === null || v === undefined || v === ''

/**
 * A value as a table shows it, its control and invisible characters escaped before the table is laid
 * out (terminalSafeText), so that the escapes get the width they take: a zero-width space measured as
 * nothing, then printed as `\u200b`, would push its row's borders six columns right.
 */
function cell(v: string | number | null | undefined): string {
  if (isEmpty(v)) return '-'
  return typeof v === 'number' ? String(v) : terminalSafeText(v)
}

/** Key/value lines for a `show` command. */
export function renderFields(fields: Array<[string, string | number | null | undefined]>): string {
  const width = Math.max(...fields.map(([k]) => k.length))
  const c = color()
  return fields.map(([k, v]) => `${c.bold(k.padEnd(width))}  ${cell(v)}`).join('\n')
}

/**
 * A UTC instant for tables: relative on a terminal ("3 hours ago", "in 12 days"), else
 * `2026-11-25 09:40Z` (stable for scripts reading text). JSON always keeps ISO-8601.
 */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '-'
  if (process.stdout.isTTY) return relativeTime(Date.parse(iso))
  return iso.slice(0, 16).replace('T', ' ') + 'Z'
}

/** An instant inside a sentence, as shortTime shows it: `3 hours ago` on a terminal, else `at 2026-11-25 09:40Z`. */
export function atTime(iso: string): string {
  return process.stdout.isTTY ? shortTime(iso) : `at ${shortTime(iso)}`
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number, number]> = [
  // unit, its length in ms, used while |delta| < this many of it
  ['second', 1_000, 60],
  ['minute', 60_000, 60],
  ['hour', 3_600_000, 48],
  ['day', 86_400_000, 60],
  ['month', 2_629_800_000, 24],
  ['year', 31_557_600_000, Infinity],
]

/** "in 12 days", "3 hours ago", "now". */
export function relativeTime(at: number, now = Date.now()): string {
  const delta = at - now
  for (const [unit, ms, limit] of UNITS) {
    const n = Math.round(delta / ms)
    if (Math.abs(n) < limit) return new Intl.RelativeTimeFormat('en', { numeric: 'auto' }).format(n, unit)
  }
  return new Date(at).toISOString()
}

/** Within this long of its end, an expiration is shown as coming (yellow). */
export const EXPIRING_MS = 30 * 86_400_000

/**
 * A validity for tables: the last valid day, and on a terminal how far that is; red once expired,
 * yellow within 30 days (colour only on a terminal without NO_COLOR); `(retired)` once retired.
 */
export function validity(
  p: { validThrough: string; expiresAt: string; expired: boolean; retiredAt?: string | null },
  now = Date.now(),
): string {
  const c = color()
  // Retired: expired and not renewed, on purpose; nothing to warn about any more.
  if (p.retiredAt) return c.dim(`${p.validThrough} (retired)`)
  const at = Date.parse(p.expiresAt)
  const when = process.stdout.isTTY ? ` (${p.expired ? 'expired ' : 'ends '}${relativeTime(at, now)})` : ''
  if (p.expired) return c.red(`${p.validThrough}${when || ' (expired)'}`)
  if (at - now < EXPIRING_MS) return c.yellow(`${p.validThrough}${when}`)
  return `${p.validThrough}${when}`
}

/**
 * An audit entry's time, as shortTime shows instants; `unreadable` for one edited around the server
 * to hold no instant (`orgs audit verify` names that entry).
 */
export function auditTime(at: string | null): string {
  return at === null ? 'unreadable' : shortTime(at)
}

/**
 * An audit entry's change in one line: `before → after`, or the one side there is (a creation has
 * no before, a removal no after), never an empty `{}` standing for nothing.
 */
export function changeText(before: unknown, after: unknown): string {
  const fmt = (v: unknown) => (v === null || v === undefined ? '' : JSON.stringify(v))
  const b = fmt(before)
  const a = fmt(after)
  return b && a ? `${b} → ${a}` : b || a
}
