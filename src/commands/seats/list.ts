import { Args, Flags } from '@oclif/core'
import { ListCommand } from '../../cli/base-command.js'
import { renderLeases } from '../../cli/seats-view.js'
import { allItems } from '../../client/pages.js'

export default class SeatsList extends ListCommand<typeof SeatsList> {
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
    const items = await allItems(
      client.seats.leases,
      { org },
      {
        product: this.args.product,
        state: this.flags.state,
        user: this.flags.user,
      },
    )
    this.say(items.length === 0 ? 'No leases.' : renderLeases(items))
    return { items }
  }
}
