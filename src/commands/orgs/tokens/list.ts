import { ApiCommand } from '../../../cli/base-command.js'
import { renderTable, shortDate, shortTime } from '../../../cli/output.js'
import type { TokenInfo } from '../../../contract/orgs.js'

export default class TokensList extends ApiCommand<typeof TokensList> {
  static override summary = 'List live tokens (admins: all of the organization’s; members: their own)'
  static override description = 'Shows each token’s prefix, never the secret.'
  static override examples = ['<%= config.bin %> orgs tokens list']

  async run(): Promise<{ items: TokenInfo[] }> {
    const client = await this.client()
    const org = await this.org()
    const { allPages } = await import('../../../client/index.js')
    const items: TokenInfo[] = []
    for await (const t of allPages((cursor) => client.tokens.list({ org }, { limit: 1000, cursor })))
      items.push(t)
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
            { header: 'Expires', get: (t) => (t.expiresAt ? shortDate(t.expiresAt) : 'never') },
            { header: 'Last used', get: (t) => shortTime(t.lastUsedAt) },
          ]),
    )
    return { items }
  }
}
