import { counted, itThem } from '../../domain/plural.js'
import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { withHint } from '../../cli/errors.js'
import type { ReturnResponse } from '../../contract/activations.js'

export default class ActivationsReturn extends ApiCommand<typeof ActivationsReturn> {
  static override summary =
    'Return a CC activation ID on the portal: it goes inactive, its seats back to the entitlement'
  static override description = `CC only: an NL ID is refused (exit 3, return_not_supported): deactivate it on the host instead.
Hosts still holding the ID would keep a useless copy (an orphan): the command lists them and refuses without --force (exit 3, hosts_would_be_orphaned). Deactivate on those hosts first. Returning retires the ID, so it asks on a terminal and needs --yes elsewhere (exit 2).`
  static override examples = [
    '<%= config.bin %> activations return act_01j…',
    '<%= config.bin %> activations return act_01j… --force --yes',
  ]
  static override args = { id: Args.string({ description: 'activation ID', required: true }) }
  static override flags = {
    force: Flags.boolean({
      description: 'return even though hosts still hold it (they become orphans)',
      default: false,
    }),
    yes: Flags.boolean({ description: 'do not ask for confirmation', default: false }),
  }

  async run(): Promise<ReturnResponse> {
    const client = await this.client()
    const org = await this.org()
    const { id } = this.args
    const f = this.flags
    const current = await client.activations.show({ org, id })
    const refusedByServer =
      current.type === 'NL' || current.status === 'inactive' || (current.hosts.length > 0 && !f.force)
    if (!refusedByServer) {
      // The server decides every refusal; this only asks before retiring an ID for good.
      const orphaning =
        current.hosts.length > 0
          ? ` and leave orphaned copies on ${current.hosts.map((h) => h.host).join(', ')}`
          : ''
      const { confirmDestructive } = await import('../../cli/prompts.js')
      await confirmDestructive(
        `Return ${id}: it becomes inactive for good, ${counted(current.quantity, 'seat')} ${current.quantity === 1 ? 'goes' : 'go'} back to ${current.product}${orphaning}. Continue?`,
        f.yes,
      )
    }
    const res = await client.activations.return({ org, id }, { force: f.force }).catch((err: unknown) => {
      throw withHint(
        err,
        'hosts_would_be_orphaned',
        `when a host cannot be reached: licctl activations return ${id} --force (its copy becomes an orphan)`,
      )
    })
    this.say(
      `Returned ${res.id}: inactive; ${counted(res.quantity, 'seat')} back to ${res.product} (${res.entitlementFree} free).`,
    )
    if (res.orphaned.length > 0) {
      const { renderOrphans } = await import('../../cli/activations-view.js')
      const one = res.orphaned.length === 1
      this.say(
        `${one ? 'This host keeps' : 'These hosts keep'} an orphaned copy; clean ${itThem(res.orphaned.length)}, then \`licctl activations orphans --clear <host>\`:`,
      )
      this.say(renderOrphans(res.orphaned))
    }
    return res
  }
}
