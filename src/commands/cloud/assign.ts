import { AddonBulkCommand, addonArgs } from '../../cli/cloud-bulk-command.js'

export default class CloudAssign extends AddonBulkCommand {
  static override summary = 'Assign a cloud add-on to members (admins), one or thousands at a time'
  static override description =
    'Targets are emails, as arguments or in a CSV (header row with an email column) or JSON --file. Every row is validated before anything is sent; then rows go in batches of up to 1,000, each applied in one transaction and safe to retry. Re-running the same file changes nothing new (rows report already-so). Rows that fail (not a member, no free license, expired add-on) never stop the others. Exit 0 when no row failed, 6 when some did, or the reason’s own code when every row failed for the same one.'
  static override examples = [
    '<%= config.bin %> cloud assign cloud-processing bob@acme.test carol@acme.test',
    '<%= config.bin %> cloud assign cloud-processing --file department.csv --dry-run',
    '<%= config.bin %> cloud assign cloud-processing --file department.csv --json > results.json',
  ]
  static override args = addonArgs({
    addon: 'add-on key, e.g. cloud-processing',
    emails: 'emails of the members to assign it to',
  })
  protected readonly action = 'assign'
}
