import { ListCommand } from '../../cli/base-command.js'
import { renderTable, shortTime } from '../../cli/output.js'
import type { Organization } from '../../contract/orgs.js'
import { allItems } from '../../client/pages.js'

export default class OrgsList extends ListCommand<typeof OrgsList> {
  static override summary = 'List organizations (the operator sees all; a member sees their own)'
  static override examples = ['<%= config.bin %> orgs list', '<%= config.bin %> orgs list --json']

  async run(): Promise<{ items: Organization[] }> {
    const client = await this.client()
    const items: Organization[] = await allItems(client.orgs.list, {}, {})
    // Shell completion offers these slugs for --org (on this server) until the next listing.
    const { rememberOrgs } = await import('../../cli/completion-values.js')
    rememberOrgs(
      this.serverUrl!,
      items.map((o) => o.slug),
      true,
    )
    this.say(
      items.length === 0
        ? 'No organizations.'
        : renderTable(items, [
            { header: 'Slug', get: (o) => o.slug },
            { header: 'Name', get: (o) => o.name },
            { header: 'Contact', get: (o) => o.contactEmail },
            { header: 'Time zone', get: (o) => o.timeZone },
            { header: 'Created', get: (o) => shortTime(o.createdAt) },
          ]),
    )
    return { items }
  }
}
