import { DevicesDestructiveCommand } from '../../cli/devices-bulk-command.js'

export default class DevicesRemove extends DevicesDestructiveCommand {
  static override summary = 'Remove devices (admins), detaching their licenses first'
  static override description =
    'A licensed device’s cumulative license is detached first, by the same rule as `devices detach` (the remainder, if any, goes back to the pool as one license). Destructive: on a terminal the preview is shown and asked; elsewhere --yes is required (exit 2). An unknown device is already so.'
  static override examples = [
    '<%= config.bin %> devices remove 4711-0001 --dry-run',
    '<%= config.bin %> devices remove 4711-0001 4711-0002 --yes',
  ]
  protected readonly action = 'remove'
}
