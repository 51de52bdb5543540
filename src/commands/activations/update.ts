import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { UsageError } from '../../cli/errors.js'
import { countFlag, expiryFlag } from '../../cli/flag-values.js'
import type { ActivationEntitlement } from '../../contract/activations.js'

export default class ActivationsUpdate extends ApiCommand<typeof ActivationsUpdate> {
  static override summary = 'Renew an entitlement or add seats to it (operator)'
  static override description =
    'Its activation IDs expire with it: renewing an expired entitlement makes its IDs usable again. An expiration given as a date is valid through that day in the organization’s time zone. Added seats are free seats, from which admins generate IDs.'
  static override examples = [
    '<%= config.bin %> activations update cad-desk --org acme --profile operator --expires 2028-12-31',
    '<%= config.bin %> activations update sim-server --org acme --profile operator --add-seats 20',
  ]
  static override args = { product: Args.string({ description: 'product, e.g. cad-desk', required: true }) }
  static override flags = {
    expires: expiryFlag({
      description:
        'new expiration: a date (valid through that day), an ISO-8601 instant or a duration from now (365d)',
    }),
    'add-seats': countFlag({
      description: 'seats to add',
      schema: async () =>
        (await import('../../contract/activations.js')).updateEntitlementBody.shape.addSeats.unwrap(),
    }),
  }

  async run(): Promise<ActivationEntitlement> {
    const f = this.flags
    const body = {
      ...(f.expires !== undefined ? { expires: f.expires } : {}),
      ...(f['add-seats'] !== undefined ? { addSeats: f['add-seats'] } : {}),
    }
    if (Object.keys(body).length === 0)
      throw new UsageError('nothing to update', { hint: 'pass --expires or --add-seats' })
    const client = await this.client()
    const entitlement = await client.activations.update(
      { org: await this.org(), product: this.args.product },
      body,
    )
    const { renderEntitlements } = await import('../../cli/activations-view.js')
    this.say(renderEntitlements([entitlement]))
    return entitlement
  }
}
