import { Flags } from '@oclif/core'
import { CorePluginCommand } from '../../cli/core-plugin-command.js'

/** @oclif/plugin-plugins' `plugins update`, with licctl's text (src/cli/core-plugin-command.ts). */
export default class PluginsUpdate extends CorePluginCommand {
  static override pluginCommand = { plugin: '@oclif/plugin-plugins', id: 'plugins:update' } as const
  static override summary = 'Update the plugins installed from the registry'
  static override description =
    'Each plugin installed with `plugins install` is updated through npm to the newest version its tag allows (`plugins install name@tag`; `latest` when none was given). Linked plugins are left alone: they run from their folder. With no plugin installed it does nothing.'
  static override examples = [
    '<%= config.bin %> plugins update',
    '<%= config.bin %> plugins update --verbose',
  ]
  static override flags = {
    help: Flags.help({ char: 'h' }),
    verbose: Flags.boolean({ char: 'v', description: 'show npm’s output in full' }),
  }
}
