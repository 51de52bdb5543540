import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { randomUUID } from 'node:crypto'
import type { z } from 'zod'
import { BULK_MAX_ITEMS, type BulkResponse, type BulkRowResult } from '../contract/bulk.js'
import { exitCodeFor } from '../contract/errors.js'
import { LicctlError, UsageError } from '../client/errors.js'
import { color } from './output.js'

/** Where rows come from: command-line targets, or a CSV/JSON file (`-` is stdin). */
export type BulkSource = { kind: 'args'; values: string[] } | { kind: 'file'; path: string }

export interface BulkSpec<Item> {
  /** Column of the target (e.g. `email`); a bare argument fills it. */
  target: string
  /** Other columns that may stand in for the target in a file's header (e.g. `user` for `lease`). */
  alternativeTargets?: readonly string[]
  /** Other columns read from files (case-insensitive headers); unknown columns are ignored. */
  optional?: readonly string[]
  /** The contract's item schema: the same validation the server applies. */
  schema: z.ZodType<Item>
  /** Sends one batch; the key makes a retried batch safe. */
  send(items: Item[], dryRun: boolean, idempotencyKey: string): Promise<BulkResponse>
  /** Present-tense verb for messages, e.g. `assign`. */
  verb: string
  batchSize?: number
}

export interface RowError {
  row: number
  column: string
  message: string
}

interface RawRow {
  /** Line (CSV) or 1-based position (JSON, arguments) of the row, for error messages. */
  row: number
  values: Record<string, unknown>
}

const MAX_REPORTED_ERRORS = 50

/**
 * Validates every row first (a malformed file is rejected whole, nothing sent), then streams the
 * file again in batches of up to 1,000 rows, one request (one transaction) each. Never holds the
 * whole file's results: each batch is reported and dropped.
 */
export async function runBulk<Item>(
  spec: BulkSpec<Item>,
  source: BulkSource,
  opts: { dryRun: boolean; json: boolean },
): Promise<number> {
  const total = await validateAll(spec, source)
  const out = process.stdout
  const c = color()
  const summary = { changed: 0, unchanged: 0, failed: 0 }
  const failureExits = new Set<number>()
  const progress = await startProgress(total)
  // The JSON document opens only once the server has answered a batch: a request refused as a whole
  // (auth, unknown target) leaves stdout empty, with the error on stderr.
  let opened = false
  let first = true
  const open = () => {
    if (opts.json && !opened) out.write(`{"dryRun":${opts.dryRun},"results":[`)
    opened = true
  }
  const report = (r: BulkRowResult, row: number) => {
    if (opts.json) {
      out.write((first ? '' : ',') + JSON.stringify({ ...r, row }))
      first = false
      return
    }
    out.write(formatRow(r, c) + '\n')
  }
  let offset = 0
  try {
    for await (const batch of batches(spec, source)) {
      const res = await spec.send(
        batch.map((b) => b.item),
        opts.dryRun,
        randomUUID(),
      )
      open()
      for (const r of res.results) {
        const input = batch[r.index]
        report({ ...r, index: offset + r.index }, input?.row ?? offset + r.index + 1)
        if (r.status === 'failed' || r.status === 'will-fail') failureExits.add(exitCodeFor(r.code, 409))
      }
      summary.changed += res.summary.changed
      summary.unchanged += res.summary.unchanged
      summary.failed += res.summary.failed
      offset += batch.length
      progress?.update(offset)
    }
  } catch (err) {
    // Batches already applied stay applied (re-running completes the job). Say how far it got, and
    // keep stdout a valid JSON document under --json.
    progress?.stop()
    if (opts.json && opened) out.write(`],"summary":${JSON.stringify(summary)},"incomplete":true}\n`)
    else if (!opts.json && offset > 0)
      out.write(
        c.bold(
          `Stopped after ${offset} of ${total} rows: ${summary.changed} changed, ${summary.unchanged} unchanged, ${summary.failed} failed. Re-run the same command to finish.`,
        ) + '\n',
      )
    throw err
  }
  progress?.stop()
  open()
  if (opts.json) out.write(`],"summary":${JSON.stringify(summary)}}\n`)
  else out.write(formatSummary(summary, opts.dryRun, spec.verb, c) + '\n')
  return exitCodeOf(summary, total, failureExits)
}

/**
 * Plans a job without changing anything (dry-run batches) and returns the rows `keep` selects: how a
 * command finds what needs a confirmation before it applies anything.
 */
export async function planBulk<Item>(
  spec: BulkSpec<Item>,
  source: BulkSource,
  keep: (r: BulkRowResult) => boolean,
): Promise<BulkRowResult[]> {
  await validateAll(spec, source)
  const kept: BulkRowResult[] = []
  let offset = 0
  for await (const batch of batches(spec, source)) {
    const res = await spec.send(
      batch.map((b) => b.item),
      true,
      randomUUID(),
    )
    for (const r of res.results) if (keep(r)) kept.push({ ...r, index: offset + r.index })
    offset += batch.length
  }
  return kept
}

/** 0 when nothing failed; when every row failed for one kind of reason, that reason's code; else 6. */
export function exitCodeOf(summary: { failed: number }, total: number, failureExits: Set<number>): number {
  if (summary.failed === 0) return 0
  if (summary.failed === total && failureExits.size === 1) return [...failureExits][0]!
  return 6
}

function formatRow(r: BulkRowResult, c: ReturnType<typeof color>): string {
  const mark: Record<BulkRowResult['status'], string> = {
    changed: c.green('✓ changed    '),
    'will-change': c.green('+ will-change'),
    'already-so': c.dim('= already-so '),
    failed: c.red('✗ failed     '),
    'will-fail': c.red('✗ will-fail  '),
  }
  const why = r.code ? ` ${c.dim('—')} ${r.code}: ${r.message ?? ''}` : ''
  return `${mark[r.status]} ${r.target}${why}`
}

function formatSummary(
  s: { changed: number; unchanged: number; failed: number },
  dryRun: boolean,
  verb: string,
  c: ReturnType<typeof color>,
): string {
  if (dryRun)
    return c.bold(
      `Dry run (${verb}): ${s.changed} would change, ${s.unchanged} already so, ${s.failed} would fail. Nothing was changed.`,
    )
  return c.bold(`Done (${verb}): ${s.changed} changed, ${s.unchanged} unchanged, ${s.failed} failed.`)
}

async function startProgress(total: number) {
  if (!process.stderr.isTTY || total < 50) return undefined
  const { default: cliProgress } = await import('cli-progress')
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: ' {bar} {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  )
  const started = Date.now()
  bar.start(total, 0, { rate: 0 })
  return {
    update: (n: number) =>
      bar.update(n, { rate: Math.round((n * 1000) / Math.max(1, Date.now() - started)) }),
    stop: () => bar.stop(),
  }
}

/** Pass 1: every row through the schema. Throws a usage error listing row and column of each error. */
async function validateAll<Item>(spec: BulkSpec<Item>, source: BulkSource): Promise<number> {
  const errors: RowError[] = []
  let count = 0
  for await (const raw of rows(spec, source)) {
    count++
    const result = spec.schema.safeParse(raw.values)
    if (!result.success && errors.length < MAX_REPORTED_ERRORS) {
      for (const issue of result.error.issues)
        errors.push({ row: raw.row, column: String(issue.path[0] ?? spec.target), message: issue.message })
    }
  }
  if (count === 0)
    throw new UsageError(source.kind === 'file' ? `${source.path}: no rows` : 'no targets given', {
      hint: 'pass targets as arguments or --file',
    })
  if (errors.length > 0) {
    const where = source.kind === 'file' ? source.path : 'argument'
    const lines = errors.slice(0, 10).map((e) => `${where}: row ${e.row}, column ${e.column}: ${e.message}`)
    const more = errors.length > 10 ? ` (and ${errors.length - 10} more)` : ''
    throw new UsageError(`invalid input, nothing was applied: ${lines.join('; ')}${more}`, {
      code: 'invalid_input',
      details: { errors },
    })
  }
  return count
}

/** Pass 2: validated items in batches. */
async function* batches<Item>(
  spec: BulkSpec<Item>,
  source: BulkSource,
): AsyncGenerator<Array<{ row: number; item: Item }>> {
  const size = Math.min(spec.batchSize ?? BULK_MAX_ITEMS, BULK_MAX_ITEMS)
  let batch: Array<{ row: number; item: Item }> = []
  for await (const raw of rows(spec, source)) {
    batch.push({ row: raw.row, item: spec.schema.parse(raw.values) })
    if (batch.length === size) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

let stdinCache: Promise<string> | undefined
function readStdin(): Promise<string> {
  return (stdinCache ??= (async () => {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  })())
}

async function* rows<Item>(spec: BulkSpec<Item>, source: BulkSource): AsyncGenerator<RawRow> {
  if (source.kind === 'args') {
    for (const [i, value] of source.values.entries()) yield { row: i + 1, values: { [spec.target]: value } }
    return
  }
  const wanted = [...new Set([spec.target, ...(spec.alternativeTargets ?? []), ...(spec.optional ?? [])])]
  const format = await detectFormat(source.path)
  if (format === 'json') {
    yield* jsonRows(source.path, spec.target, wanted)
    return
  }
  yield* csvRows(source.path, spec.target, wanted, spec.alternativeTargets ?? [])
}

async function detectFormat(path: string): Promise<'csv' | 'json'> {
  if (/\.json$/i.test(path)) return 'json'
  if (/\.csv$/i.test(path)) return 'csv'
  const head = path === '-' ? (await readStdin()).slice(0, 64) : (await readFileStart(path)).toString('utf8')
  return /^\uFEFF?\s*[[{]/.test(head) ? 'json' : 'csv'
}

async function readFileStart(path: string): Promise<Buffer> {
  const { open } = await import('node:fs/promises')
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`)
  })
  try {
    const buf = Buffer.alloc(64)
    const { bytesRead } = await fh.read(buf, 0, 64, 0)
    return buf.subarray(0, bytesRead)
  } finally {
    await fh.close()
  }
}

async function* csvRows(
  path: string,
  target: string,
  wanted: string[],
  alternatives: readonly string[],
): AsyncGenerator<RawRow> {
  const { parse } = await import('csv-parse')
  const parser = parse({
    bom: true,
    columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
    skip_empty_lines: true,
    trim: true,
    info: true,
    relax_column_count: false,
  })
  const input =
    path === '-' ? (await import('node:stream')).Readable.from([await readStdin()]) : createReadStream(path)
  input.on('error', (e: NodeJS.ErrnoException) =>
    parser.destroy(
      new UsageError(`cannot read ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`),
    ),
  )
  input.pipe(parser)
  let checkedHeader = false
  try {
    for await (const rec of parser as AsyncIterable<{
      record: Record<string, string>
      info: { lines: number }
    }>) {
      if (!checkedHeader) {
        checkedHeader = true
        if (![target, ...alternatives].some((t) => t.toLowerCase() in rec.record))
          throw new UsageError(
            `${path}: the header row has no "${[target, ...alternatives].join('" or "')}" column`,
            {
              code: 'invalid_input',
              hint: `the first line names the columns, e.g. ${wanted.join(',')}`,
            },
          )
      }
      const values: Record<string, unknown> = {}
      for (const col of wanted) {
        const v = rec.record[col.toLowerCase()]
        if (v !== undefined && v !== '') values[col] = v
      }
      yield { row: rec.info.lines, values }
    }
  } catch (err) {
    if (err instanceof LicctlError) throw err
    const e = err as { message: string; lines?: number; code?: string }
    throw new UsageError(`${path}: ${e.lines ? `line ${e.lines}: ` : ''}${e.message}`, {
      code: 'invalid_input',
    })
  }
}

async function* jsonRows(path: string, target: string, wanted: string[]): AsyncGenerator<RawRow> {
  let text: string
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8')
  } catch (e) {
    throw new UsageError(
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    )
  }
  let data: unknown
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (e) {
    throw new UsageError(`${path}: not valid JSON: ${(e as Error).message}`, { code: 'invalid_input' })
  }
  const list = Array.isArray(data) ? data : (data as { items?: unknown })?.items
  if (!Array.isArray(list))
    throw new UsageError(`${path}: expected a JSON array of rows (or {"items": [...]})`, {
      code: 'invalid_input',
    })
  for (const [i, entry] of list.entries()) {
    if (typeof entry === 'string') {
      yield { row: i + 1, values: { [target]: entry } }
    } else if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
      const lower = Object.fromEntries(
        Object.entries(entry as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), v]),
      )
      const values: Record<string, unknown> = {}
      for (const col of wanted)
        if (lower[col.toLowerCase()] !== undefined && lower[col.toLowerCase()] !== null)
          values[col] = lower[col.toLowerCase()]
      yield { row: i + 1, values }
    } else {
      yield { row: i + 1, values: {} }
    }
  }
}
