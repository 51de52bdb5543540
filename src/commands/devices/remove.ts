import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { bulkFlags, bulkSource } from '../../cli/bulk-flags.js'

export default class DevicesRemove extends ApiCommand<typeof DevicesRemove> {
  static override summary = 'Remove devices (admins), detaching their licenses first'
  static override description =
    'A licensed device’s cumulative license is detached first, by the same rule as `devices detach` (the remainder, if any, goes back to the pool as one license). Destructive: on a terminal the preview is shown and asked; elsewhere --yes is required (exit 2). An unknown device is already so.'
  static override examples = [
    '<%= config.bin %> devices remove 4711-0001 --dry-run',
    '<%= config.bin %> devices remove 4711-0001 4711-0002 --yes',
  ]
  static override strict = false
  static override args = { serials: Args.string({ description: 'device serial numbers' }) }
  static override flags = { ...bulkFlags }

  async run() {
    const client = await this.client()
    const org = await this.org()
    const source = bulkSource(this.positionals, this.flags.file)
    const { runDestructive } = await import('../../cli/devices-bulk.js')
    process.exitCode = await runDestructive(client, org, 'remove', source, {
      dryRun: this.flags['dry-run'],
      json: this.jsonEnabled(),
      strict: this.flags.strict,
      yes: this.flags.yes,
      note: (s) => this.note(s),
    })
  }
}
