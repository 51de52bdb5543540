import { Args, Flags } from '@oclif/core'
import { CorePluginCommand } from '../cli/core-plugin-command.js'

/** @oclif/plugin-help's `help`, with licctl's text (src/cli/core-plugin-command.ts). */
export default class Help extends CorePluginCommand {
  static override pluginCommand = { plugin: '@oclif/plugin-help', id: 'help' } as const
  static override summary = 'Display help for licctl, a topic or a command'
  static override description =
    'The same page as `--help`: `<%= config.bin %> help seats list` and `<%= config.bin %> seats list --help` print the same thing. With no command, the topics and the top-level commands; with a topic, its commands. Each command’s page has its flags and examples, as the README’s command reference does.'
  static override examples = [
    '<%= config.bin %> help',
    '<%= config.bin %> help seats',
    '<%= config.bin %> help orgs users add',
    '<%= config.bin %> help --nested-commands',
  ]
  static override strict = false
  static override args = {
    command: Args.string({ description: 'the command (or topic) to show help for', required: false }),
  }
  static override flags = {
    'nested-commands': Flags.boolean({
      char: 'n',
      description: 'with no command: every topic and command on one page, nested and hidden ones included',
    }),
  }
}
