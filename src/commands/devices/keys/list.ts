import { ListCommand } from '../../../cli/base-command.js'
import type { DeviceKey } from '../../../contract/devices.js'

export default class DevicesKeysList extends ListCommand<typeof DevicesKeysList> {
  static override summary = 'List every license key of the organization, expired and used-up ones included'
  static override examples = [
    '<%= config.bin %> devices keys list',
    '<%= config.bin %> devices keys list --output csv',
  ]

  async run(): Promise<{ items: DeviceKey[] }> {
    const client = await this.client()
    const res = await client.devices.keysList({ org: await this.org() })
    const { renderKeys } = await import('../../../cli/devices-view.js')
    this.say(res.items.length === 0 ? 'No license keys.' : renderKeys(res.items))
    return res
  }
}
