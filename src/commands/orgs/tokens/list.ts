import { ListCommand } from '../../../cli/base-command.js'
import { renderTable, shortDate, shortTime } from '../../../cli/output.js'
import type { TokenInfo } from '../../../contract/tokens.js'
import { allItems } from '../../../client/pages.js'

export default class TokensList extends ListCommand<typeof TokensList> {
  static override summary = 'List live tokens (admins: all of the organization’s; members: their own)'
  static override description = 'Shows each token’s prefix, never the secret.'
  static override examples = [
    '<%= config.bin %> orgs tokens list',
    '<%= config.bin %> orgs tokens list --output csv --json id,name,readOnly,expiresAt',
  ]

  async run(): Promise<{ items: TokenInfo[] }> {
    const client = await this.client()
    const org = await this.org()
    const items: TokenInfo[] = await allItems(client.tokens.list, { org }, {})
    this.say(
      items.length === 0
        ? 'No tokens.'
        : renderTable(items, [
            { header: 'Id', get: (t) => t.id },
            { header: 'Name', get: (t) => t.name },
            { header: 'Prefix', get: (t) => `${t.prefix}…` },
            { header: 'User', get: (t) => t.userEmail },
            { header: 'Access', get: (t) => (t.readOnly ? 'read-only' : 'read-write') },
            { header: 'Created', get: (t) => shortDate(t.createdAt) },
            // The instant it stops, to the minute (UTC): created `--expires 2099-12-31` in a UTC
            // organization, it stops at 2100-01-01 00:00, a bare date read as one more valid day.
            { header: 'Expires', get: (t) => (t.expiresAt ? shortTime(t.expiresAt) : 'never') },
            { header: 'Last used', get: (t) => shortTime(t.lastUsedAt) },
          ]),
    )
    return { items }
  }
}
