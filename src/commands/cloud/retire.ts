import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { retiredLine } from '../../cli/retired.js'

export default class CloudRetire extends ApiCommand<typeof CloudRetire> {
  static override summary =
    'Retire an expired add-on pool the organization does not renew, so it stops failing `expiry check` (admins)'
  static override description =
    'An expired add-on keeps failing `expiry check` (exit 7) until it is renewed (the operator: `cloud update --expires`) or retired. Retiring records that it is not renewed (audited as cloud.retire): it leaves the check, still refuses assignments and entitlement checks, and stays in `cloud list` as retired with its assignments. Refused while the add-on has not expired (exit 3 not_expired). Retiring again changes nothing (exit 0, "changed": false under --json). Renewing a retired add-on makes it current again.'
  static override examples = [
    '<%= config.bin %> cloud retire cloud-processing',
    '<%= config.bin %> cloud retire cloud-processing --org acme --json',
  ]
  static override args = { addon: Args.string({ description: 'add-on key', required: true }) }

  async run() {
    const client = await this.client()
    const addon = await client.cloud.retire({ org: await this.org(), addon: this.args.addon })
    this.say(retiredLine(`add-on pool '${addon.key}'`, addon))
    return addon
  }
}
