#!/usr/bin/env node
// `npm run bench`: builds (npm script), then runs every scripts/bench/*.js in name order. Each
// module prints its figures, each as a ratio against a baseline measured in the same run, and
// returns them; a summary table ends the run. `npm run bench -- seats` runs only matching modules.
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const only = process.argv.slice(2)
const files = readdirSync(join(root, 'scripts/bench'))
  .filter((f) => f.endsWith('.js'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
process.stdout.write(`licctl bench — Node ${process.version}, ${new Date().toISOString()}\n`)
const results = []
for (const file of files) {
  process.stdout.write(`\n== ${file} ==\n`)
  const mod = await import(pathToFileURL(join(root, 'scripts/bench', file)).href)
  results.push(await mod.run({ root }))
}
process.stdout.write('\n== summary ==\n')
for (const r of results) {
  for (const [k, v] of Object.entries(r?.figures ?? {})) process.stdout.write(`${r.name}.${k}: ${v}\n`)
}
