import type { Hook } from '@oclif/core'
import { CLIError } from '@oclif/core/errors'
import { quote } from '../cli/errors.js'
import { redactTokens } from '../domain/redact.js'

/**
 * oclif's own "command … not found" prints the words as typed, control characters included (a
 * pasted escape sequence reaches the terminal). Same message and exit code (2), the words quoted
 * with their control characters escaped, as every licctl message quotes user input, and a token
 * pasted where the command goes redacted (oclif printed it whole).
 */
const hook: Hook<'command_not_found'> = async function ({ id, config }) {
  const words = redactTokens(id.replaceAll(':', ' '))
  throw new CLIError(`command ${quote(words, 80)} not found`, {
    exit: 2,
    suggestions: [`${config.bin} --help`],
  })
}

export default hook
