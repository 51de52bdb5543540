import type { LicctlClient } from '../../client/index.js'
import type { RetiredAddonPool } from '../../contract/cloud.js'
import { RetireCommand, retireArg, retireExamples } from '../../cli/retire-command.js'

export default class CloudRetire extends RetireCommand<typeof CloudRetire, RetiredAddonPool> {
  static override summary =
    'Retire an expired add-on pool the organization does not renew, so it stops failing `expiry check` (admins)'
  static override description =
    'An expired add-on keeps failing `expiry check` (exit 7) until it is renewed (the operator: `cloud update --expires`) or retired. Retiring records that it is not renewed (audited as cloud.retire): it leaves the check, still refuses assignments and entitlement checks, and stays in `cloud list` as retired with its assignments. Refused while the add-on has not expired (exit 3 not_expired). Retiring again changes nothing (exit 0, "changed": false under --json). Renewing a retired add-on makes it current again.'
  static override examples = retireExamples('cloud', 'cloud-processing')
  static override args = { addon: retireArg('add-on key') }

  protected retire(client: LicctlClient, org: string) {
    return client.cloud.retire({ org, addon: this.args.addon })
  }

  protected thing(addon: RetiredAddonPool) {
    return `add-on pool '${addon.key}'`
  }
}
