import { ApiCommand } from '../../cli/base-command.js'
import type { AddonPool } from '../../contract/cloud.js'

export default class CloudList extends ApiCommand<typeof CloudList> {
  static override summary = 'List the organization’s cloud add-ons: total, assigned, free, expiration'
  static override examples = ['<%= config.bin %> cloud list', '<%= config.bin %> cloud list --json']

  async run(): Promise<{ items: AddonPool[] }> {
    const client = await this.client()
    const org = await this.org()
    const [{ allPages }, { renderAddons }] = await Promise.all([
      import('../../client/index.js'),
      import('../../cli/cloud-view.js'),
    ])
    const items: AddonPool[] = []
    for await (const a of allPages((cursor) => client.cloud.list({ org }, { limit: 1000, cursor })))
      items.push(a)
    this.say(items.length === 0 ? 'No cloud add-ons.' : renderAddons(items))
    return { items }
  }
}
