import { Args } from '@oclif/core'
import { ApiCommand } from './base-command.js'
import { bulkFlags, bulkSource } from './bulk-flags.js'

/**
 * `devices detach` and `devices remove`: the same arguments, flags and run (serials or --file, the
 * preview and the prompt of `runDestructive`); each command keeps its texts and names its action.
 * Kept apart from devices-bulk.ts so that parsing the command loads no zod or contract.
 */
export abstract class DevicesDestructiveCommand extends ApiCommand<typeof DevicesDestructiveCommand> {
  static override strict = false
  static override args = { serials: Args.string({ description: 'device serial numbers' }) }
  static override flags = { ...bulkFlags }

  protected abstract readonly action: 'detach' | 'remove'

  async run() {
    // The targets first: a usage error is found before the profile is read.
    const source = bulkSource(this.positionals, this.flags.file)
    const client = await this.client()
    const org = await this.org()
    const { runDestructive } = await import('./devices-bulk.js')
    process.exitCode = await runDestructive(client, org, this.action, source, {
      dryRun: this.flags['dry-run'],
      ...this.structuredOutput,
      strict: this.flags.strict,
      yes: this.flags.yes,
      note: (s) => this.note(s),
    })
  }
}
