import { Help } from '@oclif/core/help'
import { redactTokens } from '../domain/redact.js'
import { escapeControls } from './errors.js'

/**
 * oclif's help, except that "Command … not found." quotes the words with their control characters
 * escaped and a pasted token redacted (no command has either, so this changes nothing else).
 */
export default class LicctlHelp extends Help {
  override async showHelp(argv: string[]): Promise<void> {
    return super.showHelp(argv.map((word) => escapeControls(redactTokens(word))))
  }
}
