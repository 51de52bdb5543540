import { Flags } from '@oclif/core'
import { ApiCommand } from '../../../cli/base-command.js'
import { renderFields } from '../../../cli/output.js'
import { UsageError } from '../../../client/errors.js'
import { parseDuration } from '../../../domain/duration.js'

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
    expires: Flags.string({ description: 'expiry: a duration from now (90d, 12h) or a date/instant' }),
    user: Flags.string({ description: 'create it for this member (admins)' }),
  }

  async run() {
    const expiresAt = this.flags.expires === undefined ? undefined : parseExpires(this.flags.expires)
    const client = await this.client()
    const created = await client.tokens.create(await this.org(), {
      readOnly: this.flags['read-only'],
      ...(this.flags.name ? { name: this.flags.name } : {}),
      ...(expiresAt ? { expiresAt } : {}),
      ...(this.flags.user ? { userEmail: this.flags.user } : {}),
    })
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

function parseExpires(text: string): string {
  const ms = parseDuration(text)
  if (ms !== null) return new Date(Date.now() + ms).toISOString()
  const at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text)
  if (Number.isNaN(at))
    throw new UsageError(`--expires: expected a duration like 90d or a date, got '${text}'`)
  return new Date(at).toISOString()
}
