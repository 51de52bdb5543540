import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { withHint } from '../../cli/errors.js'
import { countFlag } from '../../cli/flag-values.js'
import { counted } from '../../domain/plural.js'
import type { ResizePlan, ResizeResponse } from '../../contract/activations.js'

export default class ActivationsResize extends ApiCommand<typeof ActivationsResize> {
  static override summary =
    'Change a CC ID’s quantity the safe way: deactivate on its hosts, return it, generate a new one'
  static override description = `Always prints the plan first, in the only safe order. It is carried out (return and generate as one step on the server) only when no host still holds the ID; otherwise it is refused with exit 3 (hosts_would_be_orphaned) and nothing changes, unless --force, which leaves those hosts with orphaned copies.
Resizing retires the ID, so it asks on a terminal and needs --yes elsewhere (exit 2). --dry-run only prints the plan, and is refused as the run would be (exit 3 while hosts hold the ID, without --force).
An ID that already has the quantity is already so: it says so and exits 0, nothing changes (--json: changed false, id the same ID).`
  static override examples = [
    '<%= config.bin %> activations resize act_01j… --quantity 30 --dry-run',
    '<%= config.bin %> activations resize act_01j… --quantity 30 --yes',
  ]
  static override args = { id: Args.string({ description: 'activation ID', required: true }) }
  static override flags = {
    quantity: countFlag({
      description: 'the new quantity',
      required: true,
      schema: async () => (await import('../../contract/activations.js')).resizeBody.shape.quantity,
    }),
    force: Flags.boolean({
      description: 'carry it out even though hosts hold the ID (they become orphans)',
      default: false,
    }),
    yes: Flags.boolean({ description: 'do not ask for confirmation', default: false }),
    'dry-run': Flags.boolean({ description: 'print the plan only', default: false }),
  }

  async run(): Promise<ResizeResponse> {
    const client = await this.client()
    const org = await this.org()
    const { id } = this.args
    const f = this.flags
    const { renderPlan } = await import('../../cli/activations-view.js')
    // With hosts and no --force the server refuses (hosts_would_be_orphaned) and changes nothing;
    // a dry run is refused the same way, with the plan in the refusal's details, printed first.
    const hinted = (err: unknown) =>
      withHint(
        err,
        'hosts_would_be_orphaned',
        `when a host cannot be reached: licctl activations resize ${id} --quantity ${f.quantity} --force (its copy becomes an orphan)`,
      )
    const planned = await client.activations
      .resize({ org, id }, { quantity: f.quantity, force: f.force, dryRun: true })
      .catch((err: unknown) => {
        const refusal = hinted(err)
        const refusedPlan = (refusal as { details?: { plan?: ResizePlan } } | null)?.details?.plan
        if (refusal !== err && refusedPlan) this.say(renderPlan(refusedPlan))
        throw refusal
      })
    const { plan } = planned
    this.say(renderPlan(plan))
    if (f['dry-run']) return planned
    // Already so: the plan retires nothing, so there is nothing to confirm.
    if (planned.changed) {
      const orphaning =
        plan.hosts.length > 0
          ? `, leaving orphaned copies on ${plan.hosts.map((h) => h.host).join(', ')}`
          : ''
      const { confirmDestructive } = await import('../../cli/prompts.js')
      await confirmDestructive(
        `Return ${id} and generate a new ID of ${counted(f.quantity, 'seat')}${orphaning}. Continue?`,
        f.yes,
      )
    }
    // A host may have activated it since the plan: the server refuses the same way then.
    const res = await client.activations
      .resize({ org, id }, { quantity: f.quantity, force: f.force })
      .catch((err: unknown) => {
        throw hinted(err)
      })
    if (!res.changed) return res
    this.say(`Returned ${id}; the new ID of ${counted(f.quantity, 'seat')} is ${res.id}`)
    if (res.orphaned.length > 0)
      this.say(
        `Orphaned copies on ${res.orphaned.map((o) => o.host).join(', ')}: see \`licctl activations orphans\`.`,
      )
    return res
  }
}
