import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { retiredLine } from '../../cli/retired.js'

export default class SeatsRetire extends ApiCommand<typeof SeatsRetire> {
  static override summary =
    'Retire an expired seat pool the organization does not renew, so it stops failing `expiry check` (admins)'
  static override description =
    'An expired pool keeps failing `expiry check` (exit 7) until it is renewed (the operator: `seats update --expires`) or retired. Retiring records that it is not renewed (audited as seats.retire): it leaves the check, still refuses checkout, and stays in `seats pools` as retired with its leases. Refused while the pool has not expired (exit 3 not_expired). Retiring again changes nothing (exit 0, "changed": false under --json). Renewing a retired pool makes it current again.'
  static override examples = [
    '<%= config.bin %> seats retire cad-pro',
    '<%= config.bin %> seats retire cad-pro --org acme --json',
  ]
  static override args = { product: Args.string({ description: 'product key', required: true }) }

  async run() {
    const client = await this.client()
    const pool = await client.seats.retire({ org: await this.org(), product: this.args.product })
    this.say(retiredLine(`seat pool '${pool.product}'`, pool))
    return pool
  }
}
