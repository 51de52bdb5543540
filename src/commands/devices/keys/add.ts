import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../../cli/base-command.js'
import { CliError, UsageError } from '../../../cli/errors.js'

export default class DevicesKeysAdd extends ApiCommand<typeof DevicesKeysAdd> {
  static override summary = 'Add a license key to the organization, with the license terms accepted (admins)'
  static override description =
    'The key is checked here first: a mistyped or swapped character is caught before any request (exit 2, naming the group to re-check when it can). The server then verifies its signature (a forged or altered key: exit 3 invalid_key) and that it was never added before (exit 3 key_already_added). On a terminal the license terms are shown and asked; elsewhere --accept-terms is required (exit 3 terms_not_accepted). Failed additions are rate-limited per token.'
  static override examples = [
    '<%= config.bin %> devices keys add 7K3QX-M9TZ4-0P2VA-HCW8E-R1N5D --accept-terms',
    '<%= config.bin %> devices keys add 7K3QX-M9TZ4-0P2VA-HCW8E-R1N5D',
  ]
  static override args = { key: Args.string({ description: 'the license key', required: true }) }
  static override flags = {
    'accept-terms': Flags.boolean({
      description: 'accept the license terms (required off a terminal)',
      default: false,
    }),
  }

  async run() {
    const { checkKey } = await import('../../../domain/license-key.js')
    const checked = checkKey(this.args.key)
    if (!checked.ok)
      throw new UsageError(checked.message, {
        code: 'key_mistyped',
        ...(checked.group ? { details: { group: checked.group } } : {}),
        hint: 'compare the key with the one you were given, character by character',
      })
    let accepted = this.flags['accept-terms']
    if (!accepted) {
      const { canPrompt } = await import('../../../cli/prompts.js')
      if (!canPrompt())
        throw new CliError(
          'the license terms must be accepted: add --accept-terms (not on a terminal, so no prompt)',
          {
            code: 'terms_not_accepted',
            exitCode: 3,
          },
        )
      const { LICENSE_TERMS } = await import('../../../cli/devices-view.js')
      process.stderr.write(`${LICENSE_TERMS}\n\n`)
      const { confirm } = await import('@inquirer/prompts')
      accepted = await confirm({ message: 'Do you accept the license terms?', default: false })
      if (!accepted)
        throw new CliError('the license terms were not accepted', {
          code: 'terms_not_accepted',
          exitCode: 3,
        })
    }
    const client = await this.client()
    const key = await client.devices.keysAdd(
      { org: await this.org() },
      { key: checked.key, acceptTerms: true },
    )
    const { renderKeys } = await import('../../../cli/devices-view.js')
    this.say(renderKeys([key]))
    return key
  }
}
