import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../../cli/base-command.js'
import { atTime } from '../../../cli/output.js'
import { canPrompt, confirmDestructive } from '../../../cli/prompts.js'
import type { TokenInfo } from '../../../contract/tokens.js'

export default class TokensRevoke extends ApiCommand<typeof TokensRevoke> {
  static override summary = 'Revoke a token: it stops working at once'
  static override description =
    'Safe to repeat: revoking a token already revoked (by hand, or by its member’s removal) changes nothing and exits 0, saying when it was revoked (on a terminal without --yes, it is looked up before the question, so nothing is asked) (--json: the token with its revokedAt, "changed": false). A token id the organization never had exits 5.'
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
    const question = `Revoke token ${this.args.id}? Anything using it stops working.`
    const client = await this.client()
    // Off a terminal, a missing --yes is a usage error, found before any request as every other one
    // is (exit 2 whatever the token; with no connection at all, that refusal first).
    if (!this.flags.yes && !canPrompt()) await confirmDestructive(question, false)
    const org = await this.org()
    if (!this.flags.yes) {
      // On a terminal, looked up before asking: a token already revoked is already so (exit 0,
      // below), an unknown one not found (exit 5), with no question about either.
      const current = await client.tokens.show({ org, id: this.args.id })
      if (current.state !== 'revoked') await confirmDestructive(question, false)
    }
    const token = await client.tokens.revoke({ org, id: this.args.id })
    const which = describe(token)
    this.say(
      token.changed || token.revokedAt === null
        ? `Revoked ${which}.`
        : `Token ${which} was already revoked (${atTime(token.revokedAt)}): nothing to do.`,
    )
    return token
  }
}

/** `tok_… (ci) of bob@acme.test`: the id, its name and member when it has them. */
const describe = (token: TokenInfo): string =>
  `${token.id}${token.name ? ` (${token.name})` : ''}${token.userEmail ? ` of ${token.userEmail}` : ''}`
