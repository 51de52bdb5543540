import { Flags } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { renderTable, shortTime } from '../../cli/output.js'
import type { AuditEntry } from '../../contract/orgs.js'
import { timeFlag } from '../../cli/flag-values.js'

export default class OrgsAudit extends ApiCommand<typeof OrgsAudit> {
  static override summary = 'Read the audit log, newest first (admins)'
  static override description = 'Every change records who, what, when and the before/after counts.'
  static override examples = [
    '<%= config.bin %> orgs audit --since 7d',
    '<%= config.bin %> orgs audit --action seats.release --json',
    '<%= config.bin %> orgs audit --since 2026-01-01 --all',
  ]
  static override flags = {
    action: Flags.string({ description: 'only actions starting with this, e.g. seats or cloud.assign' }),
    since: Flags.string({ description: 'only entries since a date/instant or a duration ago (7d, 12h)' }),
    limit: Flags.integer({ description: 'at most this many entries', default: 50, min: 1, max: 100_000 }),
    all: Flags.boolean({ description: 'every matching entry (ignores --limit)', default: false }),
  }

  async run(): Promise<{ items: AuditEntry[] }> {
    const since = this.flags.since === undefined ? undefined : parseSince(this.flags.since)
    const client = await this.client()
    const org = await this.org()
    const limit = this.flags.all ? Infinity : this.flags.limit
    const items: AuditEntry[] = []
    let cursor: string | undefined
    do {
      const page = await client.orgs.audit(
        { org },
        {
          limit: Math.min(1000, limit - items.length),
          cursor,
          action: this.flags.action,
          since,
        },
      )
      items.push(...page.items)
      cursor = page.nextCursor ?? undefined
    } while (cursor && items.length < limit)
    this.say(
      items.length === 0
        ? 'No audit entries.'
        : renderTable(items, [
            { header: 'Time', get: (e) => shortTime(e.at) },
            { header: 'Actor', get: (e) => e.actor },
            { header: 'Action', get: (e) => e.action },
            { header: 'Target', get: (e) => e.target },
            { header: 'Change', get: (e) => describeChange(e) },
          ]),
    )
    return { items }
  }
}

function parseSince(text: string): string {
  return timeFlag('--since', text, {
    direction: -1,
    // A date means from the start of that day (UTC); an instant needs its offset to be unambiguous.
    absolute: (t) => {
      const date = /^\d{4}-\d{2}-\d{2}$/.test(t)
      const ms = Date.parse(date ? `${t}T00:00:00Z` : t)
      return Number.isNaN(ms) || (!date && !/(Z|[+-]\d{2}:?\d{2})$/i.test(t)) ? null : ms
    },
    expected: 'a date, an instant or a duration like 7d',
  })
}

function describeChange(e: AuditEntry): string {
  const fmt = (v: unknown) => (v === null || v === undefined ? '' : JSON.stringify(v))
  const before = fmt(e.before)
  const after = fmt(e.after)
  const text = before && after ? `${before} → ${after}` : before || after
  return text.length > 80 ? text.slice(0, 77) + '…' : text
}
