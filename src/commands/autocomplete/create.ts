import { BaseCommand } from '../../cli/base-command.js'

export default class AutocompleteCreate extends BaseCommand<typeof AutocompleteCreate> {
  static override hidden = true
  static override enableJsonFlag = false
  static override baseFlags = {} as typeof BaseCommand.baseFlags
  static override summary = 'Write the completion scripts (bash, zsh, fish, powershell) into the cache'
  static override description =
    'What `licctl autocomplete` runs, and what runs again when a plugin is installed: @oclif/plugin-autocomplete writes its scripts, then licctl adds profile names and organization slugs to them and writes the fish script.'
  static override examples = [
    '<%= config.bin %> autocomplete create',
    'LICCTL_CACHE_DIR=/tmp/licctl-cache <%= config.bin %> autocomplete create',
  ]

  async run(): Promise<void> {
    const { autocompletePluginCommand, completeCache } = await import('../../cli/completion.js')
    const create = await autocompletePluginCommand(this.config, 'autocomplete:create')
    await create.run([], this.config)
    await completeCache(this.config)
  }
}
