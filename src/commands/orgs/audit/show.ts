import { Args } from '@oclif/core'
import { ApiCommand } from '../../../cli/base-command.js'
import { auditTime, renderFields, renderTable } from '../../../cli/output.js'
import type { AuditEntryDetail } from '../../../contract/orgs.js'
import { describeChange } from '../audit.js'

export default class OrgsAuditShow extends ApiCommand<typeof OrgsAuditShow> {
  static override summary = 'Show one audit entry; for a bulk job, its rows (admins)'
  static override examples = [
    '<%= config.bin %> orgs audit show ev_06dq…',
    '<%= config.bin %> orgs audit show ev_06dq… --json',
  ]
  static override args = {
    id: Args.string({ description: 'the entry id (orgs audit lists them)', required: true }),
  }

  async run(): Promise<AuditEntryDetail> {
    const client = await this.client()
    const org = await this.org()
    const detail = await client.orgs.auditShow({ org, id: this.args.id })
    const e = detail.entry
    this.say(
      renderFields([
        ['Id', e.id],
        ['Time', auditTime(e.at)],
        ['Actor', e.actor],
        ['Action', e.action],
        ['Target', e.target],
        ['Before', e.before === null ? null : JSON.stringify(e.before)],
        ['After', e.after === null ? null : JSON.stringify(e.after)],
        ['Request', e.requestId],
        ['Job', detail.job ? `${detail.job.id} (${detail.job.action})` : null],
        ['Chain', e.seq === null ? 'not in the chain (inserted around the server)' : `${e.seq} ${e.hash}`],
      ]),
    )
    if (detail.rows.length > 0)
      this.say(
        `\nRows of this job (${detail.rows.length}):\n` +
          renderTable(detail.rows, [
            { header: 'Time', get: (r) => auditTime(r.at) },
            { header: 'Action', get: (r) => r.action },
            { header: 'Target', get: (r) => r.target },
            { header: 'Change', get: (r) => describeChange(r) },
          ]),
      )
    return detail
  }
}
