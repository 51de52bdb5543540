import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'

export default class SeatsCheckin extends ApiCommand<typeof SeatsCheckin> {
  static override summary = 'Check a seat back in'
  static override description =
    'Safe to repeat: checking a lease in again once it has gone (checked in, or released by an admin) changes nothing and exits 0, with "changed": false under --json. An unknown lease id exits 5; a member checks in only their own leases.'
  static override examples = [
    '<%= config.bin %> seats checkin ls_06h1…',
    '<%= config.bin %> seats checkin ls_06h1… --json',
  ]
  /** The path's `id` is the LEASE argument. */
  static override requestFieldNames = { id: 'lease' }
  static override args = { lease: Args.string({ description: 'lease id', required: true }) }

  async run() {
    const client = await this.client()
    const lease = await client.seats.checkin({ org: await this.org(), id: this.args.lease })
    this.say(
      lease.changed
        ? `Checked in ${lease.id}: the ${lease.product} seat on ${lease.host} is free.`
        : `${lease.id} (the ${lease.product} seat on ${lease.host}) was already checked in or released: nothing to do.`,
    )
    return lease
  }
}
