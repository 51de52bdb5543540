import { DevicesDestructiveCommand } from '../../cli/devices-bulk-command.js'

export default class DevicesDetach extends DevicesDestructiveCommand {
  static override summary =
    'Detach devices’ licenses (admins): the remainder goes back to the pool as one license'
  static override description =
    'Days used = from the assignment day to today, both counted; today is rounded up to 00:00 tomorrow and one more day is deducted: returned = term − used − 2, as ONE license (never the originals), nothing when that is 0 or less. --dry-run (and the prompt) show the days returned today against tomorrow and the valid-until if reassigned tomorrow; --json gives returnedDays and lostDays per device. Destructive: on a terminal it asks; elsewhere --yes is required (exit 2).'
  static override examples = [
    '<%= config.bin %> devices detach 4711-0001 --dry-run',
    '<%= config.bin %> devices detach 4711-0001 4711-0002 --yes',
  ]
  protected readonly action = 'detach'
}
