import { Command, Config, type Interfaces } from '@oclif/core'

/** The core plugin (package.json oclif.plugins) and the id of the command a licctl command stands for. */
export interface PluginCommandRef {
  plugin: '@oclif/plugin-help' | '@oclif/plugin-plugins'
  id: string
}

/**
 * A command of a core plugin (`help`, `plugins …`), documented by licctl: the same id, arguments,
 * flags and aliases as the plugin's command, licctl's description and examples. When the root
 * plugin and a core plugin define the same id, oclif keeps the root's (determinePriority in
 * @oclif/core sorts core plugins by their index in oclif.plugins, and the root plugin, not listed
 * there, has index -1), so help, the README and completion show this class's text.
 *
 * Running it runs the plugin's own command, unchanged: the plugin parses the arguments (these
 * declarations are for help only; test/unit/cli-help.test.ts checks they match the plugin's) and
 * does the work. Nothing of the plugin loads before that: this module and the commands that
 * extend it import only @oclif/core, and the plugin's command is found through the config at
 * run time.
 */
export abstract class CorePluginCommand extends Command {
  /** The plugin's command this one stands for. */
  static pluginCommand: PluginCommandRef

  /** Runs the plugin's command (with the same config, so no second load of plugins). */
  static override async run<T extends Command>(
    this: new (argv: string[], config: Config) => T,
    argv: string[] = process.argv.slice(2),
    opts?: Interfaces.LoadOptions,
  ): Promise<ReturnType<T['run']>> {
    const { pluginCommand } = this as unknown as typeof CorePluginCommand
    const config = opts instanceof Config ? opts : await Config.load(opts)
    const command = await corePluginCommand(config, pluginCommand)
    return (await command.run(argv, config)) as ReturnType<T['run']>
  }

  /** Never called: the class-level run above hands the command to the plugin. */
  async run(): Promise<void> {
    throw new Error(`${this.id}: run through ${this.ctor.name}.run()`)
  }
}

/** The plugin's own command class, loaded now. */
export async function corePluginCommand(
  config: Config,
  ref: PluginCommandRef,
): Promise<{ run(argv: string[], config: Config): Promise<unknown> }> {
  const plugin = config.plugins.get(ref.plugin)
  if (!plugin) throw new Error(`${ref.plugin} is not installed`)
  return plugin.findCommand(ref.id, { must: true })
}
