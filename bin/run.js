#!/usr/bin/env node
// Fail clearly on an old Node: better-sqlite3 13 segfaults on Node 20 instead of throwing.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 22) || (major === 24 && minor < 15) || major === 23) {
  process.stderr.write(`licctl needs Node.js ^22.22.2 or >=24.15.0; this is ${process.version}.\n`)
  process.exit(1)
}
// `licctl --version` answered before oclif loads (a third of the start-up of any command): the same
// line as oclif's (config.userAgent). WSL, which oclif reports as platform `wsl`, is left to oclif.
let answered = false
if (process.argv[2] === '--version') {
  const { arch, platform, release } = await import('node:os')
  if (!(platform() === 'linux' && /microsoft/i.test(release()))) {
    const { readFileSync } = await import('node:fs')
    const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    const cpu = arch() === 'ia32' ? 'x86' : arch()
    // A reader already gone (`licctl --version | true`) is no error (see dist/cli/stdout.js).
    process.stdout.on('error', (err) => {
      if (err.code !== 'EPIPE') throw err
    })
    process.stdout.write(`${pjson.name}/${pjson.version} ${platform()}-${cpu} node-${process.version}\n`)
    answered = true
  }
}
// `licctl __complete profiles|orgs`: the values shell completion asks for on each TAB (see
// dist/cli/completion.js), answered from two small files without loading oclif.
if (process.argv[2] === '__complete') {
  const { completionValues, isValueKind } = await import('../dist/cli/completion-values.js')
  const kind = process.argv[3]
  if (isValueKind(kind)) {
    process.stdout.on('error', () => {})
    for (const value of completionValues(kind)) process.stdout.write(value + '\n')
  } else process.exitCode = 2
  answered = true
}
if (!answered) {
  // The Node version is checked above, more strictly than @oclif/core's own engines check, which
  // loads semver (47 modules) on every command; skip that one.
  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
  // Colour follows the terminal: oclif's and its plugins' output (ansis) would colour a pipe
  // wherever CI is set. FORCE_COLOR, when the user sets it, still wins.
  if (!process.stdout.isTTY) process.env.FORCE_COLOR ??= '0'
  const { enableCompileCache } = await import('node:module')
  enableCompileCache?.()
  // A reader that stops early (`licctl --help | head -1`) ends the command quietly with exit 0:
  // here, before oclif, so that its own output (help, plugins) is covered as well as ours.
  // oclif, its dependencies, zod and our command-line code come bundled (scripts/bundle.js).
  const { dropOutputWhenStdoutCloses, execute } = await import('../dist/bundle/cli/main.js')
  dropOutputWhenStdoutCloses()
  await execute({ dir: import.meta.url })
}
