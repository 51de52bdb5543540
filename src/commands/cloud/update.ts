import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { UsageError } from '../../cli/errors.js'
import { countFlag, expiryFlag } from '../../cli/flag-values.js'

export default class CloudUpdate extends ApiCommand<typeof CloudUpdate> {
  static override summary = 'Change an add-on’s total, expiration or display name (operator)'
  static override description =
    'The total is the new number of user licenses; it cannot go below those assigned (revoke some first).'
  static override examples = [
    '<%= config.bin %> cloud update cloud-processing --org acme --profile operator --total 750 --expires 2028-12-31',
    '<%= config.bin %> cloud update cloud-processing --org acme --profile operator --name "Cloud Processing (EU)"',
  ]
  static override args = {
    addon: Args.string({ description: 'add-on key', required: true }),
  }
  static override flags = {
    total: countFlag({
      description: 'new total of user licenses',
      schema: async () => (await import('../../contract/cloud.js')).updateAddonBody.shape.total.unwrap(),
    }),
    expires: expiryFlag({
      description: 'new expiration: a date, an ISO-8601 instant or a duration from now (365d)',
    }),
    name: Flags.string({ description: 'new display name' }),
  }

  async run() {
    const f = this.flags
    const body = {
      ...(f.total !== undefined ? { total: f.total } : {}),
      ...(f.expires !== undefined ? { expires: f.expires } : {}),
      ...(f.name !== undefined ? { name: f.name } : {}),
    }
    if (Object.keys(body).length === 0)
      throw new UsageError('nothing to update', { hint: 'pass --total, --expires or --name' })
    const client = await this.client()
    const addon = await client.cloud.update({ org: await this.org(), addon: this.args.addon }, body)
    const { renderAddons } = await import('../../cli/cloud-view.js')
    this.say(renderAddons([addon]))
    return addon
  }
}
