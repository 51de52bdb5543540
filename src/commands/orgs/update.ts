import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { contractFlag } from '../../cli/flag-values.js'
import { UsageError } from '../../cli/errors.js'

export default class OrgsUpdate extends ApiCommand<typeof OrgsUpdate> {
  static override summary = 'Update the organization’s name, contact details and preferences (admins)'
  static override description = 'Pass an empty string to clear a contact field.'
  static override examples = [
    '<%= config.bin %> orgs update --contact-email licensing@acme.test --contact-phone "+49 30 1234567"',
    '<%= config.bin %> orgs update acme --device-preference longest',
  ]
  static override args = { slug: Args.string({ description: 'organization (default: the current one)' }) }
  static override flags = {
    name: Flags.string({ description: 'display name' }),
    'contact-email': Flags.string({ description: 'contact email ("" clears it)' }),
    'contact-phone': Flags.string({ description: 'contact phone ("" clears it)' }),
    'contact-address': Flags.string({ description: 'postal address ("" clears it)' }),
    'time-zone': contractFlag({
      description: 'IANA time zone for calendar-day rules',
      schema: async () => (await import('../../contract/orgs.js')).createOrgBody.shape.timeZone,
    }),
    'device-preference': Flags.option({
      options: ['shortest', 'longest'] as const,
      description: 'which device license term the pool assigns first',
    })(),
  }

  async run() {
    const f = this.flags
    const clear = (v: string | undefined) => (v === undefined ? undefined : v === '' ? null : v)
    const body = Object.fromEntries(
      Object.entries({
        name: f.name,
        contactEmail: clear(f['contact-email']),
        contactPhone: clear(f['contact-phone']),
        contactAddress: clear(f['contact-address']),
        timeZone: f['time-zone'],
        devicePreference: f['device-preference'],
      }).filter(([, v]) => v !== undefined),
    )
    if (Object.keys(body).length === 0)
      throw new UsageError('nothing to update', {
        hint: 'pass at least one of --name, --contact-email, --contact-phone, --contact-address, --time-zone, --device-preference',
      })
    const client = await this.client()
    const org = await client.orgs.update({ org: this.args.slug ?? (await this.org()) }, body)
    const fields = Object.keys(body).join(', ')
    this.say(
      org.changed
        ? `Updated ${org.slug}: ${fields}.`
        : `${org.slug} already has these settings (${fields}): nothing to do.`,
    )
    return org
  }
}
