import { ListCommand } from '../../../cli/base-command.js'
import type { Category } from '../../../contract/devices.js'

export default class DevicesCategoriesList extends ListCommand<typeof DevicesCategoriesList> {
  static override summary = 'List device categories and the models each covers'
  static override examples = [
    '<%= config.bin %> devices categories list',
    '<%= config.bin %> devices categories list --output csv',
  ]

  async run(): Promise<{ items: Category[] }> {
    const client = await this.client()
    const res = await client.devices.categoriesList({})
    const { renderCategories } = await import('../../../cli/devices-view.js')
    this.say(res.items.length === 0 ? 'No device categories.' : renderCategories(res.items))
    return res
  }
}
