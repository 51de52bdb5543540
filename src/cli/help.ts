import { Help } from '@oclif/core/help'
import { escapeControls } from './errors.js'

/**
 * oclif's help, except that "Command … not found." quotes the words with their control characters
 * escaped (no command has one, so escaping them changes nothing else).
 */
export default class LicctlHelp extends Help {
  override async showHelp(argv: string[]): Promise<void> {
    return super.showHelp(argv.map((word) => escapeControls(word)))
  }
}
