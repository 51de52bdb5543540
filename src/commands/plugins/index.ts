import { Flags } from '@oclif/core'
import { CorePluginCommand } from '../../cli/core-plugin-command.js'

/** @oclif/plugin-plugins' `plugins`, with licctl's text (src/cli/core-plugin-command.ts). */
export default class Plugins extends CorePluginCommand {
  static override pluginCommand = { plugin: '@oclif/plugin-plugins', id: 'plugins' } as const
  static override summary = 'List the plugins installed or linked'
  static override description =
    'One line each: name, version, and for a linked plugin `(link)` and its folder. The core plugins licctl ships with (help, autocomplete, plugins) are left out unless --core. With --json, every plugin, core ones and licctl itself included, as oclif describes it (name, version, type, root, commandIDs, …). Plugins are covered in docs/plugins.md.'
  static override examples = [
    '<%= config.bin %> plugins',
    '<%= config.bin %> plugins --core',
    '<%= config.bin %> plugins --json',
  ]
  static override enableJsonFlag = true
  static override flags = {
    core: Flags.boolean({ description: 'also list the core plugins licctl ships with' }),
  }
}
