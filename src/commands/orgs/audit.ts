import { Flags } from '@oclif/core'
import { ListCommand } from '../../cli/base-command.js'
import { renderTable, shortTime } from '../../cli/output.js'
import type { AuditEntry } from '../../contract/orgs.js'
import { instantFlag, integerFlag } from '../../cli/flag-values.js'
import { allItems } from '../../client/pages.js'

export default class OrgsAudit extends ListCommand<typeof OrgsAudit> {
  static override summary = 'Read the audit log, newest first (admins)'
  static override description = 'Every change records who, what, when and the before/after counts.'
  static override examples = [
    '<%= config.bin %> orgs audit --since 7d',
    '<%= config.bin %> orgs audit --action seats.release --json',
    '<%= config.bin %> orgs audit --since 2026-01-01 --all',
  ]
  static override flags = {
    action: Flags.string({ description: 'only actions starting with this, e.g. seats or cloud.assign' }),
    since: instantFlag({
      description: 'only entries since a date/instant or a duration ago (7d, 12h)',
      direction: -1,
      date: 'start',
    }),
    limit: integerFlag({ description: 'at most this many entries', default: 50, min: 1, max: 100_000 }),
    all: Flags.boolean({ description: 'every matching entry (ignores --limit)', default: false }),
  }

  async run(): Promise<{ items: AuditEntry[] }> {
    const since = this.flags.since
    const client = await this.client()
    const org = await this.org()
    const items: AuditEntry[] = await allItems(
      client.orgs.audit,
      { org },
      { action: this.flags.action, since },
      { max: this.flags.all ? Infinity : this.flags.limit },
    )
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

function describeChange(e: AuditEntry): string {
  const fmt = (v: unknown) => (v === null || v === undefined ? '' : JSON.stringify(v))
  const before = fmt(e.before)
  const after = fmt(e.after)
  const text = before && after ? `${before} → ${after}` : before || after
  return text.length > 80 ? text.slice(0, 77) + '…' : text
}
