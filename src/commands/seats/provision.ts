import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { renderTable } from '../../cli/output.js'
import { poolColumns } from '../../cli/seats-view.js'
import { countFlag, durationFlag, expiryFlag } from '../../cli/flag-values.js'

export default class SeatsProvision extends ApiCommand<typeof SeatsProvision> {
  static override summary = 'Provision a seat pool for an organization (operator)'
  static override description =
    'An expiration given as a date is valid through that day in the organization’s time zone.'
  static override examples = [
    '<%= config.bin %> seats provision cad-pro --org acme --profile operator --seats 25 --expires 2027-12-31 --lease-ttl 15m --max-roaming 14d',
    '<%= config.bin %> seats provision viewer --org acme --profile operator --seats 100 --expires 2027-06-30T23:59:59+02:00',
  ]
  static override args = {
    product: Args.string({ description: 'product key, e.g. cad-pro', required: true }),
  }
  static override flags = {
    seats: countFlag({
      description: 'number of seats',
      required: true,
      schema: async () => (await import('../../contract/seats.js')).provisionPoolBody.shape.seats,
    }),
    expires: expiryFlag({
      description:
        'expiration: a date (valid through that day), an ISO-8601 instant or a duration from now (365d)',
      required: true,
    }),
    'lease-ttl': durationFlag({
      description: 'a lease without a heartbeat for this long is stale',
      default: 15 * 60,
      defaultHelp: async () => '15m',
      schema: async () => (await import('../../contract/seats.js')).leaseSeconds,
    }),
    'max-roaming': durationFlag({
      description: 'longest offline borrowing allowed (e.g. 14d); none when omitted',
      schema: async () => (await import('../../contract/seats.js')).leaseSeconds,
    }),
  }

  async run() {
    const client = await this.client()
    const f = this.flags
    const pool = await client.seats.provision(
      { org: await this.org() },
      {
        product: this.args.product,
        seats: f.seats,
        expires: f.expires,
        leaseTtlSeconds: f['lease-ttl'],
        ...(f['max-roaming'] ? { maxRoamingSeconds: f['max-roaming'] } : {}),
      },
    )
    this.say(renderTable([pool], poolColumns))
    return pool
  }
}
