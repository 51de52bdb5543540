import { strict as assert } from 'node:assert'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Config } from '@oclif/core'
import { VALUE_COMPLETIONS } from '../../src/cli/completion.js'
import { cacheDir, completionValues, orgCachePath, rememberOrgs } from '../../src/cli/completion-values.js'
import { byteOrder } from '../../src/domain/text-order.js'
import commandNotFound from '../../src/hooks/command-not-found.js'
import { ROOT, runCli } from '../helpers/e2e.js'
import { restoreEnv } from '../helpers/env.js'

describe('shell completion: the values and where they come from', function () {
  const saved = { ...process.env }
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'licctl-completion-'))
    process.env.LICCTL_CONFIG_DIR = join(dir, 'config')
    process.env.LICCTL_CACHE_DIR = join(dir, 'cache')
    delete process.env.LICCTL_URL
  })
  afterEach(() => {
    restoreEnv(saved)
    rmSync(dir, { recursive: true, force: true })
  })

  it('the cache directory is oclif’s (where the autocomplete plugin writes), computed without oclif', async () => {
    for (const env of [
      { LICCTL_CACHE_DIR: join(dir, 'explicit') },
      { LICCTL_CACHE_DIR: undefined, XDG_CACHE_HOME: join(dir, 'xdg') },
      { LICCTL_CACHE_DIR: undefined, XDG_CACHE_HOME: undefined, HOME: join(dir, 'home') },
    ]) {
      for (const [k, v] of Object.entries(env))
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      const config = await Config.load(ROOT)
      assert.equal(cacheDir(), config.cacheDir, JSON.stringify(env))
    }
  })

  it('orgs list replaces a server’s slugs, orgs create adds one; servers are kept apart; mode 0600', () => {
    rememberOrgs('http://a.test:8080/', ['globex', 'acme'], true)
    rememberOrgs('http://b.test', ['other'], true)
    rememberOrgs('http://a.test:8080', ['initech'], false)
    assert.deepEqual(JSON.parse(readFileSync(orgCachePath(), 'utf8')), {
      'http://a.test:8080': ['acme', 'globex', 'initech'],
      'http://b.test': ['other'],
    })
    assert.equal(statSync(orgCachePath()).mode & 0o777, 0o600)
    process.env.LICCTL_URL = 'http://a.test:8080/v1'
    assert.deepEqual(completionValues('orgs'), ['acme', 'globex', 'initech'])
    rememberOrgs('http://a.test:8080', ['acme'], true)
    assert.deepEqual(completionValues('orgs'), ['acme'])
  })

  it('the server in use is LICCTL_URL, else the current profile’s; profiles add their organizations', () => {
    rememberOrgs('http://op.test', ['globex'], true)
    assert.deepEqual(completionValues('orgs'), [], 'no profile, no LICCTL_URL: no server')
    const config = join(dir, 'config')
    mkdirSync(config, { recursive: true })
    writeFileSync(
      join(config, 'profiles.json'),
      JSON.stringify({
        current: 'operator',
        profiles: {
          operator: { url: 'http://op.test', token: 't' },
          zeta: { url: 'http://z.test', org: 'zeta', token: 't' },
        },
      }),
    )
    assert.deepEqual(completionValues('orgs'), ['globex', 'zeta'])
    assert.deepEqual(completionValues('profiles'), ['operator', 'zeta'])
  })

  it('a damaged file gives no values rather than an error; what the shell would misread is left out', () => {
    const config = join(dir, 'config')
    mkdirSync(config, { recursive: true })
    writeFileSync(join(config, 'profiles.json'), '{not json')
    assert.deepEqual(completionValues('profiles'), [])
    writeFileSync(
      join(config, 'profiles.json'),
      JSON.stringify({
        profiles: {
          'a b': { url: 'http://x', org: "it's", token: 't' },
          ok: { url: 'http://x', org: 'x\u001b[2J', token: 't' },
        },
      }),
    )
    assert.deepEqual(completionValues('profiles'), ['ok'])
    assert.deepEqual(completionValues('orgs'), [])
  })

  it('every flag and argument in the table exists in the command surface', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { flags: Record<string, unknown>; args: Record<string, unknown> }>
    }
    const commands = Object.values(manifest.commands)
    for (const flag of Object.keys(VALUE_COMPLETIONS.flags))
      assert.ok(
        commands.some((c) => flag in c.flags),
        `--${flag}`,
      )
    for (const id of Object.keys(VALUE_COMPLETIONS.args))
      assert.ok(Object.keys(manifest.commands[id]?.args ?? {}).length > 0, id)
  })

  it('the fish script lists the commands in byte order whatever the locale (Czech sorts ch after h)', async () => {
    const res = await runCli(['autocomplete', 'fish'], {
      env: { LC_ALL: 'cs_CZ.UTF-8', LANG: 'cs_CZ.UTF-8', LICCTL_CACHE_DIR: join(dir, 'cache') },
    })
    assert.equal(res.code, 0, res.stderr)
    const fish = readFileSync(join(dir, 'cache', 'autocomplete', 'functions', 'fish', 'licctl.fish'), 'utf8')
    // One section per command, headed by its words (`# seats checkin`).
    const sections = [...fish.matchAll(/^# ([a-z][a-z-]*(?: [a-z-]+)*)$/gm)].map((m) => m[1]!)
    assert.ok(sections.includes('seats checkin') && sections.includes('seats heartbeat'), sections.join('|'))
    assert.deepEqual(sections, [...sections].sort(byteOrder))
  })
})

describe('command not found: the suggestions', function () {
  it('come nearest first, then in byte order (Zeta before alpha), not a language’s order', async () => {
    const config = {
      bin: 'licctl',
      topics: [],
      commands: ['x:abcd', 'x:abcY'].map((id) => ({ id, hidden: false })),
      findCommand: () => undefined,
    }
    const run = commandNotFound as unknown as (
      this: unknown,
      opts: { id: string; argv: string[]; config: unknown },
    ) => Promise<unknown>
    await assert.rejects(run.call({}, { id: 'x:abcz', argv: [], config }), (err: unknown) => {
      assert.deepEqual((err as { suggestions?: string[] }).suggestions, ['licctl x abcY', 'licctl x abcd'])
      return true
    })
  })
})
