import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../../cli/base-command.js'
import { bulkFlags, bulkSource } from '../../../cli/bulk-flags.js'
import { userItem } from '../../../contract/users.js'

export default class UsersAdd extends ApiCommand<typeof UsersAdd> {
  static override summary = 'Add members to the organization (admins)'
  static override description =
    'Targets are emails, as arguments or in a CSV/JSON --file with columns email, name, role. Adding an existing member with another --role changes the role. A name is recorded only for a user new to licctl: a row naming a known user under another name keeps the name on record and says so. Reports per row; exit 6 when some rows failed.'
  static override examples = [
    '<%= config.bin %> orgs users add bob@acme.test carol@acme.test',
    '<%= config.bin %> orgs users add --file staff.csv --dry-run',
    '<%= config.bin %> orgs users add dave@acme.test --role admin',
  ]
  static override strict = false
  static override args = { emails: Args.string({ description: 'emails of the users to add' }) }
  static override flags = {
    ...bulkFlags,
    role: Flags.option({
      options: ['admin', 'member'] as const,
      description: 'role for rows that do not name one',
    })(),
  }

  async run() {
    // The targets first: a usage error is found before the profile is read.
    const source = bulkSource(this.positionals, this.flags.file)
    const client = await this.client()
    const org = await this.org()
    const { runBulk } = await import('../../../cli/bulk/index.js')
    const role = this.flags.role
    process.exitCode = await runBulk(
      {
        target: 'email',
        optional: ['name', 'role'],
        schema: role ? userItem.transform((u) => ({ ...u, role: u.role ?? role })) : userItem,
        verb: 'add users',
        endpoint: client.users.add,
        params: { org },
        describe: describeName,
      },
      source,
      { dryRun: this.flags['dry-run'], ...this.structuredOutput, strict: this.flags.strict },
    )
  }
}

/** A row naming a user already on record under another name: the server kept the one on record. */
function describeName(d: Record<string, unknown>): string | undefined {
  if (typeof d.nameGiven !== 'string') return undefined
  const why = 'their name is shared by every organization they belong to'
  return typeof d.nameOnRecord === 'string'
    ? `the name on record is '${d.nameOnRecord}', not '${d.nameGiven}': adding never renames a user (${why})`
    : `no name on record, and '${d.nameGiven}' is not recorded: adding never names an existing user (${why})`
}
