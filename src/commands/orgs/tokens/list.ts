import { Flags } from '@oclif/core'
import { ListCommand } from '../../../cli/base-command.js'
import { renderTable, shortTime } from '../../../cli/output.js'
import type { TokenInfo } from '../../../contract/tokens.js'
import { allItems } from '../../../client/pages.js'

export default class TokensList extends ListCommand<typeof TokensList> {
  static override summary = 'List live tokens (admins: all of the organization’s; members: their own)'
  static override description =
    'Shows each token’s prefix, never the secret. --all adds expired and revoked tokens, with a State column (live, expired, revoked); --json always has `state` and `revokedAt`.'
  static override examples = [
    '<%= config.bin %> orgs tokens list',
    '<%= config.bin %> orgs tokens list --all',
    '<%= config.bin %> orgs tokens list --output csv --json id,name,readOnly,expiresAt',
  ]

  static override flags = {
    all: Flags.boolean({ description: 'include expired and revoked tokens', default: false }),
  }

  async run(): Promise<{ items: TokenInfo[] }> {
    const client = await this.client()
    const org = await this.org()
    const all = this.flags.all
    const items: TokenInfo[] = await allItems(
      client.tokens.list,
      { org },
      all ? { all: 'true' as const } : {},
    )
    this.say(
      items.length === 0
        ? all
          ? 'No tokens.'
          : 'No live tokens.'
        : renderTable(items, [
            { header: 'Id', get: (t) => t.id },
            { header: 'Name', get: (t) => t.name },
            { header: 'Prefix', get: (t) => `${t.prefix}…` },
            { header: 'User', get: (t) => t.userEmail },
            { header: 'Access', get: (t) => (t.readOnly ? 'read-only' : 'read-write') },
            { header: 'Created', get: (t) => shortTime(t.createdAt) },
            // The instant it stops, to the minute (UTC): created `--expires 2099-12-31` in a UTC
            // organization, it stops at 2100-01-01 00:00, a bare date read as one more valid day.
            { header: 'Expires', get: (t) => (t.expiresAt ? shortTime(t.expiresAt) : 'never') },
            { header: 'Last used', get: (t) => shortTime(t.lastUsedAt) },
            ...(all ? [{ header: 'State', get: (t: TokenInfo) => t.state }] : []),
          ]),
    )
    return { items }
  }
}
