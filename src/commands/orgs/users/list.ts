import { Flags } from '@oclif/core'
import { ApiCommand } from '../../../cli/base-command.js'
import { renderTable, shortDate } from '../../../cli/output.js'
import type { Member } from '../../../contract/orgs.js'

export default class UsersList extends ApiCommand<typeof UsersList> {
  static override summary = 'List the organization’s members'
  static override examples = [
    '<%= config.bin %> orgs users list',
    '<%= config.bin %> orgs users list --role admin --json',
  ]
  static override flags = {
    role: Flags.option({
      options: ['admin', 'member'] as const,
      description: 'only members with this role',
    })(),
  }

  async run(): Promise<{ items: Member[] }> {
    const client = await this.client()
    const org = await this.org()
    const { allPages } = await import('../../../client/index.js')
    const items: Member[] = []
    for await (const m of allPages((cursor) =>
      client.users.list({ org }, { limit: 1000, cursor, role: this.flags.role }),
    ))
      items.push(m)
    this.say(
      items.length === 0
        ? 'No members.'
        : renderTable(items, [
            { header: 'Email', get: (m) => m.email },
            { header: 'Name', get: (m) => m.name },
            { header: 'Role', get: (m) => m.role },
            { header: 'Joined', get: (m) => shortDate(m.joinedAt) },
          ]),
    )
    return { items }
  }
}
