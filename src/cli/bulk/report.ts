import { counted } from '../../domain/plural.js'
import { once } from 'node:events'
import type { BulkRowResult, BulkSummary } from '../../contract/bulk.js'
import { escapeControls, stdoutJson } from '../errors.js'
import { color } from '../output.js'
import { pick, runJq } from '../structured-output.js'

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

/**
 * The job's report on stdout, written as batches come back: one line per row and a summary, or
 * with --json one document streamed row by row, still valid JSON (`"incomplete": true`) when the
 * job stops half-way. The document opens only once the server has answered a batch: a request
 * refused as a whole (auth, unknown add-on) leaves stdout empty, with the error on stderr.
 *
 * `--json a,b` keeps those fields of each row as it streams. A `--jq` filter needs the whole
 * document: the report then holds its text (not the rows' objects) and prints what the filter
 * makes of it at the end, so memory grows with the job.
 */
export class Report {
  private readonly out = new Output(process.stdout)
  private readonly c = color()
  private opened = false
  private first = true
  private text = ''
  /** With --jq: the document so far, filtered once it is whole. */
  private readonly held: string[] | undefined
  /** Rows reported `duplicate` (counted as unchanged in the summary). */
  duplicates = 0

  constructor(
    private readonly opts: {
      dryRun: boolean
      json: boolean
      /** `--json a,b`: the fields kept of each row (checked against the document's). */
      fields?: string[] | undefined
      /** `--jq`: the filter the whole document goes through. */
      jq?: string | undefined
      verb: string
      /** `row` or `argument`: how a duplicate names the row it repeats. */
      place: string
      describe?: ((details: Record<string, unknown>) => string | undefined) | undefined
    },
  ) {
    this.held = opts.json && opts.jq !== undefined ? [] : undefined
  }

  private open() {
    if (this.opts.json && !this.opened) this.emit(`{"dryRun":${this.opts.dryRun},"results":[`)
    this.opened = true
  }

  /** Writes to stdout, or holds the text for the --jq filter. */
  private emit(text: string): void {
    if (this.held) this.held.push(text)
    else this.out.write(text)
  }

  /** Ends the document: with --jq, prints what the filter makes of it. */
  private async end(text: string): Promise<void> {
    this.emit(text)
    if (this.held) this.out.write(await runJq(this.held.splice(0).join(''), this.opts.jq!))
    await this.out.drained()
  }

  /** Adds one row's result (written by `flush`). */
  row(result: BulkRowResult & { row: number }) {
    this.open()
    if (result.status === 'duplicate') this.duplicates++
    if (this.opts.json) {
      const fields = this.opts.fields
      this.text +=
        (this.first ? '' : ',') + stdoutJson(JSON.stringify(fields ? pick(result, fields) : result))
      this.first = false
    } else this.text += this.format(result) + '\n'
  }

  /** Writes what the rows added, waiting while stdout is full. */
  async flush(): Promise<void> {
    this.open()
    const text = this.text
    this.text = ''
    if (this.held) this.held.push(text)
    else await this.out.writeAndDrain(text)
  }

  async done(summary: BulkSummary): Promise<void> {
    await this.flush()
    await this.end(
      this.opts.json ? `],"summary":${JSON.stringify(summary)}}\n` : this.summaryLine(summary) + '\n',
    )
  }

  /** The job stopped after `done` of `total` rows: batches applied stay applied; say how far it got. */
  async stopped(summary: BulkSummary, done: number, total: number): Promise<void> {
    if (this.opts.json && this.opened)
      // The error that stopped the job is what the caller reports: a filter failing on the
      // incomplete document must not replace it.
      await this.end(this.text + `],"summary":${JSON.stringify(summary)},"incomplete":true}\n`).catch(
        () => undefined,
      )
    else if (!this.opts.json && done > 0)
      this.out.write(
        this.text +
          this.c.bold(
            this.opts.dryRun
              ? `Dry run stopped after ${done} of ${counted(total, 'row')}: ${summary.changed} would change, ${this.unchanged(summary)}, ${summary.failed} would fail. Nothing was changed.`
              : `Stopped after ${done} of ${counted(total, 'row')}: ${summary.changed} changed, ${this.unchanged(summary)}, ${summary.failed} failed. Re-run the same command to finish.`,
          ) +
          '\n',
      )
    await this.out.drained()
  }

  private unchanged(s: BulkSummary): string {
    return `${s.unchanged} unchanged${this.duplicates ? ` (${this.duplicates} duplicate)` : ''}`
  }

  private summaryLine(s: BulkSummary): string {
    const c = this.c
    if (this.opts.dryRun)
      return c.bold(
        `Dry run (${this.opts.verb}): ${s.changed} would change, ${s.unchanged} already so${this.duplicates ? ` (${this.duplicates} duplicate)` : ''}, ${s.failed} would fail. Nothing was changed.`,
      )
    return c.bold(`Done (${this.opts.verb}): ${s.changed} changed, ${this.unchanged(s)}, ${s.failed} failed.`)
  }

  private format(r: BulkRowResult): string {
    const c = this.c
    const mark: Record<BulkRowResult['status'], string> = {
      changed: c.green('✓ changed    '),
      'will-change': c.green('+ will-change'),
      'already-so': c.dim('= already-so '),
      duplicate: c.dim('= duplicate  '),
      failed: c.red('✗ failed     '),
      'will-fail': c.red('✗ will-fail  '),
    }
    // The target and the server's message may quote the input: escaped, like every message.
    const why = r.code ? ` ${c.dim('—')} ${r.code}: ${escapeControls(r.message ?? '')}` : ''
    const what =
      r.status === 'duplicate'
        ? `of ${this.opts.place} ${String(r.details?.duplicateOf)}`
        : !r.code && r.details && this.opts.describe
          ? this.opts.describe(r.details)
          : undefined
    return `${mark[r.status]} ${escapeControls(r.target)}${why}${what ? ` ${c.dim('—')} ${escapeControls(what)}` : ''}`
  }
}
