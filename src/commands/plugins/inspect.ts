import { Args, Flags } from '@oclif/core'
import { CorePluginCommand } from '../../cli/core-plugin-command.js'

/** @oclif/plugin-plugins' `plugins inspect`, with licctl's text (src/cli/core-plugin-command.ts). */
export default class PluginsInspect extends CorePluginCommand {
  static override pluginCommand = { plugin: '@oclif/plugin-plugins', id: 'plugins:inspect' } as const
  static override summary = 'Show where a plugin is installed, its version, its commands and its dependencies'
  static override description =
    'For a plugin that does not do what you expect: which copy licctl loads (`location`), which commands it adds, and the version of each dependency it resolves. `.` is the plugin in the current folder.'
  static override examples = [
    '<%= config.bin %> plugins inspect licctl-plugin-hr',
    '<%= config.bin %> plugins inspect licctl-plugin-hr --verbose',
    '<%= config.bin %> plugins inspect licctl-plugin-hr --json',
  ]
  static override usage = 'plugins inspect PLUGIN...'
  static override enableJsonFlag = true
  static override strict = false
  static override args = {
    plugin: Args.string({
      default: '.',
      description: 'the plugin’s package name (one or more); `.` is the plugin in the current folder',
      required: true,
    }),
  }
  static override flags = {
    help: Flags.help({ char: 'h' }),
    verbose: Flags.boolean({ char: 'v', description: 'show the folder of each dependency too' }),
  }
}
