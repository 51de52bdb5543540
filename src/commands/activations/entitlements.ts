import { ListCommand } from '../../cli/base-command.js'
import type { ActivationEntitlement } from '../../contract/activations.js'

export default class ActivationsEntitlements extends ListCommand<typeof ActivationsEntitlements> {
  static override summary = 'What the organization bought per product: seats, seats in IDs, free seats'
  static override description =
    'Seats are conserved: seats = seats in active IDs + free. Returning a CC ID puts its seats back in free; generating one takes them out.'
  static override examples = [
    '<%= config.bin %> activations entitlements',
    '<%= config.bin %> activations entitlements --json',
  ]

  async run(): Promise<{ items: ActivationEntitlement[] }> {
    const client = await this.client()
    const org = await this.org()
    const [{ allItems }, { renderEntitlements }] = await Promise.all([
      import('../../client/pages.js'),
      import('../../cli/activations-view.js'),
    ])
    const items: ActivationEntitlement[] = await allItems(client.activations.entitlements, { org }, {})
    this.say(items.length === 0 ? 'No activation entitlements.' : renderEntitlements(items))
    return { items }
  }
}
