import { Flags } from '@oclif/core'
import { CorePluginCommand } from '../../cli/core-plugin-command.js'

/** @oclif/plugin-plugins' `plugins reset`, with licctl's text (src/cli/core-plugin-command.ts). */
export default class PluginsReset extends CorePluginCommand {
  static override pluginCommand = { plugin: '@oclif/plugin-plugins', id: 'plugins:reset' } as const
  static override summary = 'Remove every plugin installed or linked; the core plugins stay'
  static override description =
    'Lists the plugins it found, then uninstalls or unlinks each one. With --hard it deletes the plugins’ node_modules, package.json and lock files in licctl’s data directory instead, for an install too broken to uninstall. With --reinstall it then installs (or links) the same plugins again: a clean start.'
  static override examples = [
    '<%= config.bin %> plugins reset',
    '<%= config.bin %> plugins reset --reinstall',
    '<%= config.bin %> plugins reset --hard --reinstall',
  ]
  static override flags = {
    hard: Flags.boolean({
      summary: 'delete the plugins’ node_modules, package.json and lock files in the data directory too',
    }),
    reinstall: Flags.boolean({
      summary: 'install (or link) the same plugins again afterwards',
    }),
  }
}
