import { ListCommand } from '../../cli/base-command.js'
import type { AddonPool } from '../../contract/cloud.js'
import { allItems } from '../../client/pages.js'

export default class CloudList extends ListCommand<typeof CloudList> {
  static override summary = 'List the organization’s cloud add-ons: total, assigned, free, expiration'
  static override examples = ['<%= config.bin %> cloud list', '<%= config.bin %> cloud list --json']

  async run(): Promise<{ items: AddonPool[] }> {
    const client = await this.client()
    const org = await this.org()
    const { renderAddons } = await import('../../cli/cloud-view.js')
    const items: AddonPool[] = await allItems(client.cloud.list, { org }, {})
    this.say(items.length === 0 ? 'No cloud add-ons.' : renderAddons(items))
    return { items }
  }
}
