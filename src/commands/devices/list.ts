import { Flags } from '@oclif/core'
import { ListCommand } from '../../cli/base-command.js'
import { allItems } from '../../client/pages.js'
import type { Device } from '../../contract/devices.js'

export default class DevicesList extends ListCommand<typeof DevicesList> {
  static override summary = 'List devices: licensed or unlicensed, valid until, days left'
  static override examples = [
    '<%= config.bin %> devices list',
    '<%= config.bin %> devices list --unlicensed --json',
  ]
  static override flags = {
    licensed: Flags.boolean({
      description: 'only devices licensed today (an expired license is not)',
      exclusive: ['unlicensed'],
    }),
    unlicensed: Flags.boolean({
      description: 'only devices not licensed today: never licensed, detached or expired',
    }),
  }

  async run(): Promise<{ items: Device[] }> {
    const client = await this.client()
    const org = await this.org()
    const licensed = this.flags.licensed ? 'true' : this.flags.unlicensed ? 'false' : undefined
    const items: Device[] = await allItems(client.devices.list, { org }, licensed ? { licensed } : {})
    const { renderDevices } = await import('../../cli/devices-view.js')
    this.say(items.length === 0 ? 'No devices.' : renderDevices(items))
    return { items }
  }
}
