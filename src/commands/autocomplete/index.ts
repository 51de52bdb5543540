import { Args, Flags, ux } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'

export default class Autocomplete extends BaseCommand<typeof Autocomplete> {
  static override enableJsonFlag = false
  static override baseFlags = {} as typeof BaseCommand.baseFlags
  static override summary = 'Display autocomplete installation instructions.'
  static override description =
    'Completes commands and flags, and the values only your machine knows: profile names (`orgs use`, `orgs logout`) and organization slugs (`--org`, `orgs show`), from your profiles and the organizations `orgs list` last showed. Through @oclif/plugin-autocomplete for bash, zsh and PowerShell; fish by licctl.'
  static override examples = [
    '<%= config.bin %> autocomplete',
    '<%= config.bin %> autocomplete bash',
    '<%= config.bin %> autocomplete zsh',
    '<%= config.bin %> autocomplete fish',
    '<%= config.bin %> autocomplete powershell',
    '<%= config.bin %> autocomplete --refresh-cache',
  ]
  static override args = {
    shell: Args.string({
      description: 'Shell type',
      options: ['zsh', 'bash', 'fish', 'powershell'],
      required: false,
    }),
  }
  static override flags = {
    'refresh-cache': Flags.boolean({
      char: 'r',
      description: 'Refresh cache (ignores displaying instructions)',
    }),
  }

  async run(): Promise<void> {
    const { autocompletePluginCommand, completeCache, fishSetupLine } =
      await import('../../cli/completion.js')
    const shell = this.args.shell ?? this.config.shell
    if (shell !== 'fish') {
      // The plugin writes its cache and prints its instructions; then its scripts learn the values.
      const index = await autocompletePluginCommand(this.config, 'autocomplete')
      // The shell as parsed (`Zsh` is zsh): the plugin parses again, in its own words and case.
      const argv = [
        ...(this.args.shell ? [this.args.shell] : []),
        ...(this.flags['refresh-cache'] ? ['-r'] : []),
      ]
      await index.run(argv, this.config)
      await completeCache(this.config)
      return
    }
    ux.action.start('Building the autocomplete cache')
    const create = await autocompletePluginCommand(this.config, 'autocomplete:create')
    await create.run([], this.config)
    await completeCache(this.config)
    ux.action.stop()
    if (this.flags['refresh-cache']) return
    const bin = this.config.bin
    this.log(`
Setup Instructions for ${bin.toUpperCase()} CLI Autocomplete ---
==============================================

1) Run this command in your terminal window:

  ${bin} autocomplete script fish >> ~/.config/fish/config.fish; source ~/.config/fish/config.fish

  The line it adds is:

  ${fishSetupLine(this.config)}

2) Start using autocomplete:

  ${bin} <TAB>                  # Command completion
  ${bin} command --<TAB>        # Flag completion
  ${bin} orgs use <TAB>         # Profile names
  ${bin} seats list --org <TAB> # Organization slugs
`)
  }
}
