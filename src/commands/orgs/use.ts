import { Args } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'

export default class OrgsUse extends BaseCommand<typeof OrgsUse> {
  static override summary = 'Make a profile the current one'
  static override examples = ['<%= config.bin %> orgs use acme', '<%= config.bin %> orgs use operator']
  static override args = {
    profile: Args.string({
      description: 'profile name (the organization slug, or operator)',
      required: true,
    }),
  }

  async run() {
    const { Profiles } = await import('../../cli/profiles.js')
    const store = new Profiles()
    const profile = store.get(this.args.profile)
    if (!profile) throw (await import('../../cli/connection.js')).noProfileNamed(store, this.args.profile)
    store.use(this.args.profile)
    this.say(`Now using profile '${this.args.profile}' (${profile.url}).`)
    return { profile: this.args.profile, url: profile.url, org: profile.org ?? null }
  }
}
