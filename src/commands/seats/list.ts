import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { everyPage, renderLeases } from '../../cli/seats-view.js'

export default class SeatsList extends ApiCommand<typeof SeatsList> {
  static override summary = 'List leases: who holds which seat, on which host, and its state (admins)'
  static override description =
    'States: active (heartbeating), stale (no heartbeat within the pool’s lease TTL: a stuck seat), roaming (borrowed for offline use).'
  static override examples = [
    '<%= config.bin %> seats list',
    '<%= config.bin %> seats list cad-pro --state stale --json',
  ]
  static override args = { product: Args.string({ description: 'only this product' }) }
  static override flags = {
    state: Flags.option({
      options: ['active', 'stale', 'roaming'] as const,
      description: 'only leases in this state',
    })(),
    user: Flags.string({ description: 'only this user’s leases' }),
  }

  async run() {
    const client = await this.client()
    const org = await this.org()
    const items = await everyPage((page) =>
      client.seats.leases(
        { org },
        {
          ...page,
          product: this.args.product,
          state: this.flags.state,
          user: this.flags.user,
        },
      ),
    )
    this.say(items.length === 0 ? 'No leases.' : renderLeases(items))
    return { items }
  }
}
