import { Args } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { CliError } from '../../cli/errors.js'

export default class OrgsLogout extends BaseCommand<typeof OrgsLogout> {
  static override summary = 'Forget a local profile and its token (the token stays valid on the server)'
  static override description =
    'To invalidate the token itself, revoke it first: `licctl orgs tokens revoke <id>`.'
  static override examples = ['<%= config.bin %> orgs logout', '<%= config.bin %> orgs logout acme']
  static override args = { profile: Args.string({ description: 'profile name (default: the current one)' }) }

  async run() {
    const { Profiles } = await import('../../cli/profiles.js')
    const store = new Profiles()
    const name = this.args.profile ?? store.currentName()
    if (!name) throw new CliError('no current profile', { code: 'not_found', exitCode: 5 })
    if (!store.remove(name)) throw (await import('../../cli/connection.js')).noProfileNamed(store, name)
    const next = store.currentName()
    this.say(`Logged out of '${name}'.${next ? ` Current profile: '${next}'.` : ''}`)
    return { removed: name, current: next ?? null }
  }
}
