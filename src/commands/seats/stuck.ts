import { Flags } from '@oclif/core'
import { ListCommand } from '../../cli/base-command.js'
import { durationFlag } from '../../cli/flag-values.js'
import { renderLeases } from '../../cli/seats-view.js'
import { allItems } from '../../client/pages.js'
import { exactDuration } from '../../domain/duration.js'
import { counted, itThem } from '../../domain/plural.js'

export default class SeatsStuck extends ListCommand<typeof SeatsStuck> {
  static override summary = 'Triage: stale leases (no recent heartbeat), oldest first (admins)'
  static override description =
    'A lease is stuck when its host stopped sending heartbeats (a crash, a closed lid). Free them with `licctl seats release --stale`.'
  static override examples = [
    '<%= config.bin %> seats stuck',
    '<%= config.bin %> seats stuck --idle 2h --product cad-pro',
  ]
  static override flags = {
    idle: durationFlag({
      description: 'idle at least this long (default: each pool’s lease TTL), e.g. 2h',
      schema: async () => (await import('../../contract/seats.js')).releaseOptions.shape.idleSeconds.unwrap(),
    }),
    product: Flags.string({ description: 'only this product' }),
  }

  async run() {
    const client = await this.client()
    const idleSeconds = this.flags.idle
    const org = await this.org()
    const items = await allItems(client.seats.stuck, { org }, { product: this.flags.product, idleSeconds })
    if (items.length === 0) this.say('No stuck seats.')
    else {
      this.say(renderLeases(items))
      // The command that frees what was listed: with the TTL alone it would miss (or add) leases.
      const narrowed = [
        ...(idleSeconds !== undefined ? ['--idle', exactDuration(idleSeconds)] : []),
        ...(this.flags.product !== undefined ? ['--product', this.flags.product] : []),
      ]
      this.say(
        `${counted(items.length, 'stuck seat')}. Free ${itThem(items.length)} with: licctl seats release --stale${narrowed.map((a) => ` ${a}`).join('')}`,
      )
    }
    return { items }
  }
}
