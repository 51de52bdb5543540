import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { contractFlag } from '../../cli/flag-values.js'
import { renderFields } from '../../cli/output.js'

export default class OrgsCreate extends ApiCommand<typeof OrgsCreate> {
  static override summary = 'Create an organization (operator only)'
  static override description =
    'With --admin-email, also adds its first admin and prints that admin’s token once.'
  static override examples = [
    '<%= config.bin %> orgs create acme --profile operator --name "Acme Surveying" --admin-email alice@acme.test',
    '<%= config.bin %> orgs create globex --profile operator --name Globex --time-zone Europe/Paris --contact-email it@globex.test --json',
  ]
  static override args = {
    slug: Args.string({
      description: 'short unique name: lowercase letters, digits, dashes',
      required: true,
    }),
  }
  static override flags = {
    name: Flags.string({ description: 'display name', required: true }),
    'contact-email': Flags.string({ description: 'contact email' }),
    'contact-phone': Flags.string({ description: 'contact phone' }),
    'contact-address': Flags.string({ description: 'postal address' }),
    'perpetual-license': Flags.string({
      description: 'a perpetual license string shown read-only to admins (repeatable)',
      multiple: true,
    }),
    'time-zone': contractFlag({
      description: 'IANA time zone for calendar-day rules',
      default: 'UTC',
      schema: async () => (await import('../../contract/orgs.js')).createOrgBody.shape.timeZone,
    }),
    'admin-email': Flags.string({ description: 'the first admin; their token is printed once' }),
    'admin-name': Flags.string({ description: 'the first admin’s name' }),
  }

  async run() {
    const client = await this.client()
    const f = this.flags
    const res = await client.orgs.create(
      {},
      {
        slug: this.args.slug,
        name: f.name,
        ...(f['contact-email'] ? { contactEmail: f['contact-email'] } : {}),
        ...(f['contact-phone'] ? { contactPhone: f['contact-phone'] } : {}),
        ...(f['contact-address'] ? { contactAddress: f['contact-address'] } : {}),
        ...(f['perpetual-license'] ? { perpetualLicenses: f['perpetual-license'] } : {}),
        timeZone: f['time-zone'],
        ...(f['admin-email']
          ? { admin: { email: f['admin-email'], ...(f['admin-name'] ? { name: f['admin-name'] } : {}) } }
          : {}),
      },
    )
    const { rememberOrgs } = await import('../../cli/completion-values.js')
    rememberOrgs(this.serverUrl!, [res.organization.slug], false)
    this.say(`Created organization ${res.organization.slug} (${res.organization.name}).`)
    if (res.admin) {
      this.say(
        renderFields([
          ['Admin', res.admin.email],
          ['Admin token', res.admin.token],
        ]),
      )
      this.say('The token is shown once: give it to the admin, who runs `licctl orgs login`.')
    }
    return res
  }
}
