import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { retiredLine } from '../../cli/retired.js'
import { counted } from '../../domain/plural.js'

export default class ActivationsRetire extends ApiCommand<typeof ActivationsRetire> {
  static override summary =
    'Retire an expired entitlement the organization does not renew, with its activation IDs, so they stop failing `expiry check` (admins)'
  static override description =
    'Activation IDs expire with their entitlement, and an expired entitlement and its IDs (node-locked ones included, which have no portal return) keep failing `expiry check` (exit 7) until it is renewed (the operator: `activations update --expires`) or retired. Retiring records that it is not renewed (audited as activations.retire): the entitlement and its IDs leave the check, still refuse new IDs and activations, and stay listed with their hosts. Refused while the entitlement has not expired (exit 3 not_expired). Retiring again changes nothing (exit 0, "changed": false under --json). Renewing a retired entitlement makes it and its IDs current again.'
  static override examples = [
    '<%= config.bin %> activations retire cad-desk',
    '<%= config.bin %> activations retire cad-desk --org acme --json',
  ]
  static override args = { product: Args.string({ description: 'product, e.g. cad-desk', required: true }) }

  async run() {
    const client = await this.client()
    const ent = await client.activations.retire({ org: await this.org(), product: this.args.product })
    const ids =
      ent.ids.length === 0
        ? ''
        : ` and its ${counted(ent.ids.length, 'activation ID')} (${ent.ids.join(', ')})`
    this.say(retiredLine(`the entitlement for '${ent.product}'`, ent, { text: ids, count: ent.ids.length }))
    return ent
  }
}
