import { ListCommand } from '../../cli/base-command.js'
import type { Pool } from '../../contract/devices.js'

export default class DevicesPool extends ListCommand<typeof DevicesPool> {
  static override summary = 'Show unassigned licenses grouped by category and term, with their remaining days'
  static override examples = ['<%= config.bin %> devices pool', '<%= config.bin %> devices pool --json']

  async run(): Promise<Pool> {
    const client = await this.client()
    const pool = await client.devices.pool({ org: await this.org() })
    const { renderPool } = await import('../../cli/devices-view.js')
    this.say(pool.groups.length === 0 ? 'No unassigned licenses.' : renderPool(pool))
    return pool
  }
}
