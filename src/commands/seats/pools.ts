import { ListCommand } from '../../cli/base-command.js'
import { poolColumns } from '../../cli/seats-view.js'
import { allItems } from '../../client/pages.js'
import { renderTable } from '../../cli/output.js'

export default class SeatsPools extends ListCommand<typeof SeatsPools> {
  static override summary = 'List seat pools: seats, in use, roaming, free, expiration and usage'
  static override description =
    'Usage is yes when a seat is held on a desktop, roaming when only borrowed offline, no when nobody holds one.'
  static override examples = ['<%= config.bin %> seats pools', '<%= config.bin %> seats pools --json']

  async run() {
    const client = await this.client()
    const org = await this.org()
    const items = await allItems(client.seats.pools, { org }, {})
    this.say(items.length === 0 ? 'No seat pools.' : renderTable(items, poolColumns))
    return { items }
  }
}
