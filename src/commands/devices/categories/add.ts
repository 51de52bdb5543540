import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../../cli/base-command.js'
import { listFlag } from '../../../cli/flag-values.js'

export default class DevicesCategoriesAdd extends ApiCommand<typeof DevicesCategoriesAdd> {
  static override summary = 'Add a device category with the models it covers (operator)'
  static override description =
    'A category is the device class a license key licenses (e.g. router, access-point). A device is added by its category or by a model a category covers.'
  static override examples = [
    '<%= config.bin %> devices categories add router --profile operator --models R-1000,R-2000 --description "Routers"',
    '<%= config.bin %> devices categories add switch --profile operator',
  ]
  static override args = { name: Args.string({ description: 'category name, e.g. router', required: true }) }
  static override flags = {
    models: listFlag({ description: 'models it covers, comma-separated' }),
    description: Flags.string({ description: 'what the category is' }),
  }

  async run() {
    const client = await this.client()
    const models = this.flags.models
    const category = await client.devices.categoriesAdd(
      {},
      {
        name: this.args.name,
        ...(models ? { models } : {}),
        ...(this.flags.description !== undefined ? { description: this.flags.description } : {}),
      },
    )
    const { renderCategories } = await import('../../../cli/devices-view.js')
    this.say(renderCategories([category]))
    return category
  }
}
