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
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context)
    const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(result.url)
    if (m) seen.add(m[1])
    return result
  },
})
process.on('exit', () => writeFileSync(process.env.LICCTL_TRACE_OUT, JSON.stringify([...seen].sort())))
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

  function packagesLoaded(args: string[]): { code: number | null; stdout: string; packages: string[] } {
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
})
