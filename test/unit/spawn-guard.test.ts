import { strict as assert } from 'node:assert'
import { ESLint } from 'eslint'
import { ROOT } from '../helpers/e2e.js'

/**
 * The secret scan reads what test/helpers/spawn.ts hands it, so a test that started the CLI or a
 * server by itself would escape it. The guard is the lint rule on test/ in eslint.config.js: no
 * file but spawn.ts may load child_process (or a package that spawns), and `npm run lint` holds the
 * tree to it. This test proves the rule is there and fires, on the ways one would write such a test.
 */
describe('tests start processes only through test/helpers/spawn.ts (the lint rule)', function () {
  this.timeout(60_000)
  const eslint = new ESLint({ cwd: ROOT })
  const RULES = ['@typescript-eslint/no-restricted-imports', 'no-restricted-syntax']

  async function findings(code: string, filePath: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: `${ROOT}/${filePath}` })
    return result!.messages.filter((m) => RULES.includes(m.ruleId ?? '')).map((m) => m.message)
  }

  const bypasses: Array<[string, string, string]> = [
    [
      'spawn of bin/run.js in an e2e test',
      'test/e2e/new-topic.test.ts',
      `import { spawn } from 'node:child_process'
export const child = spawn(process.execPath, ['bin/run.js', 'orgs', 'show'])`,
    ],
    [
      'execFile, without the node: prefix',
      'test/server/x.test.ts',
      `import { execFile } from 'child_process'
execFile('node', ['bin/run.js', 'server', 'start'])`,
    ],
    [
      'fork through a namespace import',
      'test/fault/x.test.ts',
      `import * as cp from 'node:child_process'
cp.fork('bin/run.js', ['seats', 'list'])`,
    ],
    [
      'a dynamic import',
      'test/unit/x.test.ts',
      `export const run = async () => (await import('node:child_process')).spawnSync('node', ['bin/run.js'])`,
    ],
    [
      'require, in a CommonJS helper',
      'test/helpers/x.cjs',
      `const { spawn } = require('child_process')
module.exports = () => spawn('node', ['bin/run.js'])`,
    ],
    [
      'an ES module helper',
      'test/helpers/x.mjs',
      `import { spawn } from 'node:child_process'
export default () => spawn('node', ['bin/run.js'])`,
    ],
    [
      'a spawning package',
      'test/e2e/x.test.ts',
      `import { execa } from 'execa'
export const run = () => execa('node', ['bin/run.js'])`,
    ],
  ]
  for (const [name, file, code] of bypasses)
    it(`fires on ${name}`, async () => {
      const found = await findings(code, file)
      assert.ok(found.length > 0, `no finding for ${file}:\n${code}`)
      assert.match(found[0]!, /test\/helpers\/spawn\.ts/)
    })

  it('leaves alone spawn.ts itself and a type-only import', async () => {
    assert.deepEqual(
      await findings(
        `import { spawn } from 'node:child_process'\nexport const c = spawn('true')`,
        'test/helpers/spawn.ts',
      ),
      [],
    )
    assert.deepEqual(
      await findings(
        `import type { ChildProcess } from 'node:child_process'\nexport let c: ChildProcess | undefined`,
        'test/helpers/e2e.ts',
      ),
      [],
    )
  })
})
