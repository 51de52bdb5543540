import { Args, Flags } from '@oclif/core'
import * as z from 'zod'
import { ApiCommand } from '../../cli/base-command.js'
import { bulkSource, fileFlags } from '../../cli/bulk-flags.js'
import { UsageError } from '../../cli/errors.js'

export default class DevicesAdd extends ApiCommand<typeof DevicesAdd> {
  static override summary = 'Add devices by category or model (admins), one or thousands at a time'
  static override description =
    'Targets are serial numbers, as arguments (with --category or --model) or in a CSV/JSON --file with a serial column and category or model, name, site columns. A device already there is already so; a name, site or model given that differs is updated.'
  static override examples = [
    '<%= config.bin %> devices add 4711-0001 --model R-1000 --name "Core router" --site HQ',
    '<%= config.bin %> devices add --file devices.csv',
  ]
  static override strict = false
  static override args = { serials: Args.string({ description: 'device serial numbers' }) }
  static override flags = {
    ...fileFlags,
    category: Flags.string({ description: 'device category', exclusive: ['model'] }),
    model: Flags.string({ description: 'device model (its category is the one covering it)' }),
    name: Flags.string({ description: 'device name' }),
    site: Flags.string({ description: 'site' }),
  }

  async run() {
    const f = this.flags
    const source = bulkSource(this.positionals, f.file)
    if (source.kind === 'args' && !f.category && !f.model)
      throw new UsageError('give --category or --model for the devices named')
    const client = await this.client()
    const org = await this.org()
    const [{ runBulk }, { addDeviceItem }] = await Promise.all([
      import('../../cli/bulk/index.js'),
      import('../../contract/devices.js'),
    ])
    const fill = Object.fromEntries(
      Object.entries({ category: f.category, model: f.model, name: f.name, site: f.site }).filter(
        ([, v]) => v,
      ),
    )
    process.exitCode = await runBulk(
      {
        target: 'serial',
        // SN-1 and sn-1 are two devices.
        caseSensitive: true,
        optional: ['category', 'model', 'name', 'site'],
        schema: z.preprocess(
          (row) =>
            row && typeof row === 'object'
              ? Object.fromEntries(
                  Object.entries({ ...fill, ...(row as object) }).filter(([, v]) => v !== '' && v != null),
                )
              : row,
          addDeviceItem,
        ) as unknown as z.ZodType<z.infer<typeof addDeviceItem>>,
        verb: 'add devices',
        endpoint: client.devices.add,
        params: { org },
        describe: (d) =>
          Array.isArray(d.updated) ? `updated ${(d.updated as string[]).join(', ')}` : undefined,
      },
      source,
      { dryRun: f['dry-run'], ...this.structuredOutput, strict: f.strict },
    )
  }
}
