import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'

export default class SeatsHeartbeat extends ApiCommand<typeof SeatsHeartbeat> {
  static override summary = 'Send a lease’s heartbeat, as a running desktop client does'
  static override examples = [
    '<%= config.bin %> seats heartbeat ls_06h1…',
    '<%= config.bin %> seats heartbeat ls_06h1… --json',
  ]
  /** The path's `id` is the LEASE argument. */
  static override requestFieldNames = { id: 'lease' }
  static override args = { lease: Args.string({ description: 'lease id', required: true }) }

  async run() {
    const client = await this.client()
    const lease = await client.seats.heartbeat({ org: await this.org(), id: this.args.lease })
    this.say(`Heartbeat recorded for ${lease.id} (${lease.product}, ${lease.user} on ${lease.host}).`)
    return lease
  }
}
