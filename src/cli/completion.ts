import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from '@oclif/core'
import type { ValueKind } from './completion-values.js'
import { byteOrder } from '../domain/text-order.js'

/**
 * Shell completion. @oclif/plugin-autocomplete writes the bash, zsh and PowerShell scripts into
 * oclif's cache directory (`licctl autocomplete`); it knows commands and flags, but not the values
 * only the user's machine knows. This adds them to its bash and zsh scripts, and writes a fish
 * script the plugin does not have. Values come from `licctl __complete <kind>` (bin/run.js answers
 * it without loading oclif), so a TAB costs a bare Node start, not a command's.
 */

/** Which flags and (first) arguments complete from `licctl __complete <kind>`. */
export const VALUE_COMPLETIONS: {
  flags: Readonly<Record<string, ValueKind>>
  args: Readonly<Record<string, ValueKind>>
} = {
  /** By flag name, on every command that has it. */
  flags: { org: 'orgs', profile: 'profiles' },
  /** By command id: the command's first argument. */
  args: {
    'orgs:use': 'profiles',
    'orgs:logout': 'profiles',
    'orgs:show': 'orgs',
    'orgs:update': 'orgs',
  },
}

export interface CompletionPaths {
  bash: string
  zsh: string
  fish: string
  fishSetup: string
}

/** Where the plugin writes (its `autocompleteCacheDir`), and the fish files beside them. */
export function completionPaths(config: Pick<Config, 'cacheDir' | 'bin'>): CompletionPaths {
  const dir = join(config.cacheDir, 'autocomplete')
  return {
    bash: join(dir, 'functions', 'bash', `${config.bin}.bash`),
    zsh: join(dir, 'functions', 'zsh', `_${config.bin}`),
    fish: join(dir, 'functions', 'fish', `${config.bin}.fish`),
    fishSetup: join(dir, 'fish_setup'),
  }
}

/** The line for ~/.config/fish/config.fish (`licctl autocomplete script fish`), as the plugin's for bash. */
export function fishSetupLine(config: Pick<Config, 'cacheDir' | 'bin'>): string {
  const envVar = `${config.bin.toUpperCase().replaceAll('-', '_')}_AC_FISH_SETUP_PATH`
  const path = completionPaths(config).fishSetup
  return `set -gx ${envVar} ${fishQuote(path)}; and test -f $${envVar}; and source $${envVar}; # ${config.bin} autocomplete setup`
}

/**
 * After the plugin has written its cache: its bash and zsh scripts learn the values, and the fish
 * script is written. Each step is idempotent (the plugin's files are rewritten from scratch each
 * time, ours are marked).
 */
export async function completeCache(config: Config): Promise<void> {
  const paths = completionPaths(config)
  const bin = config.bin
  const bash = await readFile(paths.bash, 'utf8').catch(() => undefined)
  if (bash !== undefined && !bash.includes(MARK))
    await writeFile(paths.bash, bash.trimEnd() + '\n\n' + bashValues(bin))
  const zsh = await readFile(paths.zsh, 'utf8').catch(() => undefined)
  if (zsh !== undefined && !zsh.includes(MARK)) await writeFile(paths.zsh, zshWithValues(zsh, bin))
  await mkdir(join(paths.fish, '..'), { recursive: true })
  await writeFile(paths.fish, fishScript(config))
  await writeFile(paths.fishSetup, `source ${fishQuote(paths.fish)}\n`)
}

const MARK = '# licctl: values of flags and arguments'

/** `case` patterns: `--org) kind=orgs ;;` and `orgs:use|orgs:logout) kind=profiles ;;`. */
function casePatterns(table: Readonly<Record<string, ValueKind>>, prefix = ''): string[] {
  const byKind = new Map<ValueKind, string[]>()
  for (const [key, kind] of Object.entries(table))
    byKind.set(kind, [...(byKind.get(kind) ?? []), prefix + key])
  return [...byKind].map(([kind, keys]) => `${keys.join('|')}) kind=${kind} ;;`)
}

/**
 * Wraps the plugin's `_<bin>_autocomplete`: after a value flag (`--org <TAB>`, `--org=<TAB>`) or at
 * the first argument of a command in the table, the values; anything else, the plugin's answer.
 */
export function bashValues(bin: string): string {
  const fn = `__${bin.replaceAll('-', '_')}_values`
  return `${MARK} (profile names, organization slugs), from \`${bin} __complete\`
${fn}()
{
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" kind="" id="" word i
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  # --org=<TAB>: bash splits the word at '='.
  if [[ "$cur" == "=" ]]; then cur=""
  elif [[ "$prev" == "=" ]] && (( COMP_CWORD > 1 )); then prev="\${COMP_WORDS[COMP_CWORD-2]}"
  fi
  case "$prev" in
    ${casePatterns(VALUE_COMPLETIONS.flags, '--').join('\n    ')}
  esac
  if [[ -z "$kind" && "$cur" != -* ]]; then
    for (( i = 1; i < COMP_CWORD; i++ )); do
      word="\${COMP_WORDS[i]}"
      [[ "$word" == -* ]] && break
      id="\${id:+$id:}$word"
    done
    case "$id" in
      ${casePatterns(VALUE_COMPLETIONS.args).join('\n      ')}
    esac
  fi
  if [[ -n "$kind" ]]; then
    local IFS=$'\\n'
    COMPREPLY=($(compgen -W "$(${bin} __complete "$kind" 2>/dev/null)" -- "$cur"))
    return 0
  fi
  _${bin}_autocomplete
}
complete -F ${fn} ${bin}
`
}

/**
 * The plugin's zsh file defines `_<bin>` and calls it on first load. The call is replaced by a
 * wrapper that offers the values where they apply and leaves the rest to the plugin's function.
 */
export function zshWithValues(script: string, bin: string): string {
  const fn = `__${bin.replaceAll('-', '_')}_values`
  const call = `\n_${bin}\n`
  const body = script.endsWith(call) ? script.slice(0, -call.length + 1) : script.trimEnd() + '\n'
  return `${body}
${MARK} (profile names, organization slugs), from \`${bin} __complete\`
${fn}() {
  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]} kind= id= word
  if [[ $cur == --*=* ]]; then
    prev=\${cur%%=*}
    compset -P '*='
  elif [[ $cur == -* ]]; then
    return 1
  fi
  case $prev in
    ${casePatterns(VALUE_COMPLETIONS.flags, '--').join('\n    ')}
  esac
  if [[ -z $kind && $cur != -* ]]; then
    for word in \${words[2,CURRENT-1]}; do
      [[ $word == -* ]] && break
      id=\${id:+$id:}$word
    done
    case $id in
      ${casePatterns(VALUE_COMPLETIONS.args).join('\n      ')}
    esac
  fi
  [[ -n $kind ]] || return 1
  local -a values
  values=(\${(f)"$(${bin} __complete $kind 2>/dev/null)"})
  compadd -a values
  return 0
}
functions[__${bin.replaceAll('-', '_')}_oclif]=$functions[_${bin}]
_${bin}() {
  ${fn} || __${bin.replaceAll('-', '_')}_oclif "$@"
}

_${bin} "$@"
`
}

interface CommandModel {
  id: string
  summary: string
  flags: Array<{
    name: string
    char?: string | undefined
    type: 'boolean' | 'option'
    options?: readonly string[] | undefined
    allowNo?: boolean | undefined
    summary: string
  }>
  args: string[]
}

/** The visible commands and topics, from the loaded config (the manifest: no command is loaded). */
function commandsOf(config: Config): { commands: CommandModel[]; topics: Map<string, string> } {
  const firstLine = (text: string | undefined) =>
    (text ?? '').replaceAll('<%= config.bin %>', config.bin).split('\n')[0]!.trim()
  const commands = config.commands
    .filter((c) => !c.hidden)
    .map((c) => ({
      id: c.id,
      summary: firstLine(c.summary ?? c.description),
      flags: Object.entries(c.flags ?? {})
        .filter(([, f]) => !f.hidden)
        .map(([name, f]) => ({
          name,
          char: f.char,
          type: f.type,
          options: f.type === 'option' ? f.options : undefined,
          allowNo: f.type === 'boolean' ? f.allowNo : undefined,
          summary: firstLine(f.summary ?? f.description),
        })),
      args: Object.keys(c.args ?? {}),
    }))
    .sort((a, b) => byteOrder(a.id, b.id))
  const topics = new Map<string, string>()
  for (const t of config.topics) if (!t.hidden) topics.set(t.name, firstLine(t.description))
  return { commands, topics }
}

/** A word in fish single quotes. */
function fishQuote(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

/**
 * The fish script: one `complete` line per subcommand, flag and value, each guarded by the command
 * typed so far (`__<bin>_at <id>`), which a small function reads from the command line.
 */
export function fishScript(config: Config): string {
  const bin = config.bin
  const p = `__${bin.replaceAll('-', '_')}`
  const { commands, topics } = commandsOf(config)
  const ids = new Set<string>()
  for (const c of commands) {
    const parts = c.id.split(':')
    for (let i = 1; i <= parts.length; i++) ids.add(parts.slice(0, i).join(':'))
  }
  const byId = new Map(commands.map((c) => [c.id, c]))
  const lines: string[] = [
    `# fish completion for ${bin}, written by \`${bin} autocomplete\` from the commands installed now;`,
    `# profile names and organization slugs come from \`${bin} __complete\` on each TAB.`,
    `complete -c ${bin} -e`,
    `complete -c ${bin} -f`,
    `set -g ${p}_ids ${[...ids].sort(byteOrder).join(' ')}`,
    '',
    `# The command typed so far (topic:command) and how many arguments follow it.`,
    `function ${p}_state`,
    `    set -l words (commandline -opc)`,
    `    set -e words[1]`,
    `    set -l id`,
    `    set -l nargs 0`,
    `    set -l in_command 1`,
    `    for word in $words`,
    `        if test $in_command = 1; and not string match -q -- '-*' $word`,
    `            set -l next (string join : $id $word)`,
    `            if contains -- $next $${p}_ids`,
    `                set id $next`,
    `                continue`,
    `            end`,
    `        end`,
    `        set in_command 0`,
    `        string match -q -- '-*' $word; or set nargs (math $nargs + 1)`,
    `    end`,
    `    echo (string join : $id)`,
    `    echo $nargs`,
    `end`,
    `function ${p}_at --argument-names id`,
    `    set -l state (${p}_state)`,
    `    test "$state[1]" = "$id"`,
    `end`,
    `function ${p}_arg --argument-names id n`,
    `    set -l state (${p}_state)`,
    `    test "$state[1]" = "$id"; and test "$state[2]" = (math $n - 1)`,
    `end`,
    '',
    `complete -c ${bin} -l help -d 'Show help for command'`,
  ]
  // Subcommands and topics, under their parent (the top level is '').
  for (const id of [...ids].sort(byteOrder)) {
    const parent = id.includes(':') ? id.slice(0, id.lastIndexOf(':')) : ''
    const word = id.slice(id.lastIndexOf(':') + 1)
    const description = topics.get(id) || byId.get(id)?.summary || ''
    lines.push(
      `complete -c ${bin} -n ${fishQuote(`${p}_arg "${parent}" 1`)} -a ${fishQuote(word)} -d ${fishQuote(description)}`,
    )
  }
  for (const c of commands) {
    const at = `-n ${fishQuote(`${p}_at ${c.id}`)}`
    lines.push('', `# ${c.id.replaceAll(':', ' ')}`)
    for (const f of c.flags) {
      const kind = VALUE_COMPLETIONS.flags[f.name]
      let spec = `-l ${f.name}`
      if (f.char) spec += ` -s ${f.char}`
      if (f.type === 'option') {
        if (kind) spec += ` -x -a ${fishQuote(`(${bin} __complete ${kind} 2>/dev/null)`)}`
        else if (f.options?.length) spec += ` -x -a ${fishQuote(f.options.join(' '))}`
        else spec += ' -r -F'
      }
      lines.push(`complete -c ${bin} ${at} ${spec} -d ${fishQuote(f.summary)}`)
      if (f.allowNo) lines.push(`complete -c ${bin} ${at} -l no-${f.name} -d ${fishQuote(f.summary)}`)
    }
    const kind = VALUE_COMPLETIONS.args[c.id]
    if (kind)
      lines.push(
        `complete -c ${bin} -n ${fishQuote(`${p}_arg ${c.id} 1`)} -a ${fishQuote(`(${bin} __complete ${kind} 2>/dev/null)`)} -d ${fishQuote(kind === 'orgs' ? 'organization' : 'profile')}`,
      )
    else if (c.args.some((a) => /file/i.test(a))) lines.push(`complete -c ${bin} ${at} -F`)
  }
  return lines.join('\n') + '\n'
}

/**
 * One of @oclif/plugin-autocomplete's own commands: licctl's `autocomplete` commands take their
 * ids (the CLI's own commands come first), do what the plugin does, then add to its cache.
 */
export async function autocompletePluginCommand(
  config: Config,
  id: 'autocomplete' | 'autocomplete:create' | 'autocomplete:script',
): Promise<{ run(argv: string[], config: Config): Promise<unknown> }> {
  const plugin = config.plugins.get('@oclif/plugin-autocomplete')
  if (!plugin) throw new Error('@oclif/plugin-autocomplete is not installed')
  return plugin.findCommand(id, { must: true })
}
