import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { bulkSource, fileFlags } from '../../cli/bulk-flags.js'

export default class CloudAssign extends ApiCommand<typeof CloudAssign> {
  static override summary = 'Assign a cloud add-on to members (admins), one or thousands at a time'
  static override description =
    'Targets are emails, as arguments or in a CSV (header row with an email column) or JSON --file. Every row is validated before anything is sent; then rows go in batches of up to 1,000, each applied in one transaction and safe to retry. Re-running the same file changes nothing new (rows report already-so). Rows that fail (not a member, no free license, expired add-on) never stop the others. Exit 0 when no row failed, 6 when some did, or the reason’s own code when every row failed for the same one.'
  static override examples = [
    '<%= config.bin %> cloud assign cloud-processing bob@acme.test carol@acme.test',
    '<%= config.bin %> cloud assign cloud-processing --file department.csv --dry-run',
    '<%= config.bin %> cloud assign cloud-processing --file department.csv --json > results.json',
  ]
  static override strict = false
  static override args = {
    addon: Args.string({
      description: 'add-on key, e.g. cloud-processing',
      required: true,
    }),
    emails: Args.string({ description: 'emails of the members to assign it to' }),
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
        verb: `assign ${addon}`,
        endpoint: client.cloud.assign,
        params: { org, addon },
      },
      source,
      { dryRun: this.flags['dry-run'], json: this.jsonEnabled(), strict: this.flags.strict },
    )
  }
}
