import { Args } from '@oclif/core'
import { ApiCommand } from '../../../cli/base-command.js'

export default class UsersSetRole extends ApiCommand<typeof UsersSetRole> {
  static override summary = 'Change a member’s role (admins)'
  static override description = 'The last admin cannot be demoted: make another member admin first.'
  static override examples = [
    '<%= config.bin %> orgs users set-role bob@acme.test admin',
    '<%= config.bin %> orgs users set-role carol@acme.test member --json',
  ]
  static override args = {
    email: Args.string({ description: 'the member', required: true }),
    role: Args.string({ description: 'admin or member', required: true, options: ['admin', 'member'] }),
  }

  async run() {
    const client = await this.client()
    const member = await client.users.setRole(
      { org: await this.org(), email: this.args.email },
      { role: this.args.role as 'admin' | 'member' },
    )
    const as = member.role === 'admin' ? 'an admin' : 'a member'
    this.say(
      member.changed ? `${member.email} is now ${as}.` : `${member.email} is already ${as}: nothing to do.`,
    )
    return member
  }
}
