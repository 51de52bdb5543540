import { Flags } from '@oclif/core'
import { ListCommand } from '../../cli/base-command.js'
import type { ActivationSummary } from '../../contract/activations.js'

export default class ActivationsList extends ListCommand<typeof ActivationsList> {
  static override summary =
    'List activation IDs: product, type, quantity, seats in use, free, status, expiration'
  static override examples = [
    '<%= config.bin %> activations list',
    '<%= config.bin %> activations list --product cad-desk --status active --json',
  ]
  static override flags = {
    product: Flags.string({ description: 'only this product' }),
    status: Flags.string({
      description: 'only active or inactive (returned) IDs',
      options: ['active', 'inactive'],
    }),
  }

  async run(): Promise<{ items: ActivationSummary[] }> {
    const client = await this.client()
    const org = await this.org()
    const f = this.flags
    const [{ allItems }, { renderIds }] = await Promise.all([
      import('../../client/pages.js'),
      import('../../cli/activations-view.js'),
    ])
    const items: ActivationSummary[] = await allItems(
      client.activations.list,
      { org },
      { product: f.product, status: f.status as 'active' | 'inactive' | undefined },
    )
    this.say(items.length === 0 ? 'No activation IDs.' : renderIds(items))
    return { items }
  }
}
