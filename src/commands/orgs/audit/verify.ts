import { ApiCommand } from '../../../cli/base-command.js'
import { color, renderFields } from '../../../cli/output.js'
import type { AuditVerification } from '../../../contract/orgs.js'
import { counted } from '../../../domain/plural.js'

export default class OrgsAuditVerify extends ApiCommand<typeof OrgsAuditVerify> {
  static override summary = 'Recompute the audit log’s hash chain; exit 0 when it holds (admins)'
  static override description =
    'Walks the organization’s chain from its first entry: each entry’s hash over its content, its link to the previous entry and its place. Names the first entry that does not match and exits 1 (a broken chain is a failure); exits 0 when the whole chain holds. `--json` prints the head hash: keep it elsewhere to detect a later rewrite of the whole log.'
  static override examples = [
    '<%= config.bin %> orgs audit verify',
    '<%= config.bin %> orgs audit verify --json | jq -r .head.hash',
  ]

  async run(): Promise<AuditVerification> {
    const client = await this.client()
    const org = await this.org()
    const report = await client.orgs.auditVerify({ org })
    const c = color()
    const head = report.head ? `${report.head.seq} ${report.head.hash}` : null
    this.say(
      renderFields([
        ['Chain', report.intact ? c.green('intact') : c.red('BROKEN')],
        // On a broken chain the report's entries and head are the part that held, up to the break:
        // labelled as such, so nobody keeps that hash as the log's head.
        ...((report.broken
          ? [
              ['Verified', `${counted(report.entries, 'entry', 'entries')} before the break`],
              ['Last good', head ?? '(none)'],
              ['First mismatch', report.broken.id ?? '(end of log)'],
              ['Why', report.broken.message],
            ]
          : [
              ['Entries', report.entries],
              ['Head', head ?? '(empty log)'],
            ]) as Array<[string, string | number]>),
      ]),
    )
    if (!report.intact) {
      this.note(`audit chain of ${org} is broken: ${report.broken?.message ?? 'mismatch'}`)
      process.exitCode = 1
    }
    return report
  }
}
