import { Args } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { renderFields, shortTime } from '../../cli/output.js'

export default class OrgsShow extends ApiCommand<typeof OrgsShow> {
  static override summary = 'Show an organization: contact details and perpetual license strings'
  static override examples = ['<%= config.bin %> orgs show', '<%= config.bin %> orgs show acme --json']
  static override args = { slug: Args.string({ description: 'organization (default: the current one)' }) }

  async run() {
    const client = await this.client()
    const org = await client.orgs.show({ org: this.args.slug ?? (await this.org()) })
    this.say(
      renderFields([
        ['Organization', org.slug],
        ['Name', org.name],
        ['Contact email', org.contactEmail],
        ['Contact phone', org.contactPhone],
        ['Contact address', org.contactAddress],
        ['Time zone', org.timeZone],
        ['Device preference', `${org.devicePreference} term first`],
        [
          'Perpetual licenses',
          org.perpetualLicenses.length ? org.perpetualLicenses.join('\n' + ' '.repeat(20)) : null,
        ],
        ['Created', shortTime(org.createdAt)],
      ]),
    )
    return org
  }
}
