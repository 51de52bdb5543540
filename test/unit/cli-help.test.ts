import { strict as assert } from 'node:assert'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../helpers/e2e.js'
import { spawnProcessSync } from '../helpers/spawn.js'

interface ManifestCommand {
  summary?: string
  description?: string
  examples?: unknown[]
  flags: Record<string, { description?: string; hidden?: boolean }>
  args?: Record<string, { description?: string }>
}

/** Help is part of the product: every command explains itself, and the README says the same. */
describe('cli help: every command documented, the README current', function () {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
    commands: Record<string, ManifestCommand>
  }

  it('every command has a description, help for each flag and argument, and at least two examples', () => {
    const missing: string[] = []
    for (const [id, cmd] of Object.entries(manifest.commands)) {
      if (!cmd.summary && !cmd.description) missing.push(`${id}: no description`)
      if ((cmd.examples ?? []).length < 2) missing.push(`${id}: ${(cmd.examples ?? []).length} example(s)`)
      for (const [name, flag] of Object.entries(cmd.flags))
        if (!flag.hidden && !flag.description) missing.push(`${id}: --${name} has no help`)
      for (const [name, arg] of Object.entries(cmd.args ?? {}))
        if (!arg.description) missing.push(`${id}: argument ${name} has no help`)
    }
    assert.ok(Object.keys(manifest.commands).length >= 30)
    assert.deepEqual(missing, [])
  })

  it('the README command reference is what `npm run readme` generates now', function () {
    this.timeout(120_000)
    const res = spawnProcessSync(
      'npx',
      ['oclif', 'readme', '--no-aliases', '--no-source-links', '--dry-run'],
      {
        cwd: ROOT,
      },
    )
    assert.equal(res.status, 0, res.stderr)
    const generated = res.stdout
      .split('\n')
      .filter((l) => !/^replacing <!-- \w+ --> in /.test(l))
      .join('\n')
      .trimEnd()
    const committed = readFileSync(join(ROOT, 'README.md'), 'utf8').trimEnd()
    assert.ok(
      generated === committed,
      'README.md is stale: run `npm run build && npm run readme` and commit it',
    )
  })
})
