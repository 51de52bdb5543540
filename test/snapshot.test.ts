import { strict as assert } from 'node:assert'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { commandSurface, type Manifest } from '../src/cli/command-surface.js'
import { jsonOutputs, jsonSchemaSnapshot } from '../src/cli/json-schemas.js'
import { ROOT } from './helpers/e2e.js'

const UPDATE = 'run `npm run snapshot` and review `git diff test/snapshots` before committing.'

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as unknown
}

/** Command ids from the sources (src/commands/orgs/users/add.ts → orgs:users:add). */
function sourceCommandIds(): string[] {
  const dir = join(ROOT, 'src/commands')
  const ids: string[] = []
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
        // oclif names a topic's own command index.ts (autocomplete/index.ts → autocomplete).
        ids.push(
          relative(dir, path)
            .slice(0, -3)
            .split(sep)
            .join(':')
            .replace(/:index$/, ''),
        )
    }
  }
  walk(dir)
  return ids.sort()
}

/** The keys whose values differ between two records, for a message that says where to look. */
function changedKeys(actual: Record<string, unknown>, expected: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(actual), ...Object.keys(expected)])
  return [...keys]
    .filter((k) => JSON.stringify(actual[k]) !== JSON.stringify(expected[k]))
    .map((k) => (!(k in expected) ? `${k} (new)` : !(k in actual) ? `${k} (removed)` : k))
    .sort()
}

describe('snapshot of the command surface and its --json schemas', function () {
  let manifest: Manifest

  before(function () {
    assert.ok(
      existsSync(join(ROOT, 'oclif.manifest.json')),
      'oclif.manifest.json is missing: run `npm run build`',
    )
    manifest = readJson('oclif.manifest.json') as Manifest
  })

  it('reads a manifest that lists exactly the commands in src/commands (else run `npm run build`)', () => {
    assert.deepEqual(
      Object.keys(manifest.commands).sort(),
      sourceCommandIds(),
      'oclif.manifest.json is stale: run `npm run build`',
    )
  })

  it('every command declares its --json shape in src/cli/json-schemas.ts', () => {
    const missing = Object.keys(manifest.commands)
      .filter((id) => !(id in jsonOutputs))
      .sort()
    assert.deepEqual(
      missing,
      [],
      `These commands have no entry in src/cli/json-schemas.ts: ${missing.join(', ')}. ` +
        `Add each one's --json document as a zod schema, or noJsonOutput('why') when it has none; then ${UPDATE}`,
    )
    const stale = Object.keys(jsonOutputs).filter((id) => !(id in manifest.commands))
    assert.deepEqual(
      stale,
      [],
      `src/cli/json-schemas.ts has entries for commands that do not exist: ${stale.join(', ')}`,
    )
  })

  it('matches the committed command surface (test/snapshots/commands.json)', () => {
    const actual = commandSurface(manifest) as Record<string, unknown>
    const expected = readJson('test/snapshots/commands.json') as Record<string, unknown>
    const changed = changedKeys(actual, expected)
    assert.deepEqual(
      changed,
      [],
      `The command surface changed: ${changed.join(', ')}. If that is intended, ${UPDATE}`,
    )
    assert.equal(
      JSON.stringify(actual, null, 2),
      JSON.stringify(expected, null, 2),
      `Commands are in another order: ${UPDATE}`,
    )
  })

  it('matches the committed --json schemas (test/snapshots/json-schemas.json)', () => {
    const registered = Object.fromEntries(
      Object.entries(jsonOutputs).filter(([id]) => id in manifest.commands),
    )
    const actual = jsonSchemaSnapshot(registered) as Record<string, unknown>
    const expected = readJson('test/snapshots/json-schemas.json') as Record<string, unknown>
    const changed = changedKeys(actual, expected)
    assert.deepEqual(
      changed,
      [],
      `The --json output of these commands changed: ${changed.join(', ')}. If that is intended, ${UPDATE}`,
    )
  })

  it('marks commands without a --json flag as having no JSON document, and only those', () => {
    const surface = commandSurface(manifest)
    const mismatched = Object.entries(surface)
      .filter(([id]) => id in jsonOutputs)
      .filter(([id, c]) => c.json === 'none' in jsonOutputs[id]!)
      .map(
        ([id, c]) =>
          `${id} (${c.json ? 'has --json but declares none' : 'has no --json flag but declares a schema'})`,
      )
    assert.deepEqual(mismatched, [])
  })
})
