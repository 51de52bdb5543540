import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../../cli/base-command.js'
import { confirmDestructive } from '../../../cli/prompts.js'

export default class TokensRevoke extends ApiCommand<typeof TokensRevoke> {
  static override summary = 'Revoke a token: it stops working at once'
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
    this.say(
      `Revoked ${token.id}${token.name ? ` (${token.name})` : ''}${token.userEmail ? ` of ${token.userEmail}` : ''}.`,
    )
    return token
  }
}
