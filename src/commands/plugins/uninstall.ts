import { Args, Flags } from '@oclif/core'
import { CorePluginCommand } from '../../cli/core-plugin-command.js'

/** @oclif/plugin-plugins' `plugins uninstall` (and unlink, remove), with licctl's text (src/cli/core-plugin-command.ts). */
export default class PluginsUninstall extends CorePluginCommand {
  static override pluginCommand = { plugin: '@oclif/plugin-plugins', id: 'plugins:uninstall' } as const
  static override summary = 'Uninstall a plugin, or unlink a linked one'
  static override description =
    'Its commands are gone from the next run on. `plugins unlink` and `plugins remove` are the same command. Name the plugin as `<%= config.bin %> plugins` lists it; with no name, the plugin in the current folder. The core plugins cannot be removed.'
  static override examples = [
    '<%= config.bin %> plugins uninstall licctl-plugin-hr',
    '<%= config.bin %> plugins unlink licctl-plugin-hr',
    '<%= config.bin %> plugins remove licctl-plugin-hr licctl-plugin-sso',
  ]
  static override aliases = ['plugins:unlink', 'plugins:remove']
  static override strict = false
  static override args = {
    plugin: Args.string({ description: 'the plugin’s name (one or more), as `plugins` lists it' }),
  }
  static override flags = {
    help: Flags.help({ char: 'h' }),
    verbose: Flags.boolean({ char: 'v', description: 'show npm’s output in full' }),
  }
}
