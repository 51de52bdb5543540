import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { countFlag } from '../../cli/flag-values.js'
import type { ActivationSummary } from '../../contract/activations.js'

export default class ActivationsGenerate extends ApiCommand<typeof ActivationsGenerate> {
  static override summary = 'Generate an activation ID from the entitlement’s free seats (admins)'
  static override description =
    'Prints the new ID (with --json: the field `id`). Asking for more than the free seats is refused with exit 3 (entitlement_exhausted).'
  static override examples = [
    '<%= config.bin %> activations generate cad-desk --quantity 5',
    '<%= config.bin %> activations generate sim-server --quantity 20 --json',
  ]
  static override args = { product: Args.string({ description: 'product', required: true }) }
  static override flags = {
    quantity: countFlag({
      description: 'seats the ID carries',
      required: true,
      schema: async () => (await import('../../contract/activations.js')).generateBody.shape.quantity,
    }),
  }

  async run(): Promise<ActivationSummary> {
    const client = await this.client()
    const id = await client.activations.generate(
      { org: await this.org() },
      { product: this.args.product, quantity: this.flags.quantity },
    )
    const { renderIds } = await import('../../cli/activations-view.js')
    this.say(`Generated activation ID ${id.id}`)
    this.say(renderIds([id]))
    return id
  }
}
