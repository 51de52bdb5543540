import { Flags } from '@oclif/core'
import { ApiCommand } from '../../../cli/base-command.js'
import { renderFields } from '../../../cli/output.js'
import { parseDuration } from '../../../domain/duration.js'
import { timeFlag } from '../../../cli/flag-values.js'

export default class TokensCreate extends ApiCommand<typeof TokensCreate> {
  static override summary = 'Create an API token; it is printed once'
  static override description =
    'Read-only tokens suit CI (expiry checks, reports). Admins may create a token for another member with --user (e.g. for a desktop client).'
  static override examples = [
    '<%= config.bin %> orgs tokens create --name ci --read-only --expires 90d',
    '<%= config.bin %> orgs tokens create --user bob@acme.test --name "bob laptop" --json',
  ]
  static override flags = {
    name: Flags.string({ description: 'what the token is for' }),
    'read-only': Flags.boolean({
      description: 'the token can read but never change anything',
      default: false,
    }),
    expires: Flags.string({
      description: 'a duration from now (90d, 12h), a date (valid through that day, UTC) or an instant',
    }),
    user: Flags.string({ description: 'create it for this member (admins)' }),
  }

  async run() {
    const expiresAt = this.flags.expires === undefined ? undefined : await parseExpires(this.flags.expires)
    const client = await this.client()
    const created = await client.tokens.create(
      { org: await this.org() },
      {
        readOnly: this.flags['read-only'],
        ...(this.flags.name ? { name: this.flags.name } : {}),
        ...(expiresAt ? { expiresAt } : {}),
        ...(this.flags.user ? { userEmail: this.flags.user } : {}),
      },
    )
    this.say(
      renderFields([
        ['Token', created.token],
        ['Id', created.id],
        ['User', created.userEmail],
        ['Read-only', created.readOnly ? 'yes' : 'no'],
        ['Expires', created.expiresAt ?? 'never'],
      ]),
    )
    this.note('Store the token now: it is not shown again.')
    return created
  }
}

async function parseExpires(text: string): Promise<string> {
  // The date rules (and temporal-polyfill) load only when the value is not a duration.
  const dates = parseDuration(text) === null ? await import('../../../domain/dates.js') : undefined
  return timeFlag('--expires', text, {
    direction: 1,
    absolute: (t) => dates?.expiryInstant(t, 'UTC') ?? null,
    expected: 'a duration like 90d, a date like 2027-01-01 or an instant with its offset',
  })
}
