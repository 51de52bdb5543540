import { Args } from '@oclif/core'
import { ApiCommand } from '../../../cli/base-command.js'
import { counted } from '../../../domain/plural.js'

export default class DevicesKeysRetire extends ApiCommand<typeof DevicesKeysRetire> {
  static override summary =
    'Write off the pool licenses of a key past its last day to be assigned, so they stop failing `expiry check` (admins)'
  static override description =
    'A key issued with --expires gives its licenses a last day to be assigned. Those still in the pool after it can never be assigned, and `expiry check` reports them (and the key) as expired, exit 7, until they are retired: retiring writes them off (state retired, audited as devices.keys.retire), so they leave the pool and the check, and `devices keys list` shows the key as retired once none is left. Licenses on devices are untouched. Refused while the licenses can still be assigned (exit 3 key_not_expired): assign or transfer them first. Licenses of the key transferred to this organization are retired here too. Retiring again retires nothing more.'
  static override examples = [
    '<%= config.bin %> devices keys retire 7K3QXM9TZ40P',
    '<%= config.bin %> devices keys retire 7K3QX-M9TZ4-0P2VA-HCW8E-R1N5D --json',
  ]
  static override args = {
    key: Args.string({
      description: 'the key, or its serial as `devices keys list` and `expiry check` show it',
      required: true,
    }),
  }

  async run() {
    const { heldKey } = await import('../../../cli/held-key.js')
    const key = heldKey(this.args.key)
    const client = await this.client()
    const res = await client.devices.keysRetire({ org: await this.org() }, { key })
    this.say(
      res.licenses.length === 0
        ? `Key ${res.key}: no license of it left in the pool; nothing to retire.`
        : `Retired ${counted(res.licenses.length, 'license')} of key ${res.key}, unassignable since ${res.expiresAt}: ${res.licenses.join(', ')}`,
    )
    return res
  }
}
