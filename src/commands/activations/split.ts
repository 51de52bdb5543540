import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { countFlag } from '../../cli/flag-values.js'
import type { SplitResponse } from '../../contract/activations.js'
import { counted } from '../../domain/plural.js'

export default class ActivationsSplit extends ApiCommand<typeof ActivationsSplit> {
  static override summary = 'Move n unused seats of an ID to a new ID, which is printed (admins)'
  static override description =
    'Only unused seats move: asking for more than the ID’s unused seats is refused with exit 3 (split_exceeds_unused); the ID keeps at least one seat. Hosts holding the ID are not touched. With --json the new ID is the field `id`.'
  static override examples = [
    '<%= config.bin %> activations split act_01j… --quantity 5',
    '<%= config.bin %> activations split act_01j… --quantity 5 --json',
  ]
  static override args = { id: Args.string({ description: 'activation ID', required: true }) }
  static override flags = {
    quantity: countFlag({
      description: 'unused seats to move',
      required: true,
      schema: async () => (await import('../../contract/activations.js')).splitBody.shape.quantity,
    }),
  }

  async run(): Promise<SplitResponse> {
    const client = await this.client()
    const res = await client.activations.split(
      { org: await this.org(), id: this.args.id },
      { quantity: this.flags.quantity },
    )
    const { renderIds } = await import('../../cli/activations-view.js')
    this.say(`Split ${counted(res.to.quantity, 'seat')} of ${res.from.id} into a new ID: ${res.id}`)
    this.say(renderIds([res.from, res.to]))
    return res
  }
}
