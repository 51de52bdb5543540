import { ApiCommand } from '../../cli/base-command.js'
import { renderTable, shortDate } from '../../cli/output.js'
import type { Organization } from '../../contract/orgs.js'

export default class OrgsList extends ApiCommand<typeof OrgsList> {
  static override summary = 'List organizations (the operator sees all; a member sees their own)'
  static override examples = ['<%= config.bin %> orgs list', '<%= config.bin %> orgs list --json']

  async run(): Promise<{ items: Organization[] }> {
    const client = await this.client()
    const { allPages } = await import('../../client/index.js')
    const items: Organization[] = []
    for await (const org of allPages((cursor) => client.orgs.list({}, { limit: 500, cursor })))
      items.push(org)
    this.say(
      items.length === 0
        ? 'No organizations.'
        : renderTable(items, [
            { header: 'Slug', get: (o) => o.slug },
            { header: 'Name', get: (o) => o.name },
            { header: 'Contact', get: (o) => o.contactEmail },
            { header: 'Time zone', get: (o) => o.timeZone },
            { header: 'Created', get: (o) => shortDate(o.createdAt) },
          ]),
    )
    return { items }
  }
}
