import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { countFlag } from '../../cli/flag-values.js'
import type { ActivateResponse } from '../../contract/activations.js'
import { counted } from '../../domain/plural.js'

export default class ActivationsActivate extends ApiCommand<typeof ActivationsActivate> {
  static override summary = 'Activate an ID on a host (what the licensing administrator on the machine does)'
  static override description =
    'NL takes one seat per host (--seats above 1 is refused); CC lets a license-server host take n seats, adding to what it holds. Refused with exit 3 when the ID is inactive (activation_inactive), expired (activation_expired) or would go past its quantity (quantity_exceeded).'
  static override examples = [
    '<%= config.bin %> activations activate act_01j… --host ws-017',
    '<%= config.bin %> activations activate act_01j… --host lic-server-1 --seats 10',
  ]
  static override args = { id: Args.string({ description: 'activation ID', required: true }) }
  static override flags = {
    host: Flags.string({
      description: 'the host activating the ID (any case: BUILD-01 is build-01; shown as first typed)',
      required: true,
    }),
    seats: countFlag({
      description: 'seats this host takes (CC only; NL is always 1)',
      schema: async () => (await import('../../contract/activations.js')).activateBody.shape.seats.unwrap(),
    }),
  }

  async run(): Promise<ActivateResponse> {
    const client = await this.client()
    const f = this.flags
    const res = await client.activations.activate(
      { org: await this.org(), id: this.args.id },
      { host: f.host, ...(f.seats !== undefined ? { seats: f.seats } : {}) },
    )
    const s = (n: number) => counted(n, 'seat')
    this.say(
      res.changed
        ? `${res.host} holds ${s(res.seats)} of ${res.id} (${res.product}, ${res.type}); ${res.used} of ${res.quantity} in use.`
        : `${res.host} already holds ${res.id}: nothing changed (${res.used} of ${res.quantity} in use).`,
    )
    return res
  }
}
