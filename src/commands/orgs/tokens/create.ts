import { Flags } from '@oclif/core'
import { ApiCommand } from '../../../cli/base-command.js'
import { renderFields, shortTime } from '../../../cli/output.js'
import { expiryFlag } from '../../../cli/flag-values.js'

export default class TokensCreate extends ApiCommand<typeof TokensCreate> {
  static override summary = 'Create an API token; it is printed once'
  static override description =
    'Read-only tokens suit CI (expiry checks, reports). Admins may create a token for another member with --user (e.g. for a desktop client).'
  static override examples = [
    '<%= config.bin %> orgs tokens create --name ci --read-only --expires 90d',
    '<%= config.bin %> orgs tokens create --user bob@acme.test --name "bob laptop" --json',
  ]
  static override requestFieldNames = { userEmail: 'user' }
  static override flags = {
    name: Flags.string({ description: 'what the token is for' }),
    'read-only': Flags.boolean({
      description: 'the token can read but never change anything',
      default: false,
    }),
    expires: expiryFlag({
      description:
        'a duration from now (90d, 12h), a date (valid through that day in the organization’s time zone) or an instant',
    }),
    user: Flags.string({ description: 'create it for this member (admins)' }),
  }

  async run() {
    const client = await this.client()
    const created = await client.tokens.create(
      { org: await this.org() },
      {
        readOnly: this.flags['read-only'],
        ...(this.flags.name !== undefined ? { name: this.flags.name } : {}),
        ...(this.flags.expires !== undefined ? { expires: this.flags.expires } : {}),
        ...(this.flags.user !== undefined ? { userEmail: this.flags.user } : {}),
      },
    )
    this.say(
      renderFields([
        ['Token', created.token],
        ['Id', created.id],
        ['Name', created.name],
        ['User', created.userEmail],
        ['Read-only', created.readOnly ? 'yes' : 'no'],
        ['Expires', created.expiresAt ? shortTime(created.expiresAt) : 'never'],
      ]),
    )
    this.note('Store the token now: it is not shown again.')
    return created
  }
}
