import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { UsageError } from '../../client/errors.js'

export default class CloudUpdate extends ApiCommand<typeof CloudUpdate> {
  static override summary = 'Change an add-on’s total, expiration or display name (operator)'
  static override description =
    'The total is the new number of user licenses; it cannot go below those assigned (revoke some first).'
  static override examples = [
    '<%= config.bin %> cloud update cloud-processing --org acme --total 750 --expires 2028-12-31',
  ]
  static override args = {
    addon: Args.string({ description: 'add-on key', required: true }),
  }
  static override flags = {
    total: Flags.integer({ description: 'new total of user licenses', min: 0 }),
    expires: Flags.string({ description: 'new expiration: a date or an ISO-8601 instant' }),
    name: Flags.string({ description: 'new display name' }),
  }

  async run() {
    const f = this.flags
    const body = {
      ...(f.total !== undefined ? { total: f.total } : {}),
      ...(f.expires ? { expires: f.expires } : {}),
      ...(f.name ? { name: f.name } : {}),
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
