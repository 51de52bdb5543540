import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { bulkSource, fileFlags } from '../../cli/bulk-flags.js'
import { countFlag } from '../../cli/flag-values.js'

export default class DevicesAssign extends ApiCommand<typeof DevicesAssign> {
  static override summary =
    'Assign pool licenses to devices (admins); several combine into one cumulative license'
  static override description =
    'Only licenses of the device’s category fit. By default the pool gives the shortest or longest term first (the organization’s --device-preference, or --prefer), or --license names one. A device named here that is already licensed is extended (its term is the sum); in a --file, a licensed device is already so unless its row says extend=true, so re-running a file changes nothing. valid until = assignment day + term days, in the organization’s time zone; --json gives per device the licenses consumed and validUntil.'
  static override examples = [
    '<%= config.bin %> devices assign 4711-0001 4711-0002',
    '<%= config.bin %> devices assign 4711-0001 --prefer longest --count 2',
    '<%= config.bin %> devices assign 4711-0001 --license 7K3QXM9TZ40P-1',
    '<%= config.bin %> devices assign --file fleet.csv --dry-run',
  ]
  static override strict = false
  static override args = { serials: Args.string({ description: 'device serial numbers' }) }
  static override flags = {
    ...fileFlags,
    prefer: Flags.string({
      description: 'take the shortest or longest term first',
      options: ['shortest', 'longest'],
    }),
    license: Flags.string({
      description:
        'assign this license (by name, see `devices pool --json`); one license, so not with --count',
      exclusive: ['count'],
    }),
    count: countFlag({
      description: 'licenses per device',
      schema: async () => (await import('../../contract/devices.js')).assignCount,
    }),
  }

  async run() {
    const f = this.flags
    // The targets first: a usage error is found before the profile is read.
    const source = bulkSource(this.positionals, f.file)
    const client = await this.client()
    const org = await this.org()
    const [{ runBulk }, { assignSpec }] = await Promise.all([
      import('../../cli/bulk/index.js'),
      import('../../cli/devices-bulk.js'),
    ])
    const spec = assignSpec(client, org, {
      prefer: f.prefer as 'shortest' | 'longest' | undefined,
      license: f.license,
      count: f.count,
      extend: source.kind === 'args' ? true : undefined,
    })
    process.exitCode = await runBulk(spec, source, {
      dryRun: f['dry-run'],
      ...this.structuredOutput,
      strict: f.strict,
    })
  }
}
