import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../../cli/base-command.js'
import { atTime } from '../../../cli/output.js'
import { confirmDestructive } from '../../../cli/prompts.js'

export default class TokensRevoke extends ApiCommand<typeof TokensRevoke> {
  static override summary = 'Revoke a token: it stops working at once'
  static override description =
    'Safe to repeat: revoking a token already revoked (by hand, or by its member’s removal) changes nothing and exits 0, saying when it was revoked (--json: the token with its revokedAt, "changed": false). A token id the organization never had exits 5.'
  static override examples = [
    '<%= config.bin %> orgs tokens revoke tok_06h1… --yes',
    '<%= config.bin %> orgs tokens revoke tok_06h1… --yes --json',
  ]
  static override args = {
    id: Args.string({ description: 'token id (see `orgs tokens list`)', required: true }),
  }
  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation', default: false }),
  }

  async run() {
    const client = await this.client()
    const org = await this.org()
    await confirmDestructive(`Revoke token ${this.args.id}? Anything using it stops working.`, this.flags.yes)
    const token = await client.tokens.revoke({ org, id: this.args.id })
    const which = `${token.id}${token.name ? ` (${token.name})` : ''}${token.userEmail ? ` of ${token.userEmail}` : ''}`
    this.say(
      token.changed || token.revokedAt === null
        ? `Revoked ${which}.`
        : `Token ${which} was already revoked (${atTime(token.revokedAt)}): nothing to do.`,
    )
    return token
  }
}
