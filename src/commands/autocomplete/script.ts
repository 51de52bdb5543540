import { Args } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'

export default class AutocompleteScript extends BaseCommand<typeof AutocompleteScript> {
  static override hidden = true
  static override enableJsonFlag = false
  static override baseFlags = {} as typeof BaseCommand.baseFlags
  static override summary = 'Print the line that loads completion, for the shell’s start-up file'
  static override examples = [
    '<%= config.bin %> autocomplete script bash >> ~/.bashrc',
    '<%= config.bin %> autocomplete script fish >> ~/.config/fish/config.fish',
  ]
  static override args = {
    shell: Args.string({
      description: 'Shell type',
      options: ['zsh', 'bash', 'fish', 'powershell'],
      required: false,
    }),
  }

  async run(): Promise<void> {
    const { autocompletePluginCommand, fishSetupLine } = await import('../../cli/completion.js')
    if ((this.args.shell ?? this.config.shell) === 'fish') {
      this.log(fishSetupLine(this.config))
      return
    }
    const script = await autocompletePluginCommand(this.config, 'autocomplete:script')
    // The shell as parsed (`BASH` is bash): the plugin parses again, in its own words and case.
    await script.run(this.args.shell ? [this.args.shell] : [], this.config)
  }
}
