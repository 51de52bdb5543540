import { createRequire } from 'node:module'
import type { Chalk, ChalkInstance } from 'chalk'
import type TableClass from 'cli-table3'

// chalk and cli-table3 load on first use, synchronously: every command imports this module (the
// base command colours its errors), and a `--json` run or a failing one should not pay for tables.
const require = createRequire(import.meta.url)
const loadChalk = () => (require('chalk') as { Chalk: typeof Chalk }).Chalk
const loadTable = () => require('cli-table3') as typeof TableClass

let watching = false

/**
 * A reader that stops early (`licctl … | head -1`) closes stdout: the next write fails with EPIPE.
 * Like `git log | head`, that is no error: the rest of the output is dropped and the command ends
 * as it would have (exit 0 for a list; a bulk job still applies every row). Without this, oclif's
 * last flush waits for a 'drain' that never comes and Node exits 13 ("unsettled top-level await").
 */
export function dropOutputWhenStdoutCloses(stdout: NodeJS.WriteStream = process.stdout): void {
  if (watching) return
  watching = true
  let closed = false
  const emit = stdout.emit.bind(stdout) as (event: string | symbol, ...args: unknown[]) => boolean
  // The stream is process-wide, so the rule is too: once the reader is gone, writes succeed at once
  // and an EPIPE is not an 'error' (which would reject a writer waiting for 'drain') but a last
  // 'drain', so whoever waits goes on.
  stdout.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'error' && (closed || (args[0] as NodeJS.ErrnoException | undefined)?.code === 'EPIPE')) {
      if (!closed) {
        closed = true
        stdout.write = ((_chunk: unknown, ...rest: unknown[]) => {
          const cb = rest.find((a) => typeof a === 'function') as (() => void) | undefined
          if (cb) process.nextTick(cb)
          return true
        }) as typeof stdout.write
        Object.defineProperty(stdout, 'writableNeedDrain', { get: () => false })
        emit('drain')
      }
      return true
    }
    return emit(event, ...args)
  }) as typeof stdout.emit
}

/** Colour only on a terminal, and never with NO_COLOR (chalk and cli-table3 ignore it on their own). */
export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true
  return Boolean(stream.isTTY)
}

let cached: ChalkInstance | undefined
export function color(): ChalkInstance {
  return (cached ??= new (loadChalk())({ level: colorEnabled() ? 1 : 0 }))
}
export const stderrColor = (): ChalkInstance =>
  new (loadChalk())({ level: colorEnabled(process.stderr) ? 1 : 0 })

export interface Column<T> {
  header: string
  get(row: T): string | number | null | undefined
  align?: 'left' | 'right'
}

/** A table for humans. Off a terminal it is plain text with no ANSI, one row per line. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const c = color()
  const plain = !colorEnabled()
  const Table = loadTable()
  const table = new Table({
    head: columns.map((col) => (plain ? col.header : c.bold(col.header))),
    colAligns: columns.map((col) => col.align ?? 'left'),
    style: plain ? { head: [], border: [], compact: true } : { head: [], border: ['grey'], compact: true },
    chars: plain ? PLAIN_CHARS : {},
  })
  for (const row of rows) table.push(columns.map((col) => cell(col.get(row))))
  return plain
    ? table
        .toString()
        .split('\n')
        .map((l) => l.trimEnd())
        .join('\n')
    : table.toString()
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

function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === '') return '-'
  return String(v)
}

/** Key/value lines for a `show` command. */
export function renderFields(fields: Array<[string, string | number | null | undefined]>): string {
  const width = Math.max(...fields.map(([k]) => k.length))
  const c = color()
  return fields.map(([k, v]) => `${c.bold(k.padEnd(width))}  ${cell(v)}`).join('\n')
}

/** A UTC instant as `2026-11-25 09:40 UTC` for tables; JSON keeps ISO-8601. */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '-'
  return iso.slice(0, 16).replace('T', ' ') + 'Z'
}

export function shortDate(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 10) : '-'
}
