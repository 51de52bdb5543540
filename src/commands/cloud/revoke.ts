import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { bulkSource, fileFlags } from '../../cli/bulk-flags.js'

export default class CloudRevoke extends ApiCommand<typeof CloudRevoke> {
  static override summary = 'Revoke a cloud add-on from users (admins); the licenses are free again at once'
  static override description =
    'Targets are emails, as arguments or in a CSV/JSON --file, like `cloud assign`. A user who does not hold the add-on is already-so. Exit 0 when no row failed, 6 when some did.'
  static override examples = [
    '<%= config.bin %> cloud revoke cloud-processing bob@acme.test',
    '<%= config.bin %> cloud revoke cloud-processing --file leavers.csv --dry-run',
  ]
  static override strict = false
  static override args = {
    addon: Args.string({ description: 'add-on key', required: true }),
    emails: Args.string({ description: 'emails of the users to revoke it from' }),
  }
  static override flags = { ...fileFlags }

  async run() {
    const client = await this.client()
    const org = await this.org()
    const source = bulkSource(this.positionals, this.flags.file, 1)
    const addon = this.args.addon
    const [{ runBulk }, { addonItem }] = await Promise.all([
      import('../../cli/bulk/index.js'),
      import('../../contract/cloud.js'),
    ])
    process.exitCode = await runBulk(
      {
        target: 'email',
        schema: addonItem,
        verb: `revoke ${addon}`,
        endpoint: client.cloud.revoke,
        params: { org, addon },
      },
      source,
      { dryRun: this.flags['dry-run'], json: this.jsonEnabled(), strict: this.flags.strict },
    )
  }
}
