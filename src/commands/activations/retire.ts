import type { LicctlClient } from '../../client/index.js'
import type { RetiredEntitlement } from '../../contract/activations.js'
import { RetireCommand, retireArg, retireExamples } from '../../cli/retire-command.js'
import { counted } from '../../domain/plural.js'

export default class ActivationsRetire extends RetireCommand<typeof ActivationsRetire, RetiredEntitlement> {
  static override summary =
    'Retire an expired entitlement the organization does not renew, with its activation IDs, so they stop failing `expiry check` (admins)'
  static override description =
    'Activation IDs expire with their entitlement, and an expired entitlement and its IDs (node-locked ones included, which have no portal return) keep failing `expiry check` (exit 7) until it is renewed (the operator: `activations update --expires`) or retired. Retiring records that it is not renewed (audited as activations.retire): the entitlement and its IDs leave the check, still refuse new IDs and activations, and stay listed with their hosts. Refused while the entitlement has not expired (exit 3 not_expired). Retiring again changes nothing (exit 0, "changed": false under --json). Renewing a retired entitlement makes it and its IDs current again.'
  static override examples = retireExamples('activations', 'cad-desk')
  static override args = { product: retireArg('product, e.g. cad-desk') }

  protected retire(client: LicctlClient, org: string) {
    return client.activations.retire({ org, product: this.args.product })
  }

  protected thing(ent: RetiredEntitlement) {
    return `the entitlement for '${ent.product}'`
  }

  /** Its activation IDs left the check with it. */
  protected override alsoRetired(ent: RetiredEntitlement) {
    const count = ent.ids.length
    return {
      text: count === 0 ? '' : ` and its ${counted(count, 'activation ID')} (${ent.ids.join(', ')})`,
      count,
    }
  }
}
