import { Flags } from '@oclif/core'
import { ListCommand } from '../../cli/base-command.js'
import type { ClearOrphansResponse, Orphan } from '../../contract/activations.js'
import { UsageError } from '../../cli/errors.js'
import { counted } from '../../domain/plural.js'

export default class ActivationsOrphans extends ListCommand<typeof ActivationsOrphans> {
  static override summary =
    'Orphaned activations by host and ID, to clean off the machines; --clear records a host cleaned'
  static override description =
    'A portal return, a forced resize or a rehost leaves the hosts that held the ID with a harmless, useless copy. List them, remove the copy on each machine, then record it with --clear <host> (admins).'
  static override examples = [
    '<%= config.bin %> activations orphans',
    '<%= config.bin %> activations orphans --clear ws-017',
    '<%= config.bin %> activations orphans --all --json',
  ]
  // --clear sends the host as `body.host`; --host filters the list as `query.host`.
  static override requestFieldNames = { 'body.host': 'clear' }
  static override flags = {
    clear: Flags.string({ description: 'record that this host was cleaned of its orphans (admins)' }),
    id: Flags.string({ description: 'with --clear: only this activation ID’s orphan' }),
    host: Flags.string({ description: 'only this host (in any case)' }),
    all: Flags.boolean({ description: 'include orphans already cleaned', default: false }),
  }

  protected override async validate(): Promise<void> {
    const f = this.flags
    if (f.clear !== undefined) {
      if (this.delimitedFormat)
        throw new UsageError(`--clear and --output ${this.delimitedFormat} cannot be used together`, {
          hint: '--output prints the list; --clear records a host cleaned (its --json lists what it cleared)',
        })
      if (f.host !== undefined || f.all)
        throw new UsageError('--clear takes the host itself; --host and --all are for listing')
    } else if (f.id !== undefined) throw new UsageError('--id goes with --clear')
  }

  async run(): Promise<{ items: Orphan[] } | ClearOrphansResponse> {
    const client = await this.client()
    const org = await this.org()
    const f = this.flags
    const { renderOrphans } = await import('../../cli/activations-view.js')
    if (f.clear !== undefined) {
      const res = await client.activations.clearOrphans(
        { org },
        { host: f.clear, ...(f.id !== undefined ? { id: f.id } : {}) },
      )
      if (!res.changed) {
        this.say(
          `${res.host} was already recorded as cleaned${f.id ? ` of ${f.id}` : ''}: no orphan left to clear.`,
        )
        return res
      }
      this.say(`Recorded ${res.host} as cleaned of ${counted(res.cleared.length, 'orphan')}:`)
      this.say(renderOrphans(res.cleared))
      return res
    }
    const { allItems } = await import('../../client/pages.js')
    const items: Orphan[] = await allItems(
      client.activations.orphans,
      { org },
      { host: f.host, ...(f.all ? { all: 'true' as const } : {}) },
    )
    this.say(items.length === 0 ? 'No orphaned activations.' : renderOrphans(items))
    return { items }
  }
}
