import { Flags } from '@oclif/core'
import { ListCommand } from '../../cli/base-command.js'
import { stdoutJson, UsageError } from '../../cli/errors.js'
import { auditTime, changeText, renderTable } from '../../cli/output.js'
import type { AuditEntry } from '../../contract/orgs.js'
import { integerFlag, pastFlag } from '../../cli/flag-values.js'
import { counted } from '../../domain/plural.js'
import { rangeProblem } from '../../domain/time-range.js'

export default class OrgsAudit extends ListCommand<typeof OrgsAudit> {
  static override summary = 'Read the audit log, newest first (admins)'
  static override description =
    'Every change records who, what, when, the before/after state and the request id. With --all, entries stream as the pages arrive: `--json` as NDJSON (one JSON object a line; `--json a,b` keeps those fields, `--jq` runs on each entry), `--output csv|tsv` as rows.'
  static override examples = [
    '<%= config.bin %> orgs audit --since 7d',
    '<%= config.bin %> orgs audit --action seats.release --json',
    '<%= config.bin %> orgs audit --actor admin@acme.test --target bob@acme.test',
    '<%= config.bin %> orgs audit --since 2026-01-01 --until 2026-02-01 --all --json > january.ndjson',
    '<%= config.bin %> orgs audit --all --output csv > audit.csv',
    "<%= config.bin %> orgs audit --all --action seats.release --jq '.target'",
  ]
  static override flags = {
    action: Flags.string({ description: 'only actions starting with this, e.g. seats or cloud.assign' }),
    actor: Flags.string({ description: 'only entries by this actor (an email, or operator)' }),
    target: Flags.string({
      description: 'only entries about this target, or ending/starting with it (an email, an add-on key)',
    }),
    since: pastFlag({
      description: 'only entries since a date/instant or a duration ago on the server’s clock (7d, 12h)',
    }),
    until: pastFlag({
      description: 'only entries before a date/instant or a duration ago on the server’s clock (exclusive)',
    }),
    limit: integerFlag({
      description: 'at most this many entries (not with --all)',
      default: 50,
      min: 1,
      max: 100_000,
      exclusive: ['all'],
    }),
    all: Flags.boolean({
      description: 'every matching entry, streamed; with --json, NDJSON (not with --limit)',
      default: false,
      exclusive: ['limit'],
    }),
  }

  /**
   * A range that would match nothing is refused before the profile is read or a request sent; an
   * instant against a duration ago only the server can compare, on its clock.
   */
  protected override async validate(): Promise<void> {
    const problem = rangeProblem('--since', this.flags.since, this.flags.until)
    if (problem !== null) throw new UsageError(`--until: ${problem}`, { code: 'validation_failed' })
  }

  async run(): Promise<{ items: AuditEntry[] } | undefined> {
    const f = this.flags
    const { since, until } = f
    const client = await this.client()
    const org = await this.org()
    // One entry past --limit tells whether the list was cut (it is dropped, and a note says so).
    const limit = f.all ? Infinity : f.limit + 1
    const query = { action: f.action, actor: f.actor, target: f.target, since, until }
    const { pages } = await import('../../client/pages.js')
    /** The matching entries in chunks of up to 1,000, as the pages arrive. */
    const chunks = async function* () {
      let chunk: AuditEntry[] = []
      for await (const e of pages(client.orgs.audit, { org }, query, { max: limit })) {
        chunk.push(e)
        if (chunk.length === 1000) {
          yield chunk
          chunk = []
        }
      }
      if (chunk.length > 0) yield chunk
    }
    // Large logs stream: one entry a line (NDJSON) or CSV/TSV rows as pages arrive, never all in
    // memory. Fields and --jq apply to each entry, as `gh api --paginate --jq` applies them to
    // each page.
    const format = this.delimitedFormat
    if (f.all && (this.jsonEnabled() || format)) {
      const m = await import('../../cli/structured-output.js')
      const { fields, jq } = this.structuredOutput
      const columns = fields ?? (await m.shapeOf(this.id, undefined)).fields
      if (format) await write(await m.renderDelimited([], columns, format))
      for await (const entries of chunks()) {
        const rows = fields ? entries.map((e) => m.pick(e, fields)) : entries
        if (format) await write(await m.renderDelimited(rows, columns, format, { header: false }))
        else if (jq !== undefined) await write(await m.runJq(JSON.stringify(rows), jq, { each: true }))
        else await write(rows.map((e) => stdoutJson(JSON.stringify(e)) + '\n').join(''))
      }
      return undefined
    }
    const items: AuditEntry[] = []
    for await (const chunk of chunks()) items.push(...chunk)
    const cut = !f.all && items.length > f.limit
    if (cut) items.length = f.limit
    this.say(
      items.length === 0
        ? 'No audit entries.'
        : renderTable(items, [
            { header: 'Time', get: (e) => auditTime(e.at) },
            { header: 'Actor', get: (e) => e.actor },
            { header: 'Action', get: (e) => e.action },
            { header: 'Target', get: (e) => e.target },
            { header: 'Change', get: (e) => describeChange(e) },
            { header: 'Id', get: (e) => e.id },
          ]),
    )
    // Not with --json: its document is the list asked for, and stderr stays for errors.
    if (cut && !this.jsonEnabled())
      this.note(
        `Showing the newest ${counted(f.limit, 'entry', 'entries')}; more match: a larger --limit or --all lists them.`,
      )
    return { items }
  }
}

/** Writes to stdout, waiting when the pipe is full (a 1 GB log into `head` must not buffer in memory). */
function write(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve()
    else process.stdout.once('drain', () => resolve())
  })
}

export function describeChange(e: AuditEntry): string {
  const text = changeText(e.before, e.after)
  return text.length > 80 ? text.slice(0, 77) + '…' : text
}
