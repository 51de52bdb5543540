import { ListCommand } from '../../cli/base-command.js'
import { color, renderTable } from '../../cli/output.js'
import { allItems } from '../../client/pages.js'

export default class SeatsUsage extends ListCommand<typeof SeatsUsage> {
  static override summary = 'Per member: do they use a seat? (yes, roaming, no)'
  static override examples = ['<%= config.bin %> seats usage', '<%= config.bin %> seats usage --json']

  async run() {
    const client = await this.client()
    const org = await this.org()
    const items = await allItems(client.seats.usage, { org }, {})
    const c = color()
    this.say(
      items.length === 0
        ? 'No members.'
        : renderTable(items, [
            { header: 'User', get: (u) => u.email },
            { header: 'Name', get: (u) => u.name },
            {
              header: 'Usage',
              get: (u) =>
                u.usage === 'yes' ? c.green('yes') : u.usage === 'roaming' ? c.cyan('roaming') : c.dim('no'),
            },
            { header: 'Leases', get: (u) => u.leases, align: 'right' },
            { header: 'Products', get: (u) => u.products.join(', ') },
          ]),
    )
    return { items }
  }
}
