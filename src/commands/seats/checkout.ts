import { Args, Flags } from '@oclif/core'
import { hostname } from 'node:os'
import { ApiCommand } from '../../cli/base-command.js'
import { renderFields, shortTime } from '../../cli/output.js'
import { expiryFlag } from '../../cli/flag-values.js'
import { stateLabel } from '../../cli/seats-view.js'

export default class SeatsCheckout extends ApiCommand<typeof SeatsCheckout> {
  static override summary = 'Check a seat out, as a desktop client does'
  static override description =
    'Refused with exit 3 when the pool is full (naming who holds the seats), expired, or the user is not a member. Checking out again on the same host returns the same lease.'
  static override examples = [
    '<%= config.bin %> seats checkout cad-pro --host ws-042',
    '<%= config.bin %> seats checkout cad-pro --host laptop-7 --roam-until 7d',
    '<%= config.bin %> seats checkout cad-pro --host ws-042 --user bob@acme.test',
  ]
  static override args = { product: Args.string({ description: 'product key', required: true }) }
  static override flags = {
    host: Flags.string({ description: 'the machine the seat is used on (default: this one)' }),
    user: Flags.string({
      description: 'check out on behalf of this member (admins; required with the operator’s token)',
    }),
    'roam-until': expiryFlag({
      description:
        'borrow the seat for offline use for a duration (7d), through a date (2027-03-31, in the organization’s time zone) or until an instant',
    }),
  }

  async run() {
    const roamUntil = this.flags['roam-until']
    const client = await this.client()
    const lease = await client.seats.checkout(
      { org: await this.org(), product: this.args.product },
      {
        host: this.flags.host ?? hostname(),
        ...(this.flags.user !== undefined ? { user: this.flags.user } : {}),
        ...(roamUntil ? { roamUntil } : {}),
      },
    )
    this.say(
      renderFields([
        ['Lease', lease.id],
        ['Product', lease.product],
        ['User', lease.user],
        ['Host', lease.host],
        ['Started', shortTime(lease.startedAt)],
        ['Roaming until', shortTime(lease.roamingUntil)],
        // The lease's state, as `seats list` heads it, and what this checkout did.
        [
          'State',
          `${stateLabel(lease.state)} (${lease.reused ? 'already checked out here: same lease, heartbeat refreshed' : 'seat checked out'})`,
        ],
      ]),
    )
    return lease
  }
}
