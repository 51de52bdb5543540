import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'

export default class DevicesShow extends ApiCommand<typeof DevicesShow> {
  static override summary = 'Show a device: its cumulative license, the licenses on it and its history'
  static override examples = [
    '<%= config.bin %> devices show 4711-0001',
    '<%= config.bin %> devices show 4711-0001 --json',
  ]
  static override args = { serial: Args.string({ description: 'device serial number', required: true }) }

  async run() {
    const client = await this.client()
    const d = await client.devices.show({ org: await this.org(), serial: this.args.serial })
    const { renderDevice } = await import('../../cli/devices-view.js')
    this.say(renderDevice(d))
    return d
  }
}
