import { Flags } from '@oclif/core'
import { ListCommand } from '../../cli/base-command.js'
import type { AddonAssignment } from '../../contract/cloud.js'
import { allItems } from '../../client/pages.js'

export default class CloudAssignments extends ListCommand<typeof CloudAssignments> {
  static override summary = 'List who holds which cloud add-on'
  static override description =
    'Admins see every assignment; a member sees their own. Follows every page; --json prints them all.'
  static override examples = [
    '<%= config.bin %> cloud assignments --addon cloud-processing',
    '<%= config.bin %> cloud assignments --user bob@acme.test --json',
  ]
  static override flags = {
    addon: Flags.string({ description: 'only this add-on' }),
    user: Flags.string({ description: 'only this user (email)' }),
  }

  async run(): Promise<{ items: AddonAssignment[] }> {
    const client = await this.client()
    const org = await this.org()
    const { renderAssignments } = await import('../../cli/cloud-view.js')
    const items: AddonAssignment[] = await allItems(
      client.cloud.assignments,
      { org },
      {
        addon: this.flags.addon,
        user: this.flags.user,
      },
    )
    this.say(items.length === 0 ? 'No assignments.' : renderAssignments(items))
    return { items }
  }
}
