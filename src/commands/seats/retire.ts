import type { LicctlClient } from '../../client/index.js'
import type { RetiredSeatPool } from '../../contract/seats.js'
import { RetireCommand, retireArg, retireExamples } from '../../cli/retire-command.js'

export default class SeatsRetire extends RetireCommand<typeof SeatsRetire, RetiredSeatPool> {
  static override summary =
    'Retire an expired seat pool the organization does not renew, so it stops failing `expiry check` (admins)'
  static override description =
    'An expired pool keeps failing `expiry check` (exit 7) until it is renewed (the operator: `seats update --expires`) or retired. Retiring records that it is not renewed (audited as seats.retire): it leaves the check, still refuses checkout, and stays in `seats pools` as retired with its leases. Refused while the pool has not expired (exit 3 not_expired). Retiring again changes nothing (exit 0, "changed": false under --json). Renewing a retired pool makes it current again.'
  static override examples = retireExamples('seats', 'cad-pro')
  static override args = { product: retireArg('product key') }

  protected retire(client: LicctlClient, org: string) {
    return client.seats.retire({ org, product: this.args.product })
  }

  protected thing(pool: RetiredSeatPool) {
    return `seat pool '${pool.product}'`
  }
}
