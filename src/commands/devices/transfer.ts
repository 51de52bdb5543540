import { Flags } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { CliError, UsageError } from '../../cli/errors.js'
import { counted } from '../../domain/plural.js'

export default class DevicesTransfer extends ApiCommand<typeof DevicesTransfer> {
  static override summary = 'Transfer unassigned licenses, or a whole unassigned key, to another organization'
  static override description =
    'You must be admin of both organizations (the same person, by email). The target organization’s token comes from your profile for it (`licctl orgs login --org <to>`). Assigned licenses, and keys with an assigned license, are refused (exit 3). Safe to repeat: re-running a transfer already applied (the key, or each license, in the target organization as a transfer leaves it) changes nothing and exits 0, with "changed": false under --json; licenses already there are listed as such while the rest still move.'
  static override examples = [
    '<%= config.bin %> devices transfer --to branch-office --key 7K3QX-M9TZ4-0P2VA-HCW8E-R1N5D',
    '<%= config.bin %> devices transfer --to branch-office --key 7K3QXM9TZ40P',
    '<%= config.bin %> devices transfer --to branch-office --license 7K3QXM9TZ40P-1 --license R-4Q2M7XK9PZ',
  ]
  static override flags = {
    to: Flags.string({ description: 'target organization', required: true }),
    key: Flags.string({
      description:
        'a whole key (none of its licenses assigned): the key, or its serial as `devices keys list` shows it',
      exclusive: ['license'],
    }),
    license: Flags.string({ description: 'an unassigned license (repeatable)', multiple: true }),
  }

  async run() {
    const f = this.flags
    if (!f.key && !f.license?.length) throw new UsageError('give --key or --license')
    const key = f.key ? (await import('../../cli/held-key.js')).heldKey(f.key, '--key: ') : undefined
    // Known before any profile is read: the server refuses it the same way (body.to).
    const org = await this.org()
    if (f.to === org)
      throw new UsageError(`--to: the licenses are already in '${org}'; name another organization`, {
        code: 'validation_failed',
        // Not named (--org, LICCTL_ORG): the current profile's, which `orgs login --org <to>`, the
        // step a transfer needs first, has just made the target's.
        ...((this.flags as { org?: string }).org || process.env.LICCTL_ORG
          ? {}
          : {
              hint: `'${org}' is the current profile's organization (\`orgs login\` and \`orgs use\` change it): name the one the licenses are in with --org <slug>`,
            }),
      })
    const { Profiles } = await import('../../cli/profiles.js')
    const target = new Profiles().get(f.to)
    if (!target)
      throw new CliError(`no profile for organization '${f.to}': a transfer needs your token for it`, {
        code: 'not_logged_in',
        exitCode: 4,
        hint: `run \`licctl orgs login --org ${f.to} …\` first`,
      })
    const client = await this.client()
    // The target's token goes in this request's body: only to the server its profile is for.
    const { sameServer } = await import('../../cli/connection.js')
    if (!sameServer(target.url, this.serverUrl!))
      throw new CliError(
        `profile '${f.to}' is for ${target.url}, not ${this.serverUrl}: its token is only ever sent to its own server`,
        {
          code: 'not_logged_in',
          exitCode: 4,
          hint: `log in to '${f.to}' on ${this.serverUrl} (\`licctl orgs login --url ${this.serverUrl} --org ${f.to} …\`)`,
        },
      )
    const res = await client.devices.transfer(
      { org },
      { to: f.to, toToken: target.token, ...(key ? { key } : { licenses: f.license! }) },
    )
    const already = res.already.join(', ')
    if (!res.changed)
      this.say(
        res.key
          ? `Key ${res.key} is already in ${res.to}: nothing changed${already ? ` (${already})` : ''}.`
          : `Already in ${res.to}: ${already}; nothing changed.`,
      )
    else
      this.say(
        `Transferred ${counted(res.licenses.length, 'license')}${res.key ? ` (key ${res.key})` : ''} from ${res.from} to ${res.to}: ${res.licenses.join(', ')}${already ? ` (already in ${res.to}: ${already})` : ''}`,
      )
    return res
  }
}
