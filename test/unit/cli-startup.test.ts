import { strict as assert } from 'node:assert'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Config } from '@oclif/core'
import { SAMPLE_ORG } from '../../scripts/lib/sample-org.js'
import { ROOT } from '../helpers/e2e.js'
import { spawnCli, spawnCliSync } from '../helpers/spawn.js'

/**
 * Start-up time is mostly module loading (STACK-NOTES: zod, undici and conf cost 2–3× bare Node
 * each). Timings are noisy in CI, so this checks what matters deterministically: which packages a
 * command loads. scripts/bench/startup.js measures the time itself.
 */
const TRACER = `
import { registerHooks } from 'node:module'
import { readFileSync, writeFileSync } from 'node:fs'
const seen = new Set()
const code = new Set()
const contracts = new Set()
// The CLI runs from dist/bundle (scripts/bundle.js): a file there stands for the packages and
// contracts it holds, as listed in its contents.json.
let contents
function bundled(url) {
  const m = /^(.*\\/dist\\/bundle\\/)(.+)$/.exec(url)
  if (!m) return []
  contents ??= JSON.parse(readFileSync(new URL(m[1] + 'contents.json'), 'utf8'))
  return contents[m[2]] ?? []
}
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context)
    const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(result.url)
    if (m) seen.add(m[1])
    const c = /\\/dist\\/contract\\/([\\w-]+)\\.js$/.exec(result.url)
    if (c) contracts.add(c[1])
    for (const held of bundled(result.url))
      if (held.startsWith('contract:')) contracts.add(held.slice('contract:'.length))
      else seen.add(held)
    return result
  },
  load(url, context, next) {
    // Resolving a plugin's entry (oclif does, to find its root) is free; loading its code is not.
    const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(url)
    if (m) code.add(m[1])
    for (const held of bundled(url)) if (!held.startsWith('contract:')) code.add(held)
    return next(url, context)
  },
})
process.on('exit', () => {
  writeFileSync(process.env.LICCTL_TRACE_OUT, JSON.stringify([...seen].sort()))
  writeFileSync(process.env.LICCTL_TRACE_OUT + '.code', JSON.stringify([...code].sort()))
  writeFileSync(process.env.LICCTL_TRACE_OUT + '.contracts', JSON.stringify([...contracts].sort()))
  // Node's own public modules the process loaded (internal ones are Node's business).
  const builtins = process.moduleLoadList
    .filter((m) => m.startsWith('NativeModule ') && !m.includes('internal/'))
    .map((m) => m.slice('NativeModule '.length))
  writeFileSync(process.env.LICCTL_TRACE_OUT + '.builtins', JSON.stringify([...new Set(builtins)].sort()))
})
`

/**
 * Node modules a command without a mutation has no use for, which oclif and our code used to load at
 * start-up anyway (scripts/bundle.js): child_process (a Windows shell lookup), perf_hooks
 * (OCLIF_PERFORMANCE), readline (flags from stdin), crypto (hashing tokens, new ids: the server's).
 * Together 12–15 ms of every command on a machine where `node -e 0` takes 30.
 */
const UNUSED_BUILTINS = ['child_process', 'crypto', 'perf_hooks', 'readline', 'worker_threads']

describe('cli start-up: what each path loads', function () {
  let dir: string
  let tracer: string

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'licctl-startup-'))
    tracer = join(dir, 'trace.mjs')
    writeFileSync(tracer, TRACER)
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  function env(out: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      LICCTL_TRACE_OUT: out,
      LICCTL_CONFIG_DIR: join(dir, 'config'),
      LICCTL_CACHE_DIR: join(dir, 'cache'),
      // Where oclif keeps the user's plugins: none here.
      LICCTL_DATA_DIR: join(dir, 'data'),
      LICCTL_URL: '',
      LICCTL_TOKEN: '',
      LICCTL_ORG: '',
      ...extra,
    }
  }

  /** The same, for a command that talks to a server in this process (so the child runs async). */
  async function packagesLoadedAgainst(
    url: string,
    args: string[],
  ): Promise<{
    code: number | null
    stderr: string
    packages: string[]
    contracts: string[]
    builtins: string[]
  }> {
    const out = join(dir, `trace-${args.join('-').replace(/\W+/g, '_')}.json`)
    const child = spawnCli(args, {
      nodeArgs: ['--import', tracer],
      cwd: ROOT,
      env: env(out, { LICCTL_URL: url, LICCTL_TOKEN: 'lic_u_acmeSecretAcmeSecretAcmeSecret00000000' }),
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    return {
      code,
      stderr,
      packages: JSON.parse(readFileSync(out, 'utf8')) as string[],
      contracts: JSON.parse(readFileSync(out + '.contracts', 'utf8')) as string[],
      builtins: JSON.parse(readFileSync(out + '.builtins', 'utf8')) as string[],
    }
  }

  function packagesLoaded(args: string[]): {
    code: number | null
    stdout: string
    packages: string[]
    /** Packages whose JavaScript was loaded (not only their package.json resolved). */
    codeOf: string[]
    builtins: string[]
  } {
    const out = join(dir, `trace-${args.join('-').replace(/\W+/g, '_')}.json`)
    const res = spawnCliSync(args, { nodeArgs: ['--import', tracer], cwd: ROOT, env: env(out) })
    return {
      code: res.status,
      stdout: res.stdout,
      packages: JSON.parse(readFileSync(out, 'utf8')) as string[],
      codeOf: JSON.parse(readFileSync(out + '.code', 'utf8')) as string[],
      builtins: JSON.parse(readFileSync(out + '.builtins', 'utf8')) as string[],
    }
  }

  it('--version prints oclif’s own version line and loads no package at all, not even oclif', async () => {
    const res = packagesLoaded(['--version'])
    assert.equal(res.code, 0)
    const config = await Config.load(ROOT)
    assert.equal(res.stdout, `${config.userAgent}\n`)
    assert.deepEqual(res.packages, [])
  })

  it('--version anywhere but first is still oclif’s (a flag of a command, not the CLI’s version)', () => {
    const res = packagesLoaded(['orgs', 'profiles', '--version'])
    assert.equal(res.code, 2)
    assert.ok(res.packages.includes('@oclif/core'))
  })

  it('--version loads nothing heavy', () => {
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

  it('shell completion’s callback (`__complete`, on every TAB) loads no package at all, not even oclif', () => {
    const config = join(dir, 'config')
    mkdirSync(config, { recursive: true })
    writeFileSync(
      join(config, 'profiles.json'),
      JSON.stringify({
        profiles: { acme: { url: 'http://a.test', org: 'acme', token: 'x' } },
        current: 'acme',
      }),
    )
    try {
      for (const [kind, out] of [
        ['profiles', 'acme\n'],
        ['orgs', 'acme\n'],
      ] as const) {
        const res = packagesLoaded(['__complete', kind])
        assert.equal(res.code, 0)
        assert.equal(res.stdout, out)
        assert.deepEqual(res.packages, [])
      }
    } finally {
      rmSync(config, { recursive: true, force: true })
    }
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

  it('a command that needs no server loads none of the Node modules it does not use', () => {
    const res = packagesLoaded(['orgs', 'profiles', '--json'])
    assert.equal(res.code, 0)
    assert.deepEqual(
      res.builtins.filter((m) => UNUSED_BUILTINS.includes(m) || m === 'http'),
      [],
    )
  })

  it('reading profiles loads neither conf nor its schema machinery (ajv); only writes do', () => {
    const config = join(dir, 'config')
    mkdirSync(config, { recursive: true })
    const profile = {
      url: 'http://a.test',
      org: 'acme',
      token: 'lic_u_acmeSecretAcmeSecretAcmeSecret00000000',
    }
    writeFileSync(
      join(config, 'profiles.json'),
      JSON.stringify({ profiles: { acme: profile }, current: 'acme' }),
    )
    try {
      const res = packagesLoaded(['orgs', 'profiles', '--json'])
      assert.equal(res.code, 0)
      assert.deepEqual(
        (JSON.parse(res.stdout) as { profiles: Array<{ name: string }> }).profiles.map((p) => p.name),
        ['acme'],
      )
      assert.deepEqual(
        res.packages.filter((p) => ['conf', 'ajv', 'ajv-formats', 'semver', 'zod', 'undici'].includes(p)),
        [],
      )
      const use = packagesLoaded(['orgs', 'use', 'acme'])
      assert.equal(use.code, 0)
      assert.ok(use.packages.includes('conf'), 'a write goes through conf (mode 0600, atomic write)')
    } finally {
      rmSync(config, { recursive: true, force: true })
    }
  })

  it('a client command loads no server stack and no undici, even when not logged in', () => {
    const res = packagesLoaded(['orgs', 'show', '--json'])
    assert.equal(res.code, 4, 'not logged in')
    // zod is loaded: not logged in, the command still checks its input against the contract, so that
    // a bad flag or argument is said before "not logged in" (ApiCommand.client).
    assert.ok(res.packages.includes('zod'), res.packages.join(', '))
    const unwanted = ['fastify', 'kysely', 'better-sqlite3', 'pg', '@fastify/swagger', 'undici']
    assert.deepEqual(
      res.packages.filter((p) => unwanted.includes(p)),
      [],
    )
  })

  /** The core plugins' code, and the package managers @oclif/plugin-plugins runs. */
  const PLUGIN_CODE = [
    '@oclif/plugin-plugins',
    '@oclif/plugin-autocomplete',
    '@oclif/plugin-help',
    'npm',
    'yarn',
  ]

  it('plugins cost nothing at start-up: no core plugin’s code loads', () => {
    for (const args of [['--version'], ['orgs', 'profiles', '--json']]) {
      const res = packagesLoaded(args)
      assert.equal(res.code, 0)
      assert.deepEqual(
        res.codeOf.filter((p) => PLUGIN_CODE.includes(p)),
        [],
        args.join(' '),
      )
    }
  })

  // licctl's `help` and `plugins …` commands (src/commands/help.ts, src/commands/plugins/) run the
  // core plugins' commands: the plugin's code loads when one of its commands runs, not for its help.
  it('help for the plugins commands, from the manifest, loads no core plugin’s code', () => {
    for (const args of [
      ['plugins', 'link', '--help'],
      ['plugins', '--help'],
      ['plugins', 'unlink', '--help'],
      ['plugins', 'reset', '--help'],
    ]) {
      const res = packagesLoaded(args)
      assert.equal(res.code, 0, args.join(' '))
      assert.match(res.stdout, /EXAMPLES/, args.join(' '))
      assert.deepEqual(
        res.codeOf.filter((p) => PLUGIN_CODE.includes(p)),
        [],
        args.join(' '),
      )
    }
  })

  it('`help <command>` loads the help plugin only; `plugins` the plugins plugin, not npm or yarn', () => {
    const help = packagesLoaded(['help', 'plugins', 'link'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, /plugins link \.\/licctl-plugin-hr --no-install/)
    assert.deepEqual(
      help.codeOf.filter((p) => PLUGIN_CODE.includes(p)),
      ['@oclif/plugin-help'],
    )
    const list = packagesLoaded(['plugins'])
    assert.equal(list.code, 0)
    assert.equal(list.stdout, 'No plugins installed.\n')
    assert.deepEqual(
      list.codeOf.filter((p) => PLUGIN_CODE.includes(p)),
      ['@oclif/plugin-plugins'],
    )
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

  describe('one command of every topic, with LICCTL_URL and LICCTL_TOKEN set (no profile file)', () => {
    let server: Server
    let url: string
    const paths: string[] = []
    before(async () => {
      // Every request is answered 404 not_found: the command has loaded all it uses by then.
      server = createServer((req, res) => {
        paths.push(`${req.method} ${req.url}`)
        res.writeHead(404, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: { code: 'not_found', message: 'no such thing' } }))
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    })
    after(() => new Promise<void>((resolve) => server.close(() => resolve())))

    // The profile store (conf, ajv) is not needed when the environment says where to go; the
    // server stack never belongs to a client command; output helpers are not needed for --json.
    const NEVER = [
      'conf',
      'ajv',
      'ajv-formats',
      // @oclif/core's own engines check (bin/run.js checks the Node version itself).
      'semver',
      'fastify',
      '@fastify/swagger',
      'kysely',
      'pg',
      'better-sqlite3',
      'chalk',
      'cli-table3',
      'csv-parse',
      '@inquirer/prompts',
      // The client talks HTTP through node:http: undici (its modules, node:http2, WebAssembly) is not loaded.
      'undici',
    ]
    // A topic's contract (its zod schemas) loads when the command uses that topic, not before.
    const TOPIC_CONTRACTS = [
      'orgs',
      'users',
      'tokens',
      'seats',
      'cloud',
      'devices',
      'activations',
      'expiry',
      'explain',
      'meta',
    ]
    for (const [args, path, contracts] of [
      // Members and tokens are contracts of their own: showing an organization builds neither.
      [['orgs', 'show', 'acme', '--json'], 'GET /v1/orgs/acme', ['orgs']],
      [['orgs', 'users', 'list', '--org', 'acme', '--json'], 'GET /v1/orgs/acme/users', ['users']],
      [['seats', 'list', '--org', 'acme', '--json'], 'GET /v1/orgs/acme/seats/leases', ['seats']],
      [['cloud', 'list', '--org', 'acme', '--json'], 'GET /v1/orgs/acme/cloud/addons', ['cloud']],
      [['devices', 'list', '--org', 'acme', '--json'], 'GET /v1/orgs/acme/devices', ['devices']],
      // The activations contract reuses the seats contract's schemas.
      [
        ['activations', 'list', '--org', 'acme', '--json'],
        'GET /v1/orgs/acme/activations/ids',
        ['activations', 'seats'],
      ],
      [['expiry', 'check', '--org', 'acme', '--json'], 'GET /v1/orgs/acme/expiry', ['expiry']],
      [['api', '/orgs/acme'], 'GET /v1/orgs/acme', []],
    ] as const) {
      it(`${args.join(' ')} loads the client and nothing else heavy`, async () => {
        paths.length = 0
        const res = await packagesLoadedAgainst(url, [...args])
        assert.equal(res.code, 5, res.stderr)
        assert.match(res.stderr, /no such thing/)
        assert.equal(paths[0]?.split('?')[0], path)
        // `api` has no --json: its error is written for a person, in colour (chalk) on a terminal.
        const never = (args as readonly string[]).includes('--json')
          ? NEVER
          : NEVER.filter((p) => p !== 'chalk')
        assert.deepEqual(
          res.packages.filter((p) => never.includes(p)),
          [],
        )
        assert.ok(res.packages.includes('zod'), 'the answer is checked against the contract')
        // A read sends no Idempotency-Key: nothing it does needs node:crypto.
        assert.deepEqual(
          res.builtins.filter((m) => UNUSED_BUILTINS.includes(m)),
          [],
          'Node modules the command does not use',
        )
        assert.deepEqual(
          res.contracts.filter((c) => TOPIC_CONTRACTS.includes(c)),
          [...contracts].sort(),
          'only the contracts of the topics the command calls',
        )
      })
    }
  })

  it('a command that succeeds with --json loads no output helper (chalk, cli-table3) either', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(SAMPLE_ORG))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      // orgs show renders its fields (in colour on a terminal) before --json replaces them.
      const res = await packagesLoadedAgainst(url, ['orgs', 'show', 'acme', '--json'])
      assert.equal(res.code, 0, res.stderr)
      assert.ok(res.packages.includes('zod'))
      assert.deepEqual(
        res.packages.filter((p) => ['chalk', 'cli-table3'].includes(p)),
        [],
      )
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  it('a list that succeeds with --json or --output csv never draws its table (cli-table3 is not loaded)', async () => {
    const members = Array.from({ length: 3 }, (_, i) => ({
      email: `m${i}@acme.test`,
      name: `Member ${i}`,
      role: 'member',
      joinedAt: '2026-01-01T00:00:00.000Z',
    }))
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ items: members, nextCursor: null }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      for (const output of [['--json'], ['--json', 'email'], ['--output', 'csv']]) {
        const res = await packagesLoadedAgainst(url, ['orgs', 'users', 'list', '--org', 'acme', ...output])
        assert.equal(res.code, 0, res.stderr)
        assert.deepEqual(
          res.packages.filter((p) => p === 'cli-table3'),
          [],
          `orgs users list ${output.join(' ')}: the table say() drops is not drawn`,
        )
      }
      // Without them the table is drawn, from the same answer.
      const table = await packagesLoadedAgainst(url, ['orgs', 'users', 'list', '--org', 'acme'])
      assert.equal(table.code, 0, table.stderr)
      assert.ok(table.packages.includes('cli-table3'))
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  it('server init loads the storage it writes and nothing of the HTTP server or the client', () => {
    const db = join(dir, 'init.sqlite')
    const res = packagesLoaded(['server', 'init', '--db', db, '--json'])
    assert.equal(res.code, 0, res.stdout)
    assert.ok(res.packages.includes('kysely') && res.packages.includes('better-sqlite3'))
    assert.deepEqual(
      res.packages.filter((p) =>
        ['fastify', '@fastify/swagger', 'pg', 'undici', 'zod', 'conf', 'ajv', 'chalk', 'cli-table3'].includes(
          p,
        ),
      ),
      [],
    )
  })
})
