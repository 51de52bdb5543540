import { strict as assert } from 'node:assert'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Config, type Command } from '@oclif/core'
import { ROOT } from '../helpers/e2e.js'

/**
 * The guides are copied from, line by line: every `licctl …` command line in a code block of the
 * README (above its generated command reference) and of docs/*.md, and every command's `--help`
 * example, names a command that exists and only flags that command has (its fixed values too).
 * Arguments are not counted: the guides write placeholders (`<id>`, `act_…`, `[--role admin]`).
 * performance.md is left out: it quotes the benchmark scripts' own command lines.
 */

/** A plugin's command that docs/plugins.md shows being added: not licctl's. */
const NOT_LICCTL = new Set(['hr:check'])

/** The words of a shell command line, up to what ends the command (a comment, pipe, redirect, `;`, `&&`). */
function shellWords(line: string): string[] {
  const words: string[] = []
  let word: string | null = null
  let quote: string | null = null
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = null
      else word += ch
    } else if (ch === '"' || ch === "'") {
      quote = ch
      word ??= ''
    } else if (/\s/.test(ch)) {
      if (word !== null) words.push(word)
      word = null
    } else if (word === null && '#|;&<>)`'.includes(ch)) break
    else word = (word ?? '') + ch
  }
  if (word !== null) words.push(word)
  return words
}

/** What is wrong with one `licctl …` command line: an unknown command, flag or fixed value. */
function problems(config: Config, line: string): string[] {
  // The word licctl, not the end of a path or URL before it (`LICCTL_DB=postgres://…/licctl licctl …`).
  const start = /(?:^|\s)licctl /.exec(line)
  if (!start) return [`no licctl command in '${line}'`]
  const words = shellWords(line.slice(start.index + start[0].length))
  let cmd: Command.Loadable | undefined
  let used = 0
  for (let n = Math.min(3, words.length); n >= 1 && !cmd; n--) {
    cmd = config.findCommand(words.slice(0, n).join(':'))
    used = n
  }
  if (!cmd) {
    const topic = words[0] ?? ''
    const id = words.slice(0, 2).join(':')
    return /^[a-z]/.test(topic) && !NOT_LICCTL.has(id)
      ? [`no command '${words.slice(0, 3).join(' ')}'  (${line.trim()})`]
      : []
  }
  const flags = Object.entries(cmd.flags ?? {})
  const byName = new Map<string, (typeof flags)[number][1]>()
  for (const [name, flag] of flags) {
    byName.set(`--${name}`, flag)
    if (flag.type === 'boolean' && flag.allowNo) byName.set(`--no-${name}`, flag)
    if (flag.char) byName.set(`-${flag.char}`, flag)
    for (const alias of flag.aliases ?? []) byName.set(`--${alias}`, flag)
  }
  const found: string[] = []
  for (let i = used; i < words.length; i++) {
    // `[--role admin]`, `[--state active|stale|roaming]`: an optional flag, shown as one.
    const word = words[i]!.replace(/^\[/, '').replace(/\]$/, '')
    if (!/^--?[A-Za-z]/.test(word)) continue
    const [name, inline] = word.split(/=(.*)/s) as [string, string | undefined]
    const flag = byName.get(name)
    if (!flag) {
      found.push(`${cmd.id}: no flag ${name}`)
      continue
    }
    if (flag.type !== 'option' || inline !== undefined) continue
    const value = words[++i]?.replace(/\]$/, '')
    const placeholder = value === undefined || /[<$…|[]/.test(value)
    const options = (flag.options ?? []).map((o) => o.toLowerCase())
    if (!placeholder && options.length > 0 && !options.includes(value.toLowerCase()))
      found.push(`${cmd.id}: ${name} ${value} is not one of ${options.join(', ')}`)
  }
  return found.map((p) => `${p}  (${line.trim()})`)
}

/** The `licctl …` command lines of a guide's code blocks, with where they are. */
function guideCommands(file: string): Array<{ where: string; line: string }> {
  let text = readFileSync(join(ROOT, file), 'utf8')
  // The README's command reference is generated from the commands' help: checked as help below.
  if (file === 'README.md') text = text.slice(0, text.indexOf('<!-- toc -->'))
  const found: Array<{ where: string; line: string }> = []
  let fenced = false
  text.split('\n').forEach((line, i) => {
    if (/^\s*```/.test(line)) fenced = !fenced
    else if (fenced) {
      // A command line (`licctl …`, `$ licctl …`, `LICCTL_TOKEN=… licctl …`, `… | licctl …`), not
      // a line of output that mentions licctl.
      const at = /(?:^\s*|^\s*\$ |^\s*(?:[A-Z_]+=\S+ )+|\| )licctl /.exec(line)
      if (at) found.push({ where: `${file}:${i + 1}`, line: line.slice(at.index) })
    }
  })
  return found
}

describe('docs: every command line in the guides and the help examples runs as written', function () {
  let config: Config
  before(async () => {
    config = await Config.load({ root: ROOT, userPlugins: false })
  })

  it('each `licctl …` line in README.md and docs/*.md names a command and only flags it has', () => {
    const files = [
      'README.md',
      ...readdirSync(join(ROOT, 'docs'))
        .filter((f) => f.endsWith('.md') && f !== 'performance.md')
        .map((f) => `docs/${f}`),
    ]
    const lines = files.flatMap(guideCommands)
    assert.ok(lines.length >= 150, `only ${lines.length} command lines found: is the parsing still right?`)
    assert.deepEqual(
      lines.flatMap(({ where, line }) => problems(config, line).map((p) => `${where}: ${p}`)),
      [],
    )
  })

  it('each command’s --help examples name only flags it has', () => {
    const found = config.commands.flatMap((cmd) =>
      (cmd.examples ?? [])
        .map((e) => (typeof e === 'string' ? e : e.command).replace('<%= config.bin %>', 'licctl'))
        .flatMap((e) => problems(config, e).map((p) => `help of ${cmd.id}: ${p}`)),
    )
    assert.deepEqual(found, [])
  })

  it('finds what it is for: a flag, a value or a command that does not exist', () => {
    assert.deepEqual(problems(config, 'licctl seats release --stael'), [
      'seats:release: no flag --stael  (licctl seats release --stael)',
    ])
    assert.deepEqual(problems(config, 'licctl seats list [--state idle]'), [
      'seats:list: --state idle is not one of active, stale, roaming  (licctl seats list [--state idle])',
    ])
    assert.deepEqual(problems(config, 'licctl seats free ls_1'), [
      "no command 'seats free ls_1'  (licctl seats free ls_1)",
    ])
    assert.deepEqual(problems(config, 'licctl orgs users add --file staff.csv --dry-run   # --nope'), [])
    assert.deepEqual(problems(config, 'licctl devices assign 4711-0001 --prefer Longest -f x.csv'), [])
  })
})
