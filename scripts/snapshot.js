#!/usr/bin/env node
// The committed snapshot of the command surface and of each command's --json schema:
//   npm run snapshot            builds, then writes test/snapshots/{commands,json-schemas}.json
//   node scripts/snapshot.js    builds, then only compares (exit 1 on a difference)
// Add --no-build to use dist/ and oclif.manifest.json as they are. test/snapshot.test.ts makes
// the same comparison in `npm test`; review the diff of test/snapshots/ before committing it.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const write = process.argv.includes('--write')
const build = !process.argv.includes('--no-build')

if (build) {
  const res = spawnSync('npm', ['run', 'build', '--silent'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  // tsc reports type errors but still emits; the manifest is what matters here.
  if (!existsSync(join(root, 'oclif.manifest.json'))) process.exit(res.status ?? 1)
}
const manifestPath = join(root, 'oclif.manifest.json')
if (!existsSync(manifestPath)) {
  process.stderr.write('oclif.manifest.json is missing: run `npm run build` first\n')
  process.exit(1)
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
const dist = (file) => pathToFileURL(join(root, 'dist/cli', file)).href
const { commandSurface } = await import(dist('command-surface.js'))
const { jsonOutputs, jsonSchemaSnapshot } = await import(dist('json-schemas.js'))

const ids = Object.keys(manifest.commands).sort()
const unregistered = ids.filter((id) => !(id in jsonOutputs))
const stale = Object.keys(jsonOutputs).filter((id) => !(id in manifest.commands))
const files = {
  'commands.json': commandSurface(manifest),
  'json-schemas.json': jsonSchemaSnapshot(
    Object.fromEntries(Object.entries(jsonOutputs).filter(([id]) => id in manifest.commands)),
  ),
}
const dir = join(root, 'test/snapshots')
let failed = false
for (const [name, value] of Object.entries(files)) {
  const text = JSON.stringify(value, null, 2) + '\n'
  const path = join(dir, name)
  const before = existsSync(path) ? readFileSync(path, 'utf8') : null
  if (before === text) {
    process.stdout.write(`test/snapshots/${name}: unchanged\n`)
  } else if (write) {
    mkdirSync(dir, { recursive: true })
    writeFileSync(path, text)
    process.stdout.write(`test/snapshots/${name}: written (review the diff: git diff test/snapshots)\n`)
  } else {
    process.stdout.write(`test/snapshots/${name}: differs (run \`npm run snapshot\` to update it)\n`)
    failed = true
  }
}
if (unregistered.length > 0) {
  process.stderr.write(
    `These commands have no entry in src/cli/json-schemas.ts (their --json shape, or noJsonOutput('why')):\n` +
      unregistered.map((id) => `  ${id}\n`).join(''),
  )
  failed = true
}
if (stale.length > 0) {
  process.stderr.write(
    `src/cli/json-schemas.ts has entries for commands that do not exist: ${stale.join(', ')}\n`,
  )
  failed = true
}
process.exit(failed ? 1 : 0)
