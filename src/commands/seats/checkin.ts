import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'

export default class SeatsCheckin extends ApiCommand<typeof SeatsCheckin> {
  static override summary = 'Check a seat back in'
  static override examples = [
    '<%= config.bin %> seats checkin ls_06h1…',
    '<%= config.bin %> seats checkin "$(<%= config.bin %> seats list --user me@acme.test --jq \'.items[0].id\')"',
  ]
  static override args = { lease: Args.string({ description: 'lease id', required: true }) }

  async run() {
    const client = await this.client()
    const lease = await client.seats.checkin({ org: await this.org(), id: this.args.lease })
    this.say(`Checked in ${lease.id}: the ${lease.product} seat on ${lease.host} is free.`)
    return lease
  }
}
