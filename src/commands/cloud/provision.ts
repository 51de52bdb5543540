import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { countFlag, expiryFlag } from '../../cli/flag-values.js'

export default class CloudProvision extends ApiCommand<typeof CloudProvision> {
  static override summary = 'Provision a cloud add-on pool for an organization (operator)'
  static override description =
    'An add-on is N user licenses until an expiration; admins then assign them to members. An expiration given as a date is valid through that day in the organization’s time zone.'
  static override examples = [
    '<%= config.bin %> cloud provision cloud-processing --org acme --profile operator --name "Cloud Processing" --total 500 --expires 2027-12-31',
    '<%= config.bin %> cloud provision gpu-render --org acme --profile operator --name "GPU Rendering" --total 20 --expires 365d --json',
  ]
  static override requestFieldNames = { key: 'addon' }
  static override args = {
    addon: Args.string({
      description: 'add-on key, e.g. cloud-processing',
      required: true,
    }),
  }
  static override flags = {
    name: Flags.string({ description: 'display name, e.g. "Cloud Processing"', required: true }),
    total: countFlag({
      description: 'number of user licenses',
      required: true,
      schema: async () => (await import('../../contract/cloud.js')).provisionAddonBody.shape.total,
    }),
    expires: expiryFlag({
      description:
        'expiration: a date (valid through that day), an ISO-8601 instant or a duration from now (365d)',
      required: true,
    }),
  }

  async run() {
    const client = await this.client()
    const f = this.flags
    const addon = await client.cloud.provision(
      { org: await this.org() },
      {
        key: this.args.addon,
        name: f.name,
        total: f.total,
        expires: f.expires,
      },
    )
    const { renderAddons } = await import('../../cli/cloud-view.js')
    this.say(renderAddons([addon]))
    return addon
  }
}
