import { Args, Flags } from '@oclif/core'
import { CorePluginCommand } from '../../cli/core-plugin-command.js'

/** @oclif/plugin-plugins' `plugins link`, with licctl's text (src/cli/core-plugin-command.ts). */
export default class PluginsLink extends CorePluginCommand {
  static override pluginCommand = { plugin: '@oclif/plugin-plugins', id: 'plugins:link' } as const
  static override summary = 'Link a plugin from a folder: its commands run from there, as you edit them'
  static override description =
    'For a plugin you are writing (docs/plugins.md): nothing is published or copied, and a change to its JavaScript takes effect on the next run. Its commands run beside licctl’s own; one with the id of a licctl command (or a core plugin’s) does not replace it: licctl’s runs. Its dependencies are installed first when the folder has a lock file (npm or yarn); --no-install links it as it is. `<%= config.bin %> plugins unlink NAME` removes the link.'
  static override examples = [
    '<%= config.bin %> plugins link ./licctl-plugin-hr',
    '<%= config.bin %> plugins link ./licctl-plugin-hr --no-install',
    '<%= config.bin %> plugins link',
  ]
  static override args = {
    path: Args.string({
      default: '.',
      description: 'the plugin’s folder (the one with its package.json); the current folder if left out',
      name: 'path',
      required: true,
    }),
  }
  static override flags = {
    help: Flags.help({ char: 'h' }),
    install: Flags.boolean({
      allowNo: true,
      default: true,
      description: 'install the plugin’s dependencies (npm or yarn, by its lock file) before linking it',
    }),
    verbose: Flags.boolean({ char: 'v', description: 'show the package manager’s output in full' }),
  }
}
