import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import type { RehostResponse } from '../../contract/activations.js'
import { counted } from '../../domain/plural.js'

export default class ActivationsRehost extends ApiCommand<typeof ActivationsRehost> {
  static override summary = 'Move an activation off a dead or inaccessible host to another (admins)'
  static override description =
    'For a host that cannot deactivate (dead disk, stolen laptop). The move is recorded and the old host’s copy becomes an orphan, listed by `activations orphans`. The ID keeps its quantity and seats in use.'
  static override examples = [
    '<%= config.bin %> activations rehost act_01j… --from ws-017 --to ws-042',
    '<%= config.bin %> activations rehost act_01j… --from ws-017 --to ws-042 --json',
  ]
  static override args = { id: Args.string({ description: 'activation ID', required: true }) }
  static override flags = {
    from: Flags.string({ description: 'the host the activation is on (in any case)', required: true }),
    to: Flags.string({
      description: 'the host it moves to (another host: not the same name in another case)',
      required: true,
    }),
  }

  async run(): Promise<RehostResponse> {
    const client = await this.client()
    const f = this.flags
    const res = await client.activations.rehost(
      { org: await this.org(), id: this.args.id },
      { from: f.from, to: f.to },
    )
    this.say(`Moved ${res.id} from ${res.from} to ${res.to} (${res.to} holds ${counted(res.seats, 'seat')}).`)
    this.say(
      `${res.from} keeps an orphaned copy: clean it off, then \`licctl activations orphans --clear ${res.from}\`.`,
    )
    return res
  }
}
