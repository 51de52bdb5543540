import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import type { ActivationDetail } from '../../contract/activations.js'

export default class ActivationsShow extends ApiCommand<typeof ActivationsShow> {
  static override summary = 'Show an activation ID: its hosts with seats and since when, and its orphans'
  static override examples = [
    '<%= config.bin %> activations show act_01j…',
    '<%= config.bin %> activations show act_01j… --json',
  ]
  static override args = { id: Args.string({ description: 'activation ID', required: true }) }

  async run(): Promise<ActivationDetail> {
    const client = await this.client()
    const detail = await client.activations.show({ org: await this.org(), id: this.args.id })
    const { renderDetail } = await import('../../cli/activations-view.js')
    this.say(renderDetail(detail))
    return detail
  }
}
