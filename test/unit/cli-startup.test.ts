import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, ROOT } from '../helpers/e2e.js'

/**
 * Start-up time is mostly module loading (STACK-NOTES: zod, undici and conf cost 2–3× bare Node
 * each). Timings are noisy in CI, so this checks what matters deterministically: which packages a
 * command loads. scripts/bench/startup.js measures the time itself.
 */
const TRACER = `
import { registerHooks } from 'node:module'
import { writeFileSync } from 'node:fs'
const seen = new Set()
const code = new Set()
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context)
    const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(result.url)
    if (m) seen.add(m[1])
    return result
  },
  load(url, context, next) {
    // Resolving a plugin's entry (oclif does, to find its root) is free; loading its code is not.
    const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(url)
    if (m) code.add(m[1])
    return next(url, context)
  },
})
process.on('exit', () => {
  writeFileSync(process.env.LICCTL_TRACE_OUT, JSON.stringify([...seen].sort()))
  writeFileSync(process.env.LICCTL_TRACE_OUT + '.code', JSON.stringify([...code].sort()))
})
`

describe('cli start-up: what each path loads', function () {
  let dir: string
  let tracer: string

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'licctl-startup-'))
    tracer = join(dir, 'trace.mjs')
    writeFileSync(tracer, TRACER)
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  function packagesLoaded(args: string[]): {
    code: number | null
    stdout: string
    packages: string[]
    /** Packages whose JavaScript was loaded (not only their package.json resolved). */
    codeOf: string[]
  } {
    const out = join(dir, `trace-${args.join('-').replace(/\W+/g, '_')}.json`)
    const res = spawnSync(process.execPath, ['--import', tracer, BIN, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        LICCTL_TRACE_OUT: out,
        LICCTL_CONFIG_DIR: join(dir, 'config'),
        LICCTL_URL: '',
        LICCTL_TOKEN: '',
        LICCTL_ORG: '',
      },
    })
    return {
      code: res.status,
      stdout: res.stdout,
      packages: JSON.parse(readFileSync(out, 'utf8')) as string[],
      codeOf: JSON.parse(readFileSync(out + '.code', 'utf8')) as string[],
    }
  }

  it('--version loads oclif and nothing of ours', () => {
    const res = packagesLoaded(['--version'])
    assert.equal(res.code, 0)
    assert.match(res.stdout, /^licctl\/\d+\.\d+\.\d+ \S+ node-v\d+/)
    const heavy = [
      'zod',
      'undici',
      'conf',
      'ajv',
      'chalk',
      'cli-table3',
      'kysely',
      'fastify',
      'better-sqlite3',
      'pg',
    ]
    assert.deepEqual(
      res.packages.filter((p) => heavy.includes(p)),
      [],
    )
  })

  it('a command that needs no server loads neither zod, undici nor the table renderer for --json', () => {
    const res = packagesLoaded(['orgs', 'profiles', '--json'])
    assert.equal(res.code, 0)
    assert.deepEqual(JSON.parse(res.stdout).profiles, [])
    assert.deepEqual(
      res.packages.filter((p) => ['zod', 'undici', 'chalk', 'cli-table3', 'kysely', 'fastify'].includes(p)),
      [],
    )
  })

  it('a client command loads no server stack, and no HTTP client before it knows where to connect', () => {
    const res = packagesLoaded(['orgs', 'show', '--json'])
    assert.equal(res.code, 4, 'not logged in')
    const unwanted = ['fastify', 'kysely', 'better-sqlite3', 'pg', '@fastify/swagger', 'undici', 'zod']
    assert.deepEqual(
      res.packages.filter((p) => unwanted.includes(p)),
      [],
    )
  })

  it('plugins cost nothing at start-up: neither the plugins nor the autocomplete plugin’s code loads', () => {
    for (const args of [['--version'], ['orgs', 'profiles', '--json']]) {
      const res = packagesLoaded(args)
      assert.equal(res.code, 0)
      assert.deepEqual(
        res.codeOf.filter((p) =>
          ['@oclif/plugin-plugins', '@oclif/plugin-autocomplete', 'npm', 'yarn'].includes(p),
        ),
        [],
        args.join(' '),
      )
    }
  })

  it('--json alone loads neither jq nor the CSV writer; --jq loads jq only', () => {
    const plain = packagesLoaded(['orgs', 'profiles', '--json'])
    assert.deepEqual(
      plain.packages.filter((p) => ['jq-wasm', 'csv-stringify'].includes(p)),
      [],
    )
    const jq = packagesLoaded(['orgs', 'profiles', '--jq', '.profiles | length'])
    assert.equal(jq.code, 0)
    assert.equal(jq.stdout, '0\n')
    assert.ok(jq.packages.includes('jq-wasm'))
    assert.ok(!jq.packages.includes('csv-stringify'))
  })
})
