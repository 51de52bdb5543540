import { AddonBulkCommand, addonArgs } from '../../cli/cloud-bulk-command.js'

export default class CloudRevoke extends AddonBulkCommand {
  static override summary = 'Revoke a cloud add-on from users (admins); the licenses are free again at once'
  static override description =
    'Targets are emails, as arguments or in a CSV/JSON --file, like `cloud assign`. A user who does not hold the add-on is already-so. Exit 0 when no row failed, 6 when some did.'
  static override examples = [
    '<%= config.bin %> cloud revoke cloud-processing bob@acme.test',
    '<%= config.bin %> cloud revoke cloud-processing --file leavers.csv --dry-run',
  ]
  static override args = addonArgs({
    addon: 'add-on key',
    emails: 'emails of the users to revoke it from',
  })
  protected readonly action = 'revoke'
}
