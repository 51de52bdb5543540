import { Flags } from '@oclif/core'
import { ListCommand } from '../../../cli/base-command.js'
import { renderTable, shortTime } from '../../../cli/output.js'
import type { Member } from '../../../contract/users.js'
import { allItems } from '../../../client/pages.js'

export default class UsersList extends ListCommand<typeof UsersList> {
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
    const items: Member[] = await allItems(client.users.list, { org }, { role: this.flags.role })
    this.say(
      items.length === 0
        ? 'No members.'
        : renderTable(items, [
            { header: 'Email', get: (m) => m.email },
            { header: 'Name', get: (m) => m.name },
            { header: 'Role', get: (m) => m.role },
            { header: 'Joined', get: (m) => shortTime(m.joinedAt) },
          ]),
    )
    return { items }
  }
}
