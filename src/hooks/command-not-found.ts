import type { Hook } from '@oclif/core'
import { CLIError } from '@oclif/core/errors'
import { quote, terminalSafeJson } from '../cli/errors.js'
import { redactTokens } from '../domain/redact.js'

/**
 * oclif's own "command … not found" prints the words as typed, control characters included (a
 * pasted escape sequence reaches the terminal). Same message and exit code (2), the words quoted
 * with their control characters escaped, as every licctl message quotes user input, and a token
 * pasted where the command goes redacted (oclif printed it whole).
 */
const hook: Hook<'command_not_found'> = async function ({ id, argv, config }) {
  // With spaces between topics, oclif reads a word after a command that takes no argument as part
  // of the command's name (`seats pools extra`): the command exists, the word is the mistake. It
  // runs, so its parser refuses the word as every command does (`Unexpected argument: extra`, exit
  // 2, as JSON under --json), rather than claiming that `seats pools` does not exist.
  const parts = id.split(':')
  for (let n = parts.length - 1; n > 0; n--) {
    const command = parts.slice(0, n).join(':')
    if (config.findCommand(command)) return config.runCommand(command, [...parts.slice(n), ...(argv ?? [])])
  }
  const words = redactTokens(id.replaceAll(':', ' '))
  const message = `command ${quote(words, 80)} not found`
  // A script asked for JSON: its error is the one JSON line every licctl error is under --json.
  if ((argv ?? []).some((a) => /^--(json|jq)(=|$)/.test(a))) {
    process.stderr.write(terminalSafeJson({ error: { code: 'usage', message } }) + '\n')
    this.exit(2)
  }
  throw new CLIError(message, {
    exit: 2,
    suggestions: [`${config.bin} --help`],
  })
}

export default hook
