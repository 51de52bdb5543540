import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { countFlag, expiryFlag } from '../../cli/flag-values.js'
import type { ActivationEntitlement } from '../../contract/activations.js'

export default class ActivationsProvision extends ApiCommand<typeof ActivationsProvision> {
  static override summary =
    'Record what an organization bought of a product: NL or CC seats until a date (operator)'
  static override description =
    'Admins then generate activation IDs from these seats. NL (node-locked): one seat per host; CC (concurrent): a license-server host takes n seats. An expiration given as a date is valid through that day in the organization’s time zone; the IDs expire with it.'
  static override examples = [
    '<%= config.bin %> activations provision cad-desk --org acme --profile operator --type NL --seats 25 --expires 2027-12-31',
    '<%= config.bin %> activations provision sim-server --org acme --profile operator --type CC --seats 100 --expires 2027-12-31',
  ]
  static override args = { product: Args.string({ description: 'product, e.g. cad-desk', required: true }) }
  static override flags = {
    type: Flags.string({
      description: 'NL (node-locked) or CC (concurrent)',
      options: ['NL', 'CC'],
      required: true,
    }),
    seats: countFlag({
      description: 'seats bought',
      required: true,
      schema: async () =>
        (await import('../../contract/activations.js')).provisionEntitlementBody.shape.seats,
    }),
    expires: expiryFlag({
      description:
        'expiration: a date (valid through that day), an ISO-8601 instant or a duration from now (365d)',
      required: true,
    }),
  }

  async run(): Promise<ActivationEntitlement> {
    const client = await this.client()
    const f = this.flags
    const entitlement = await client.activations.provision(
      { org: await this.org() },
      { product: this.args.product, type: f.type as 'NL' | 'CC', seats: f.seats, expires: f.expires },
    )
    const { renderEntitlements } = await import('../../cli/activations-view.js')
    this.say(renderEntitlements([entitlement]))
    return entitlement
  }
}
