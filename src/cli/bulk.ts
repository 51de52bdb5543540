import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import type { z } from 'zod'
import { BULK_MAX_ITEMS, type BulkResponse, type BulkRowResult } from '../contract/bulk.js'
import { exitCodeFor } from '../contract/errors.js'
import { CliError, UsageError } from './errors.js'
import { color } from './output.js'

/** Where rows come from: command-line targets, or a CSV/JSON file (`-` is stdin). */
export type BulkSource = { kind: 'args'; values: string[] } | { kind: 'file'; path: string }

/** What a batch request carries besides its rows. */
export interface BatchContext {
  /** Dry runs: rows of the earlier batches that would change, so this batch plans on top of them. */
  priorChanges: number
}

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
  send(items: Item[], dryRun: boolean, idempotencyKey: string, batch: BatchContext): Promise<BulkResponse>
  /** Present-tense verb for messages, e.g. `assign`. */
  verb: string
  batchSize?: number
  /** What a changed row did, in words, from its details (e.g. what removing a member released). */
  describe?(details: Record<string, unknown>): string | undefined
}

export interface RowError {
  row: number
  column: string
  message: string
}

interface RawRow {
  /** Row of a CSV file (its line; the header is row 1), or 1-based position (JSON, arguments). */
  row: number
  values: Record<string, unknown>
  /** A row that cannot be read at all (wrong number of fields, not an object). */
  error?: { column: string; message: string }
}

/** A file that cannot be parsed past this point (an unclosed quote, a missing header column). */
class UnreadableInput extends Error {
  constructor(
    readonly row: number,
    readonly column: string,
    message: string,
  ) {
    super(message)
  }
}

const MAX_REPORTED_ERRORS = 50
const SHOWN_ERRORS = 10

/** Rows per request: at most the API's limit; LICCTL_BULK_BATCH_SIZE makes it smaller (tests, slow links). */
function batchSizeOf(spec: { batchSize?: number | undefined }): number {
  const fromEnv = Number(process.env.LICCTL_BULK_BATCH_SIZE)
  const wanted = spec.batchSize ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : BULK_MAX_ITEMS)
  return Math.max(1, Math.min(wanted, BULK_MAX_ITEMS))
}

/**
 * Runs a bulk job: validates every row first (a malformed input is rejected whole, nothing sent),
 * then streams the input again in batches of up to 1,000 rows, one request (one server
 * transaction) each, with an Idempotency-Key per batch so a retried request is applied once.
 * Each batch's results are written as they arrive and dropped: memory stays flat however long the
 * file. Returns the exit code: 0 when no row failed, 6 when some did (see exitCodeOf).
 */
export async function runBulk<Item>(
  spec: BulkSpec<Item>,
  source: BulkSource,
  opts: { dryRun: boolean; json: boolean },
): Promise<number> {
  const bytes = await inputBytes(source)
  const collect = bytes >= LARGE_INPUT_BYTES ? await economizeHeap() : undefined
  // A small input is read once: its validated rows are kept for sending. A large one is streamed
  // again, so memory stays flat however long the file.
  const kept: Array<{ row: number; item: Item }> | undefined = bytes >= streamAbove() ? undefined : []
  const total = await validateAll(spec, source, kept)
  const out = new Output(process.stdout)
  const c = color()
  const summary = { changed: 0, unchanged: 0, failed: 0 }
  const failureExits = new Set<number>()
  const progress = await startProgress(total)
  // The JSON document opens only once the server has answered a batch: a request refused as a whole
  // (auth, unknown add-on) leaves stdout empty, with the error on stderr.
  let opened = false
  let first = true
  const open = () => {
    if (opts.json && !opened) out.write(`{"dryRun":${opts.dryRun},"results":[`)
    opened = true
  }
  let done = 0
  try {
    for await (const batch of kept ? inBatches(kept, batchSizeOf(spec)) : aheadByOne(batches(spec, source))) {
      const res = await spec.send(
        batch.map((b) => b.item),
        opts.dryRun,
        randomUUID(),
        { priorChanges: summary.changed },
      )
      open()
      let text = ''
      for (const r of res.results) {
        const row = batch[r.index]?.row ?? done + r.index + 1
        const result = { ...r, index: done + r.index }
        if (opts.json) {
          text += (first ? '' : ',') + JSON.stringify({ ...result, row })
          first = false
        } else text += formatRow(result, c, spec.describe) + '\n'
        if (r.status === 'failed' || r.status === 'will-fail') failureExits.add(exitCodeFor(r.code, 409))
      }
      summary.changed += res.summary.changed
      summary.unchanged += res.summary.unchanged
      summary.failed += res.summary.failed
      done += batch.length
      progress?.update(done)
      await out.writeAndDrain(text)
      if (collect && done % ROWS_PER_COLLECTION < batch.length) collect()
    }
  } catch (err) {
    // Batches already applied stay applied (re-running completes the job). Say how far it got, and
    // keep stdout a valid JSON document under --json.
    progress?.stop()
    if (opts.json && opened) out.write(`],"summary":${JSON.stringify(summary)},"incomplete":true}\n`)
    else if (!opts.json && done > 0)
      out.write(
        c.bold(
          `Stopped after ${done} of ${total} rows: ${summary.changed} changed, ${summary.unchanged} unchanged, ${summary.failed} failed. Re-run the same command to finish.`,
        ) + '\n',
      )
    await out.drained()
    throw err
  }
  progress?.stop()
  open()
  if (opts.json) out.write(`],"summary":${JSON.stringify(summary)}}\n`)
  else out.write(formatSummary(summary, opts.dryRun, spec.verb, c) + '\n')
  await out.drained()
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
  if ((await inputBytes(source)) >= LARGE_INPUT_BYTES) await economizeHeap()
  await validateAll(spec, source)
  const kept: BulkRowResult[] = []
  let done = 0
  let changes = 0
  for await (const batch of batches(spec, source)) {
    const res = await spec.send(
      batch.map((b) => b.item),
      true,
      randomUUID(),
      { priorChanges: changes },
    )
    for (const r of res.results) if (keep(r)) kept.push({ ...r, index: done + r.index })
    changes += res.summary.changed
    done += batch.length
  }
  return kept
}

/** Files above this size make the heap economical (about 30,000 rows of `email,name`). */
const LARGE_INPUT_BYTES = 1_000_000
/** Inputs of at least this many bytes are streamed twice rather than kept after validation. */
function streamAbove(): number {
  const fromEnv = Number(process.env.LICCTL_BULK_STREAM_BYTES)
  return Number.isInteger(fromEnv) && fromEnv >= 0 ? fromEnv : LARGE_INPUT_BYTES
}
/** Rows between two full collections on a large input. */
const ROWS_PER_COLLECTION = 10_000

/**
 * A large file job allocates a few short-lived objects per row for as long as the file is, and
 * V8's default heuristics then grow the heap to several times the live set: a 100,000-row file
 * peaked near 200 MB RSS with ~25 MB live. Switching the heap to `optimize_for_size` (read by the
 * GC's sizing heuristics at run time) helps only when no young generation has grown yet, so the
 * peak was either ~135 or ~200 MB from one run to the next; a full collection right after the
 * switch, and again every ROWS_PER_COLLECTION rows, keeps it at ~135 MB every time, for ~15% more
 * time on such a file. (`gc` is reachable at run time only through a new context once exposed.)
 * Changes no behaviour; used for large inputs only (small jobs keep the faster default).
 */
async function economizeHeap(): Promise<() => void> {
  const [v8, vm] = await Promise.all([import('node:v8'), import('node:vm')])
  v8.setFlagsFromString('--optimize-for-size')
  v8.setFlagsFromString('--expose-gc')
  const collect = vm.runInNewContext('gc') as () => void
  collect()
  return collect
}

/** The size of a file source in bytes (0 for arguments). */
async function inputBytes(source: BulkSource): Promise<number> {
  if (source.kind !== 'file') return 0
  if (source.path === '-') return Buffer.byteLength(await readStdin())
  const { stat } = await import('node:fs/promises')
  return stat(source.path).then(
    (s) => s.size,
    () => 0,
  )
}

function* inBatches<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let at = 0; at < items.length; at += size) yield items.slice(at, at + size)
}

/** 0 when nothing failed; when every row failed for one kind of reason, that reason's code; else 6. */
export function exitCodeOf(summary: { failed: number }, total: number, failureExits: Set<number>): number {
  if (summary.failed === 0) return 0
  if (summary.failed === total && failureExits.size === 1) return [...failureExits][0]!
  return 6
}

/** stdout with backpressure: a slow reader of `--json` makes the job wait instead of buffering it all. */
class Output {
  constructor(private readonly stream: NodeJS.WritableStream) {}
  write(text: string): boolean {
    return text === '' || this.stream.write(text)
  }
  async writeAndDrain(text: string): Promise<void> {
    if (!this.write(text)) await once(this.stream, 'drain')
  }
  async drained(): Promise<void> {
    const s = this.stream as NodeJS.WritableStream & { writableNeedDrain?: boolean }
    if (s.writableNeedDrain) await once(s, 'drain')
  }
}

function formatRow(
  r: BulkRowResult,
  c: ReturnType<typeof color>,
  describe?: (details: Record<string, unknown>) => string | undefined,
): string {
  const mark: Record<BulkRowResult['status'], string> = {
    changed: c.green('✓ changed    '),
    'will-change': c.green('+ will-change'),
    'already-so': c.dim('= already-so '),
    failed: c.red('✗ failed     '),
    'will-fail': c.red('✗ will-fail  '),
  }
  const why = r.code ? ` ${c.dim('—')} ${r.code}: ${r.message ?? ''}` : ''
  const what = !r.code && r.details && describe ? describe(r.details) : undefined
  return `${mark[r.status]} ${r.target}${why}${what ? ` ${c.dim('—')} ${what}` : ''}`
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

/**
 * Pass 1: every row through the schema, and no target twice (a repeated row would be planned as a
 * change by a dry run and then be "already so" when applied). Throws one usage error listing the
 * row and column of each problem; returns the number of rows. `keep` receives the validated items.
 */
export async function validateAll<Item>(
  spec: BulkSpec<Item>,
  source: BulkSource,
  keep?: Array<{ row: number; item: Item }>,
): Promise<number> {
  const errors: RowError[] = []
  let found = 0
  const add = (e: RowError) => {
    found++
    if (errors.length < MAX_REPORTED_ERRORS) errors.push(e)
  }
  const targets = [spec.target, ...(spec.alternativeTargets ?? [])]
  const seen = new Map<string, number>()
  let count = 0
  try {
    for await (const chunk of rows(spec, source))
      for (const raw of chunk) {
        count++
        if (raw.error) {
          add({ row: raw.row, ...raw.error })
          continue
        }
        const result = spec.schema.safeParse(raw.values)
        if (!result.success) {
          for (const issue of result.error.issues)
            add({ row: raw.row, column: String(issue.path[0] ?? spec.target), message: issue.message })
          continue
        }
        const column = targets.find((t) => raw.values[t] !== undefined) ?? spec.target
        const value = String(raw.values[column]).toLowerCase()
        const key = column === spec.target ? value : `${column}\u0000${value}`
        const earlier = seen.get(key)
        if (earlier !== undefined)
          add({ row: raw.row, column, message: `${String(raw.values[column])} is also in row ${earlier}` })
        else seen.set(key, raw.row)
        keep?.push({ row: raw.row, item: result.data })
      }
  } catch (err) {
    if (!(err instanceof UnreadableInput)) throw err
    add({ row: err.row, column: err.column, message: err.message })
  }
  if (found > 0) {
    const where = source.kind === 'file' ? `${source.path}: ` : ''
    const place = (e: RowError) =>
      source.kind === 'file' ? `row ${e.row}, column ${e.column}` : `argument ${e.row}`
    const lines = errors.slice(0, SHOWN_ERRORS).map((e) => `${where}${place(e)}: ${e.message}`)
    const more = found > SHOWN_ERRORS ? ` (and ${found - SHOWN_ERRORS} more)` : ''
    throw new UsageError(`invalid input, nothing was applied: ${lines.join('; ')}${more}`, {
      code: 'invalid_input',
      details: { errors, total: found },
    })
  }
  if (count === 0)
    throw new UsageError(source.kind === 'file' ? `${source.path}: no rows` : 'no targets given', {
      hint: 'pass targets as arguments or --file',
    })
  return count
}

/**
 * Iterates one step ahead: the next batch is read and validated while the server works on this one
 * (sending stays strictly one batch after another).
 */
async function* aheadByOne<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]()
  let next = it.next()
  try {
    for (;;) {
      const step = await next
      if (step.done) return
      next = it.next()
      // A failure reading ahead is reported when that step is awaited, not as an unhandled rejection.
      next.catch(() => undefined)
      yield step.value
    }
  } finally {
    await it.return?.(undefined)
  }
}

/** Pass 2: validated items in batches. */
async function* batches<Item>(
  spec: BulkSpec<Item>,
  source: BulkSource,
): AsyncGenerator<Array<{ row: number; item: Item }>> {
  const size = batchSizeOf(spec)
  let batch: Array<{ row: number; item: Item }> = []
  for await (const chunk of rows(spec, source))
    for (const raw of chunk) {
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

/**
 * Every row of the source, as column → value (only the columns the spec reads), in chunks: one
 * await per chunk rather than per row keeps a 100,000-row file from churning the heap.
 */
export async function* rows<Item>(
  spec: Pick<BulkSpec<Item>, 'target' | 'alternativeTargets' | 'optional'>,
  source: BulkSource,
): AsyncGenerator<RawRow[]> {
  if (source.kind === 'args') {
    yield source.values.map((value, i) => ({ row: i + 1, values: { [spec.target]: value } }))
    return
  }
  const targets = [spec.target, ...(spec.alternativeTargets ?? [])]
  const wanted = [...new Set([...targets, ...(spec.optional ?? [])])]
  const format = await detectFormat(source.path)
  if (format === 'json') yield* jsonRows(source.path, spec.target, wanted)
  else yield* csvRows(source.path, targets, wanted)
}

async function detectFormat(path: string): Promise<'csv' | 'json'> {
  if (/\.json$/i.test(path)) return 'json'
  if (/\.csv$/i.test(path)) return 'csv'
  const head = path === '-' ? (await readStdin()).slice(0, 64) : (await readFileStart(path)).toString('utf8')
  return /^\uFEFF?\s*[[{]/.test(head) ? 'json' : 'csv'
}

function cannotRead(path: string, e: NodeJS.ErrnoException): UsageError {
  return new UsageError(`cannot read ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`)
}

async function readFileStart(path: string): Promise<Buffer> {
  const { open } = await import('node:fs/promises')
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw cannotRead(path, e)
  })
  try {
    const buf = Buffer.alloc(64)
    const { bytesRead } = await fh.read(buf, 0, 64, 0)
    return buf.subarray(0, bytesRead)
  } finally {
    await fh.close()
  }
}

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

/**
 * CSV per RFC 4180 (quoted fields with commas, quotes and line breaks; CRLF or LF; a UTF-8 BOM),
 * streamed. The first row names the columns (any order, any case); a row with another number of
 * fields than the header is an error at its row and the first column past the shorter side. Rows
 * are numbered by the line they start on, the header being row 1: what an editor or a spreadsheet
 * shows. Blank lines (and rows of empty fields, `,,`) are skipped but counted.
 */
async function* csvRows(
  path: string,
  targets: readonly string[],
  wanted: string[],
): AsyncGenerator<RawRow[]> {
  const [{ parse }, { Readable }] = await Promise.all([import('csv-parse'), import('node:stream')])
  const parser = parse({ bom: true, trim: true, relax_column_count: true })
  const input =
    path === '-' ? Readable.from([await readStdin()]) : createReadStream(path, { highWaterMark: 16 * 1024 })
  input.on('error', (e: NodeJS.ErrnoException) => parser.destroy(cannotRead(path, e)))
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
          columns = wanted
            .map((w): [string, number] => [w, names.indexOf(w.toLowerCase())])
            .filter(([, at]) => at >= 0)
          if (!targets.some((t) => names.includes(t.toLowerCase())))
            throw new UnreadableInput(
              row,
              targets.join(' or '),
              `the header row has no ${targets.map((t) => `"${t}"`).join(' or ')} column (it has ${record.map((h) => `"${h}"`).join(', ')}); the first line names the columns, e.g. ${wanted.join(',')}`,
            )
          continue
        }
        if (record.length !== header.length) {
          out.push({
            row,
            values: {},
            error: {
              column: String(Math.min(record.length, header.length) + 1),
              message: `${record.length} fields, but the header has ${header.length}${record.length > header.length ? ' (quote a field that contains a comma: "Smith, J")' : ''}`,
            },
          })
          continue
        }
        const values: Record<string, unknown> = {}
        for (const [name, at] of columns) {
          const v = record[at]
          if (v !== undefined && v !== '') values[name] = v
        }
        out.push({ row, values })
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

/**
 * JSON: an array of objects (`[{"email": "a@b.c"}]`), of strings (the target: `["a@b.c"]`), or
 * `{"items": [...]}`. Keys are matched case-insensitively. Rows are numbered from 1.
 */
async function* jsonRows(path: string, target: string, wanted: string[]): AsyncGenerator<RawRow[]> {
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
