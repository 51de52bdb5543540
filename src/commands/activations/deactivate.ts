import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import type { DeactivateResponse } from '../../contract/activations.js'
import { counted } from '../../domain/plural.js'

export default class ActivationsDeactivate extends ApiCommand<typeof ActivationsDeactivate> {
  static override summary = 'Deactivate an ID on a host: the client-side return; the ID stays valid'
  static override description =
    'The host gives its seats back; the ID can be activated again here or elsewhere. This is the only return for NL IDs, and the first step before a portal return or a resize of a CC ID. Deactivating on a host that gave its seats back already is already so (exit 0); on a host whose copy is an orphan it records the copy as cleaned off.'
  static override examples = [
    '<%= config.bin %> activations deactivate act_01j… --host ws-017',
    '<%= config.bin %> activations deactivate act_01j… --host ws-017 --json',
  ]
  static override args = { id: Args.string({ description: 'activation ID', required: true }) }
  static override flags = {
    host: Flags.string({ description: 'the host giving its seats back (in any case)', required: true }),
  }

  async run(): Promise<DeactivateResponse> {
    const client = await this.client()
    const res = await client.activations.deactivate(
      { org: await this.org(), id: this.args.id },
      { host: this.flags.host },
    )
    const inUse = `(${res.used} of ${res.quantity} in use)`
    this.say(
      res.orphanCleaned
        ? `${res.host} held an orphaned copy of ${res.id} and no seat: recorded as cleaned off ${inUse}.`
        : res.changed
          ? `${res.host} gave back ${counted(res.seats, 'seat')} of ${res.id}; the ID stays valid ${inUse}.`
          : `${res.host} gave back its seats of ${res.id} before: already so ${inUse}.`,
    )
    return res
  }
}
