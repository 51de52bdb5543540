import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import type { Entitlement } from '../../contract/cloud.js'

export default class CloudCheck extends ApiCommand<typeof CloudCheck> {
  static override summary = 'Check that a user holds a cloud add-on (exit 3 when not)'
  static override description =
    'What a client asks before using an add-on. A user without it is refused with cloud_license_required and "<Add-on name> License Required", even when they hold other licenses; an expired add-on is refused with pool_expired. Both exit 3. Members may check themselves (the default user); admins anyone.'
  static override examples = [
    '<%= config.bin %> cloud check cloud-processing bob@acme.test',
    '<%= config.bin %> cloud check cloud-processing --json',
  ]
  static override requestFieldNames = { user: 'email' }
  static override args = {
    addon: Args.string({ description: 'add-on key', required: true }),
    email: Args.string({ description: 'the user to check (default: yourself)' }),
  }

  async run(): Promise<Entitlement> {
    const client = await this.client()
    const res = await client.cloud.check(
      { org: await this.org(), addon: this.args.addon },
      { user: this.args.email },
    )
    this.say(`${res.email} holds ${res.addonName} (${res.addon}), valid through ${res.validThrough}.`)
    return res
  }
}
