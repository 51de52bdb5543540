import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { renderTable } from '../../cli/output.js'
import { poolColumns } from '../../cli/seats-view.js'
import { countFlag, durationFlag, expiryFlag } from '../../cli/flag-values.js'
import { UsageError } from '../../cli/errors.js'

export default class SeatsUpdate extends ApiCommand<typeof SeatsUpdate> {
  static override summary =
    'Add seats to a pool or change its expiration, lease TTL or roaming limit (operator)'
  static override examples = [
    '<%= config.bin %> seats update cad-pro --org acme --profile operator --add-seats 5 --expires 2028-12-31',
    '<%= config.bin %> seats update cad-pro --org acme --profile operator --lease-ttl 30m --max-roaming 7d',
  ]
  static override args = { product: Args.string({ description: 'product key', required: true }) }
  static override flags = {
    'add-seats': countFlag({
      description: 'seats to add',
      schema: async () => (await import('../../contract/seats.js')).updatePoolBody.shape.addSeats.unwrap(),
    }),
    expires: expiryFlag({
      description: 'new expiration: a date, an ISO-8601 instant or a duration from now (365d)',
    }),
    'lease-ttl': durationFlag({
      description: 'new lease TTL (e.g. 15m)',
      schema: async () => (await import('../../contract/seats.js')).leaseSeconds,
    }),
    'max-roaming': durationFlag({
      description: 'new longest roaming period (e.g. 14d); 0 stops roaming (seats already roaming roam on)',
      schema: async () => (await import('../../contract/seats.js')).leaseSeconds,
      zero: 'no roaming',
    }),
  }

  async run() {
    const f = this.flags
    const body = {
      ...(f['add-seats'] ? { addSeats: f['add-seats'] } : {}),
      ...(f.expires !== undefined ? { expires: f.expires } : {}),
      ...(f['lease-ttl'] ? { leaseTtlSeconds: f['lease-ttl'] } : {}),
      // 0 turns roaming off (null in the API), as a pool provisioned without --max-roaming has it.
      ...(f['max-roaming'] !== undefined ? { maxRoamingSeconds: f['max-roaming'] || null } : {}),
    }
    if (Object.keys(body).length === 0)
      throw new UsageError('nothing to update', {
        hint: 'pass --add-seats, --expires, --lease-ttl or --max-roaming',
      })
    const client = await this.client()
    const pool = await client.seats.update({ org: await this.org(), product: this.args.product }, body)
    this.say(renderTable([pool], poolColumns))
    return pool
  }
}
