import { Args } from '@oclif/core'
import { ApiCommand } from './base-command.js'
import { bulkSource, fileFlags } from './bulk-flags.js'

/** The arguments of `cloud assign` and `cloud revoke`: the add-on, then the members' emails. */
export function addonArgs(texts: { addon: string; emails: string }) {
  return {
    addon: Args.string({ description: texts.addon, required: true }),
    emails: Args.string({ description: texts.emails }),
  }
}

/**
 * `cloud assign` and `cloud revoke`: the same flags and run (emails or --file through the one bulk
 * runner); each command keeps its texts and names its action. The runner and the contract are
 * loaded only once the command runs.
 */
export abstract class AddonBulkCommand extends ApiCommand<typeof AddonBulkCommand> {
  static override strict = false
  static override args = addonArgs({ addon: 'add-on key', emails: 'emails of the members' })
  static override flags = { ...fileFlags }

  protected abstract readonly action: 'assign' | 'revoke'

  async run() {
    // The targets first: a usage error is found before the profile is read.
    const source = bulkSource(this.positionals, this.flags.file, 1)
    const client = await this.client()
    const org = await this.org()
    const addon = this.args.addon
    const [{ runBulk }, { addonItem }] = await Promise.all([
      import('./bulk/index.js'),
      import('../contract/cloud.js'),
    ])
    process.exitCode = await runBulk(
      {
        target: 'email',
        // A row of `cloud assignments` names its add-on: one of another add-on is refused.
        scope: { addon },
        schema: addonItem,
        verb: `${this.action} ${addon}`,
        endpoint: client.cloud[this.action],
        params: { org, addon },
      },
      source,
      { dryRun: this.flags['dry-run'], ...this.structuredOutput, strict: this.flags.strict },
    )
  }
}
