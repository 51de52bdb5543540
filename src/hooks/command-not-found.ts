import type { Hook } from '@oclif/core'
import { CLIError } from '@oclif/core/errors'
import { quote, terminalSafeJson } from '../cli/errors.js'
import { closest } from '../cli/suggestion.js'
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
    suggestions: nearest(parts, config).map((s) => `${config.bin} ${s}`),
  })
}

/**
 * What the user probably meant, as gh and kubectl suggest it: the commands and topics the words
 * typed begin or are a typo or two from (`seats lst` → `seats list`, `sets` → `seats`), ranked as
 * a mistyped flag's "did you mean" is (`closest`), the longest run of words first (the rest may be
 * arguments), or the help of a topic they named (`seats frob` → `seats --help`); else the
 * top-level help.
 */
function nearest(parts: string[], config: Parameters<Hook<'command_not_found'>>[0]['config']): string[] {
  const topics = new Set(config.topics.filter((t) => !t.hidden).map((t) => t.name))
  const names = [...config.commands.filter((c) => !c.hidden).map((c) => c.id), ...topics]
  for (let n = parts.length; n > 0; n--) {
    const typed = parts.slice(0, n).join(':')
    if (n < parts.length && topics.has(typed)) return [`${typed.replaceAll(':', ' ')} --help`]
    // Names of as many words: `orgs user` is `orgs users`, not also each command under it.
    const close = closest(
      typed,
      names.filter((name) => name.split(':').length === n),
    ).map((name) => name.replaceAll(':', ' '))
    if (close.length > 0) return close
  }
  return ['--help']
}

export default hook
