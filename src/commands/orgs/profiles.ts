import { BaseCommand, listOutputFlags } from '../../cli/base-command.js'
import { renderTable } from '../../cli/output.js'

export interface ProfileRow {
  name: string
  current: boolean
  url: string
  org: string | null
  hasToken: boolean
}

export default class OrgsProfiles extends BaseCommand<typeof OrgsProfiles> {
  static override summary = 'List local profiles (tokens are never shown)'
  static override examples = [
    '<%= config.bin %> orgs profiles',
    '<%= config.bin %> orgs profiles --json name,url,current',
    '<%= config.bin %> orgs profiles --output csv',
  ]
  static override flags = { ...listOutputFlags }

  async run(): Promise<{ path: string; profiles: ProfileRow[] }> {
    const { Profiles } = await import('../../cli/profiles.js')
    const store = new Profiles()
    const current = store.currentName()
    const profiles = Object.entries(store.all()).map(([name, p]) => ({
      name,
      current: name === current,
      url: p.url,
      org: p.org ?? null,
      hasToken: Boolean(p.token),
    }))
    this.say(
      profiles.length === 0
        ? 'No profiles. Create one with `licctl orgs login`.'
        : renderTable(profiles, [
            { header: '', get: (p) => (p.current ? '*' : ' ') },
            { header: 'Profile', get: (p) => p.name },
            { header: 'Server', get: (p) => p.url },
            { header: 'Organization', get: (p) => p.org ?? '(operator)' },
            { header: 'Token', get: (p) => (p.hasToken ? 'stored' : 'missing') },
          ]),
    )
    return { path: store.path, profiles }
  }
}
