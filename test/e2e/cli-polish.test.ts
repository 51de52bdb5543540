import { strict as assert } from 'node:assert'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { E2eServer, jsonError, ROOT, runCli, type CliResult } from '../helpers/e2e.js'
import { runInPty } from '../helpers/pty.js'
import { BIN, runProcess, spawnCli } from '../helpers/spawn.js'

/**
 * Runs the CLI with stdout into a real pipe whose reader goes away after the first chunk, as
 * `licctl … | head -1` does, or before the CLI writes anything (`closeAt: 'start'`, as `licctl … |
 * true`).
 */
function runIntoClosedPipe(
  args: string[],
  env: Record<string, string>,
  closeAt: 'first-chunk' | 'start' = 'first-chunk',
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    if (closeAt === 'start') child.stdout!.destroy()
    else
      child.stdout!.once('data', (d: Buffer) => {
        stdout = d.toString()
        child.stdout!.destroy()
      })
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

describe('e2e: help and other output oclif prints itself, into a pipe that closes early', function () {
  this.timeout(60_000)
  // Help is printed by oclif before any licctl command runs (no base command): `licctl --help | head -1`
  // exited 13 with "Warning: Detected unsettled top-level await".
  for (const args of [
    ['--help'],
    ['orgs', '--help'],
    ['help', 'seats'],
    ['seats', 'provision', '--help'],
    ['plugins', '--help'],
    ['plugins', 'link', '--help'],
    // licctl's `help` command, which runs @oclif/plugin-help's (src/commands/help.ts).
    ['help', 'plugins', 'link'],
    ['autocomplete', '--help'],
  ])
    it(args.join(' '), async () => {
      const res = await runIntoClosedPipe(args, {})
      assert.ok(res.stdout.length > 0)
      assert.equal(res.stderr, '')
      assert.equal(res.code, 0)
    })

  // The reader gone before the first write: `licctl --version` (answered before oclif loads) threw
  // "Unhandled 'error' event … EPIPE" and exited 1.
  for (const args of [['--version'], ['--help'], ['orgs', 'profiles']])
    it(`${args.join(' ')}, the reader gone before the first write`, async () => {
      const res = await runIntoClosedPipe(args, { LICCTL_CONFIG_DIR: '/nonexistent' }, 'start')
      assert.equal(res.stderr, '')
      assert.equal(res.code, 0)
    })
})

describe('e2e: a command that does not exist is named with its control characters escaped', function () {
  this.timeout(60_000)
  const PASTED = `lic_u_${'Q'.repeat(43)}`
  // oclif prints "command … not found" itself (no licctl command runs), and printed the words raw.
  for (const [args, shown] of [
    [['orgs', 'x\u001b[31m'], "command 'orgs x\\x1b[31m' not found"],
    [['help', 'x\u001b[2J'], 'Command x\\x1b[2J not found.'],
    [['x\u0007', '--help'], 'Command x\\x07 not found.'],
    // A token pasted where the command goes is redacted (oclif printed it whole).
    [[PASTED], "command 'lic_u_[REDACTED]' not found"],
    [['orgs', PASTED], "command 'orgs lic_u_[REDACTED]' not found"],
    [['help', PASTED], 'Command lic_u_[REDACTED] not found.'],
    [[PASTED, '--help'], 'Command lic_u_[REDACTED] not found.'],
  ] as const)
    it(JSON.stringify(args), async () => {
      const res = await runCli([...args], { env: { NO_COLOR: '1' } })
      assert.equal(res.code, 2)
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(res.stderr.replaceAll('\n', ''), /[\u0000-\u001f\u007f]/)
      assert.ok(res.stderr.includes(shown), res.stderr)
      assert.ok(!res.stderr.includes(PASTED), res.stderr)
    })
})

describe('e2e: a mistyped command suggests the one meant, as gh and kubectl do', function () {
  this.timeout(60_000)
  for (const [typed, suggested] of [
    [['seats', 'lst'], 'Try this: licctl seats list'],
    [['sets'], 'Try this: licctl seats'],
    [['devices', 'key', 'list'], 'Try this: licctl devices keys list'],
    [['orgs', 'user', 'add', 'bob@acme.test'], 'Try this: licctl orgs users add'],
    // Ranked as a mistyped flag is: a command the words begin, and a topic, not each command in it.
    [['expiry', 'ch'], 'Try this: licctl expiry check'],
    [['orgs', 'user', 'frob'], 'Try this: licctl orgs users'],
    // A topic named right, a command in it unknown: that topic's help, not the top-level one.
    [['seats', 'frobnicate'], 'Try this: licctl seats --help'],
    [['frobnicate'], 'Try this: licctl --help'],
  ] as const)
    it(typed.join(' '), async () => {
      const res = await runCli([...typed], { env: { NO_COLOR: '1' } })
      assert.equal(res.code, 2)
      assert.ok(res.stderr.includes(`command '${typed.join(' ')}' not found`), res.stderr)
      assert.ok(res.stderr.includes(`${suggested}\n`), res.stderr)
    })
})

describe('e2e: a word after a command that takes no argument is an unexpected argument, not an unknown command', function () {
  this.timeout(60_000)
  const env = { NO_COLOR: '1', LICCTL_CONFIG_DIR: '/nonexistent' }

  it('seats pools extra: the command exists; the word is refused as every command refuses it', async () => {
    const res = await runCli(['seats', 'pools', 'extra'], { env })
    assert.equal(res.code, 2)
    assert.equal(res.stdout, '')
    assert.equal(res.stderr, 'Error: Unexpected argument: extra\nSee: licctl seats pools --help\n')
  })

  it('cloud assignments cloud-processing --json: one JSON usage error on stderr', async () => {
    const res = await runCli(['cloud', 'assignments', 'cloud-processing', '--json'], { env })
    assert.equal(res.code, 2)
    assert.equal(res.stdout, '')
    assert.deepEqual(JSON.parse(res.stderr), {
      error: { code: 'usage', message: 'Unexpected argument: cloud-processing' },
    })
  })

  it('a command that does not exist, with --json or --jq: one JSON usage error on stderr', async () => {
    for (const flags of [['--json'], ['--jq', '.items']]) {
      const res = await runCli(['seats', 'nosuch', ...flags], { env })
      assert.equal(res.code, 2)
      assert.equal(res.stdout, '')
      assert.deepEqual(JSON.parse(res.stderr), {
        error: { code: 'usage', message: "command 'seats nosuch' not found" },
      })
    }
  })

  it('orgs users update bob: still a command that does not exist (orgs users takes no argument)', async () => {
    const res = await runCli(['orgs', 'users', 'update', 'bob@acme.test'], { env })
    assert.equal(res.code, 2)
    assert.ok(res.stderr.includes("command 'orgs users update bob@acme.test' not found"), res.stderr)
  })
})

describe('e2e: what a new user trips over', function () {
  this.timeout(120_000)
  let server: E2eServer
  let env: Record<string, string>
  let operator: Record<string, string>

  before(async () => {
    server = await E2eServer.start()
    const admin = await server.createOrg('acme', 'alice@acme.test')
    env = server.env(admin, 'acme')
    operator = { ...server.env(server.operatorToken), LICCTL_ORG: 'acme' }
    const file = join(server.dir, 'users.csv')
    writeFileSync(file, ['email', ...Array.from({ length: 1500 }, (_, i) => `user${i}@acme.test`)].join('\n'))
    const add = await runCli(['orgs', 'users', 'add', '--file', file, '--json'], { env })
    assert.equal(add.code, 0, add.stderr)
  })
  after(async () => server.stop())

  describe('a pipe that closes early ends the command quietly with exit 0', function () {
    for (const args of [
      ['orgs', 'users', 'list', '--json'],
      ['orgs', 'users', 'list'],
      ['orgs', 'users', 'add', '--file', 'FILE', '--json'],
      ['orgs', 'users', 'add', '--file', 'FILE'],
    ])
      it(args.join(' '), async () => {
        const file = join(server.dir, 'users.csv')
        const res = await runIntoClosedPipe(
          args.map((a) => (a === 'FILE' ? file : a)),
          env,
        )
        assert.ok(res.stdout.length > 0)
        assert.equal(res.stderr, '')
        assert.equal(res.code, 0)
      })
  })

  it('a flag or argument with options takes them in any case, as api -X does; an unknown one lists them', async () => {
    const provision = ['activations', 'provision', 'any-case', '--seats', '2', '--expires', '30d', '--json']
    const cc = await runCli([...provision, '--type', 'cc'], { env: operator })
    assert.equal(cc.code, 0, cc.stderr)
    assert.equal(JSON.parse(cc.stdout).type, 'CC')
    for (const [typed, role] of [
      ['Admin', 'admin'],
      ['MEMBER', 'member'],
    ]) {
      const set = await runCli(['orgs', 'users', 'set-role', 'user1499@acme.test', typed!, '--json'], { env })
      assert.equal(set.code, 0, set.stderr)
      assert.equal(JSON.parse(set.stdout).role, role)
    }
    const unknown = await runCli([...provision, '--type', 'xx'], { env: operator })
    assert.equal(unknown.code, 2, unknown.stderr)
    assert.deepEqual(jsonError(unknown), {
      code: 'usage',
      message: "--type: expected one of NL, CC, got 'xx'",
    })
  })

  describe('flags are checked by the CLI and named, never the server’s “body.x: Invalid input”', function () {
    const cases: Array<[string[], string]> = [
      [
        ['seats', 'provision', 'cad', '--seats', String(2n ** 70n), '--expires', '2027-12-31'],
        "--seats must be between 1 and 1000000, got '1180591620717411303424'",
      ],
      [
        ['seats', 'provision', 'cad', '--seats', '5', '--expires', '2024-02-30'],
        "--expires: not a real calendar date, got '2024-02-30'",
      ],
      [
        ['seats', 'provision', 'cad', '--seats', '5', '--expires', 'tomorrowish'],
        "--expires: expected a date like 2027-12-31, an instant with its offset or a duration like 90d, got 'tomorrowish'",
      ],
      [['seats', 'update', 'cad', '--add-seats', '0'], "--add-seats must be between 1 and 1000000, got '0'"],
      [
        ['seats', 'update', 'cad', '--expires', '2023-02-29'],
        "--expires: not a real calendar date, got '2023-02-29'",
      ],
      [
        ['cloud', 'provision', 'cp', '--name', 'CP', '--total', '1000001', '--expires', '2027-12-31'],
        "--total must be between 1 and 1000000, got '1000001'",
      ],
      [['cloud', 'update', 'cp', '--total', '-1'], "--total must be between 0 and 1000000, got '-1'"],
      [
        ['cloud', 'update', 'cp', '--expires', 'next year'],
        "--expires: expected a date like 2027-12-31, an instant with its offset or a duration like 90d, got 'next year'",
      ],
      [
        ['seats', 'checkout', 'cad', '--roam-until', 'friday'],
        "--roam-until: expected a date like 2027-12-31, an instant with its offset or a duration like 90d, got 'friday'",
      ],
      [['orgs', 'audit', '--since', '2026-13-01'], "--since: not a real calendar date, got '2026-13-01'"],
      [['orgs', 'audit', '--limit', '0'], "--limit must be between 1 and 100000, got '0'"],
      [
        ['seats', 'stuck', '--idle', 'a while'],
        "--idle: expected a duration like 90s, 15m, 2h or 14d, got 'a while'",
      ],
      [
        [
          'activations',
          'provision',
          'cad',
          '--type',
          'NL',
          '--seats',
          String(2n ** 70n),
          '--expires',
          '2027-12-31',
        ],
        "--seats must be between 1 and 1000000, got '1180591620717411303424'",
      ],
      [
        ['activations', 'provision', 'cad', '--type', 'NL', '--seats', '5', '--expires', '2024-02-30'],
        "--expires: not a real calendar date, got '2024-02-30'",
      ],
      [
        ['activations', 'generate', 'cad', '--quantity', '1000001'],
        "--quantity must be between 1 and 1000000, got '1000001'",
      ],
      [
        ['activations', 'split', 'ID', '--quantity', '0'],
        "--quantity must be between 1 and 1000000, got '0'",
      ],
      [['activations', 'resize', 'ID', '--quantity', '1e3'], "--quantity: not a whole number, got '1e3'"],
      [
        ['activations', 'activate', 'ID', '--host', 'h', '--seats', String(2n ** 70n)],
        "--seats must be between 1 and 1000000, got '1180591620717411303424'",
      ],
      [
        ['expiry', 'check', '--within', 'a month'],
        "--within: expected a duration like 30d, 2w or 12h, got 'a month'",
      ],
      [
        ['expiry', 'check', '--fail-within', '7 days'],
        "--fail-within: expected a duration like 30d, 2w or 12h, got '7 days'",
      ],
      [
        ['orgs', 'tokens', 'create', '--expires', 'x\u001b[31mred\u0007'],
        "--expires: expected a date like 2027-12-31, an instant with its offset or a duration like 90d, got 'x\\x1b[31mred\\x07'",
      ],
      // Times licctl cannot store or show: refused by the CLI, naming the flag, before any request.
      [
        ['cloud', 'provision', 'x', '--name', 'X', '--total', '1', '--expires', '9999-12-31'],
        "--expires: after 9999-12-29, the latest date licctl accepts, got '9999-12-31'",
      ],
      [
        ['orgs', 'tokens', 'create', '--name', 'x', '--expires', '9999-12-31'],
        "--expires: after 9999-12-29, the latest date licctl accepts, got '9999-12-31'",
      ],
      [
        ['seats', 'provision', 'big', '--seats', '1', '--expires', '9999-12-31'],
        "--expires: after 9999-12-29, the latest date licctl accepts, got '9999-12-31'",
      ],
      [
        ['seats', 'provision', 'big', '--seats', '1', '--expires', '9999-12-31T23:00:00-05:00'],
        "--expires: after 9999-12-31T00:00:00Z, the latest time licctl stores, got '9999-12-31T23:00:00-05:00'",
      ],
      [
        ['cloud', 'provision', 'x', '--name', 'X', '--total', '1', '--expires', '99999999999d'],
        "--expires: longer than any time licctl stores (at most 2932896d), got '99999999999d'",
      ],
      [
        ['cloud', 'provision', 'x', '--name', 'X', '--total', '1', '--expires', '3000000d'],
        "--expires: longer than any time licctl stores (at most 2932896d), got '3000000d'",
      ],
      [
        ['seats', 'update', 'cad', '--expires', '99999999999d'],
        "--expires: longer than any time licctl stores (at most 2932896d), got '99999999999d'",
      ],
      [
        ['orgs', 'tokens', 'create', '--expires', '99999999999d'],
        "--expires: longer than any time licctl stores (at most 2932896d), got '99999999999d'",
      ],
      [
        [
          'devices',
          'keys',
          'issue',
          '--category',
          'router',
          '--term',
          '1y',
          '--count',
          '1',
          '--expires',
          '99999999999d',
        ],
        "--expires: longer than any time licctl stores (at most 2932896d), got '99999999999d'",
      ],
      [
        ['orgs', 'audit', '--since', '99999999999d'],
        "--since: longer than any time licctl stores (at most 2932896d), got '99999999999d'",
      ],
      [
        ['orgs', 'audit', '--since', '1180591620717411303424d'],
        "--since: longer than any time licctl stores (at most 2932896d), got '1180591620717411303424d'",
      ],
      [
        ['seats', 'checkout', 'cad-pro', '--host', 'hx', '--roam-until', '99999999999d'],
        "--roam-until: longer than any time licctl stores (at most 2932896d), got '99999999999d'",
      ],
      [
        ['expiry', 'check', '--within', '99999999999d'],
        "--within: longer than any time licctl stores (at most 2932896d), got '99999999999d'",
      ],
      // Numbers and durations with bounds: the contract's, named by the flag.
      [
        ['seats', 'stuck', '--idle', '1180591620717411303424m'],
        "--idle must be between 1s and 36500d, got '1180591620717411303424m'",
      ],
      [
        [
          'seats',
          'provision',
          'cad',
          '--seats',
          '1',
          '--expires',
          '2027-12-31',
          '--lease-ttl',
          '99999999999d',
        ],
        "--lease-ttl must be between 1s and 365d, got '99999999999d'",
      ],
      [
        [
          'seats',
          'provision',
          'cad',
          '--seats',
          '1',
          '--expires',
          '2027-12-31',
          '--max-roaming',
          '1180591620717411303424d',
        ],
        "--max-roaming must be between 1s and 365d, got '1180591620717411303424d'",
      ],
      [
        ['orgs', 'update', '--time-zone', 'Mars/Phobos'],
        "--time-zone: expected an IANA time zone such as Europe/Berlin, got 'Mars/Phobos'",
      ],
      [['expiry', 'check', '--within', '0d'], "--within: expected a duration longer than zero, got '0d'"],
      // The same words for every zero duration, whichever flag reader refuses it.
      [['seats', 'stuck', '--idle', '0s'], "--idle: expected a duration longer than zero, got '0s'"],
      [
        ['seats', 'provision', 'cad', '--seats', '1', '--expires', '0d'],
        "--expires: expected a duration longer than zero, got '0d'",
      ],
      [
        ['expiry', 'check', '--within', '1m'],
        "--within: expected a window of an hour or more (m is minutes; a month is 30d), got '1m'",
      ],
      [['explain', 'ann@acme.test', '--device', ''], '--device: must not be empty'],
      // Not read as left out: the current profile's organization is not the one meant.
      [['activations', 'list', '--org', ''], '--org: must not be empty'],
      [['orgs', 'audit', '--profile', ''], '--profile: must not be empty'],
    ]
    for (const [args, message] of cases)
      it(`${args.slice(0, 2).join(' ')} ${args.slice(2).join(' ')}`, async () => {
        const res = await runCli(args, { env: { ...operator, NO_COLOR: '1' } })
        assert.equal(res.code, 2, res.stderr)
        assert.equal(res.stdout, '')
        assert.equal(res.stderr.split('\n')[0], `Error: ${message}`)
        const json = await runCli([...args, '--json'], { env: operator })
        assert.equal(json.code, 2)
        assert.deepEqual(jsonError(json), { code: 'usage', message })
      })

    // Rules only the server knows (the organization's calendar, the kinds topics register): its
    // refusal names the flag (or the argument) all the same, and keeps its code. An empty argument
    // (a variable that did not expand) is refused before any request, as the server would.
    const serverCases: Array<[string[], string]> = [
      [['devices', 'show', ''], 'SERIAL: must not be empty'],
      [['devices', 'show', '..'], "SERIAL: must not be '..'"],
      [['activations', 'show', ''], 'ID: must not be empty'],
      [['orgs', 'audit', 'show', ''], 'ID: must not be empty'],
      [['explain', ''], 'EMAIL: must not be empty'],
      // A body field an argument gives names the argument, not the API's path (`body.slug`).
      [['orgs', 'create', 'a', '--name', 'A'], 'SLUG: must have at least 2 characters'],
      [
        ['cloud', 'provision', 'x', '--name', 'X', '--total', '1', '--expires', '30d'],
        'ADDON: must have at least 2 characters',
      ],
      [['activations', 'list', '--product', ''], '--product: must not be empty'],
      [
        ['activations', 'show', 'act_nope'],
        "ID: not an activation ID (act_ followed by 26 letters and digits), got 'act_nope'",
      ],
      [
        ['expiry', 'check', '--within', '30d', '--fail-within', '60d'],
        "--fail-within: must not be longer than the window (30d), got '60d'",
      ],
      [
        ['expiry', 'check', '--kind', 'bogus'],
        "--kind: unknown kind 'bogus'; known: activation-id, addon-pool, device-key, device-license, device-pool-license, entitlement, seat-pool, token",
      ],
    ]
    for (const [args, message] of serverCases)
      it(`${args.slice(0, 2).join(' ')} ${args.slice(2).join(' ')} (the server's rule)`, async () => {
        const res = await runCli(args, { env: { ...operator, NO_COLOR: '1' } })
        assert.equal(res.code, 2, res.stderr)
        assert.equal(res.stderr.split('\n')[0], `Error: ${message}`)
        const json = await runCli([...args, '--json'], { env: operator })
        assert.equal(json.code, 2)
        assert.deepEqual(jsonError(json), { code: 'validation_failed', message })
      })

    // What the contract's schema refuses is refused before any request, as the server would say it
    // (validation_failed, exit 2, naming the flag or argument): with a token the server refuses
    // (exit 4) or no server at all (exit 1), the flag is still what the user hears about.
    const contractCases: Array<[string[], string]> = [
      [
        ['seats', 'stuck', '--product', 'Bad Product'],
        "--product: lowercase letters, digits, dots, dashes and underscores, got 'Bad Product'",
      ],
      [['seats', 'checkout', 'cad', '--host', 'ws\u00071'], '--host: must not contain control characters'],
      // A name that would list as another: `Acme` and `Ac\u200bme`.
      [
        ['orgs', 'update', '--name', 'Ac\u200bme'],
        '--name: must not contain invisible characters (U+200B, zero-width)',
      ],
      [
        ['orgs', 'tokens', 'create', '--name', 'ci\u2060deploy'],
        '--name: must not contain invisible characters (U+2060, zero-width)',
      ],
      // An address and a license name are shown as names are: the same characters refused.
      [
        ['orgs', 'update', '--contact-address', 'Main St\u200b 1'],
        '--contact-address: must not contain invisible characters (U+200B, zero-width)',
      ],
      [
        ['orgs', 'create', 'addr-x', '--name', 'Addr', '--contact-address', 'Main St\u00071'],
        '--contact-address: must not contain control characters',
      ],
      [['seats', 'list', '--user', 'bob'], "--user: Invalid email address, got 'bob'"],
      [
        ['seats', 'checkin', 'ls_nope'],
        "LEASE: not a lease id (ls_ followed by 26 letters and digits), got 'ls_nope'",
      ],
      [
        ['orgs', 'update', '--contact-email', 'nobody'],
        "--contact-email: Invalid email address, got 'nobody'",
      ],
      [['orgs', 'create', 'a', '--name', 'A'], 'SLUG: must have at least 2 characters'],
      [['activations', 'list', '--product', ''], '--product: must not be empty'],
      // --clear sends `body.host`; --host, another flag of the command, filters the list.
      [['activations', 'orphans', '--clear', ''], '--clear: must not be empty'],
      // Given but empty is not left out: with another change it was dropped unsaid, alone it was
      // "nothing to update"; --id "" cleared every orphan of the host instead of one.
      [['cloud', 'update', 'cloud-x', '--name', ''], '--name: must not be empty'],
      [['cloud', 'update', 'cloud-x', '--name', '', '--total', '4'], '--name: must not be empty'],
      [
        ['activations', 'orphans', '--clear', 'ws1', '--id', ''],
        "--id: not an activation ID (act_ followed by 26 letters and digits), got ''",
      ],
      // An empty audit filter (a variable that did not expand) would list every entry.
      [['orgs', 'audit', '--actor', ''], '--actor: must not be empty'],
      [['orgs', 'audit', '--action', '', '--all'], '--action: must not be empty'],
      [['orgs', 'audit', '--target', ''], '--target: must not be empty'],
      // Empty (a variable that did not expand) was read as left out: a token for the admin running it
      // (not the member meant), a seat checked out as them, every orphan of the host cleared, and the
      // operator's change dropped without a word.
      [
        ['orgs', 'tokens', 'create', '--name', 'laptop', '--user', ''],
        "--user: Invalid email address, got ''",
      ],
      [['orgs', 'tokens', 'create', '--name', ''], '--name: must not be empty'],
      [['seats', 'checkout', 'cad', '--host', 'ws-1', '--user', ''], "--user: Invalid email address, got ''"],
      [
        ['activations', 'orphans', '--clear', 'ws-1', '--id', ''],
        "--id: not an activation ID (act_ followed by 26 letters and digits), got ''",
      ],
      [['cloud', 'update', 'cloud-processing', '--name', ''], '--name: must not be empty'],
      [['devices', 'categories', 'add', 'router', '--description', ''], '--description: must not be empty'],
      // A global flag is named too: the organization is a path parameter (`params.org`).
      [
        ['activations', 'list', '--org', 'ACME'],
        "--org: lowercase letters, digits and single dashes, got 'ACME'",
      ],
    ]
    it('devices assign --license: a license name refuses what names refuse, the row named, before any request', async () => {
      const message = 'must not contain invisible characters (U+FEFF, zero-width)'
      const args = ['devices', 'assign', 'R-1', '--license', 'R-1\ufeff-1']
      for (const url of [server.url, 'http://127.0.0.1:1']) {
        const refused = { LICCTL_URL: url, LICCTL_ORG: 'acme', LICCTL_TOKEN: 'lic_u_' + 'x'.repeat(43) }
        const res = await runCli(args, { env: { ...refused, NO_COLOR: '1' } })
        assert.equal(res.code, 2, res.stderr)
        assert.equal(
          res.stderr.split('\n')[0],
          `Error: invalid input, nothing was applied: --license: ${message}`,
        )
        const json = await runCli([...args, '--json'], { env: refused })
        assert.equal(json.code, 2)
        assert.deepEqual(jsonError(json), {
          code: 'invalid_input',
          message: `invalid input, nothing was applied: --license: ${message}`,
          details: { errors: [{ row: 1, column: 'license', message }], total: 1 },
        })
      }
    })

    for (const [args, message] of contractCases)
      it(`${args.slice(0, 2).join(' ')} ${args.slice(2).join(' ')} (the contract's schema, before any request)`, async () => {
        for (const url of [server.url, 'http://127.0.0.1:1']) {
          const refused = { LICCTL_URL: url, LICCTL_ORG: 'acme', LICCTL_TOKEN: 'lic_u_' + 'x'.repeat(43) }
          const res = await runCli(args, { env: { ...refused, NO_COLOR: '1' } })
          assert.equal(res.code, 2, res.stderr)
          assert.equal(res.stderr.split('\n')[0], `Error: ${message}`)
          const json = await runCli([...args, '--json'], { env: refused })
          assert.equal(json.code, 2)
          assert.deepEqual(jsonError(json), { code: 'validation_failed', message })
        }
      })
  })

  it('an organization from LICCTL_ORG is refused naming LICCTL_ORG, not a --org that was never given', async () => {
    const env = {
      LICCTL_URL: 'http://127.0.0.1:1',
      LICCTL_ORG: 'ACME',
      LICCTL_TOKEN: 'lic_u_' + 'x'.repeat(43),
    }
    const message = "LICCTL_ORG: lowercase letters, digits and single dashes, got 'ACME'"
    const res = await runCli(['activations', 'list'], { env: { ...env, NO_COLOR: '1' } })
    assert.equal(res.code, 2, res.stderr)
    assert.equal(res.stderr.split('\n')[0], `Error: ${message}`)
    const json = await runCli(['activations', 'list', '--json'], { env })
    assert.deepEqual(jsonError(json), { code: 'validation_failed', message })
    // Given as --org, the flag is named, whatever LICCTL_ORG says.
    const flag = await runCli(['activations', 'list', '--org', 'Bad'], { env: { ...env, NO_COLOR: '1' } })
    assert.equal(
      flag.stderr.split('\n')[0],
      "Error: --org: lowercase letters, digits and single dashes, got 'Bad'",
    )
  })

  it('a binary --file is named, its bytes escaped: no control character reaches the terminal', async () => {
    const file = join(server.dir, 'binary.csv')
    writeFileSync(file, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x1b, 0x5b, 0x32, 0x4a, 0x07, 0x00, 0x0a, 0x01]))
    const res = await runCli(['orgs', 'users', 'add', '--file', file], { env: { ...env, NO_COLOR: '1' } })
    assert.equal(res.code, 2)
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(res.stderr.replace(/\n$/, ''), /[\u0000-\u001f\u007f]/)
    assert.match(res.stderr, /\\x7fELF\\x1b\[2J\\x07\\x00/)
  })

  it('a --file that is not a readable file is an input error naming it (exit 2); a pipe is read whole', async () => {
    // A directory gave node's own "Error: EISDIR: illegal operation on a directory, read", exit 1.
    const res = await runCli(['cloud', 'revoke', 'cloud-processing', '--file', server.dir], {
      env: { ...env, NO_COLOR: '1' },
    })
    assert.equal(res.code, 2)
    assert.equal(res.stderr.split('\n')[0], `Error: cannot read ${server.dir}: it is a directory, not a file`)
    const json = await runCli(['cloud', 'revoke', 'cloud-processing', '--file', server.dir, '--json'], {
      env,
    })
    assert.equal(json.code, 2)
    assert.deepEqual(jsonError(json), {
      code: 'usage',
      message: `cannot read ${server.dir}: it is a directory, not a file`,
    })
    // Process substitution names a pipe: its start was read at offset 0 to tell CSV from JSON
    // ("Error: ESPIPE: invalid seek, read", exit 1).
    const piped = await runProcess(
      'bash',
      [
        '-c',
        `"$0" "$1" orgs users add --dry-run --file <(printf 'email\\nuser1@acme.test\\n')`,
        process.execPath,
        BIN,
      ],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env } },
    )
    assert.equal(piped.stderr, '')
    assert.equal(piped.code, 0)
    assert.deepEqual(piped.stdout.trimEnd().split('\n'), [
      '= already-so  user1@acme.test',
      'Dry run (add users): 0 would change, 1 already so, 0 would fail. Nothing was changed.',
    ])
  })

  describe('"not logged in" says exactly what is missing', function () {
    const empty = () => ({ LICCTL_CONFIG_DIR: join(server.dir, 'no-profiles'), NO_COLOR: '1' })
    it('nothing at all', async () => {
      const res = await runCli(['orgs', 'show'], { env: empty() })
      assert.equal(res.code, 4)
      assert.equal(
        res.stderr.split('\n')[0],
        'Error: not logged in: no profile, and neither LICCTL_URL nor LICCTL_TOKEN is set',
      )
    })
    it('LICCTL_URL without LICCTL_TOKEN', async () => {
      const res = await runCli(['orgs', 'show'], { env: { ...empty(), LICCTL_URL: server.url } })
      assert.equal(res.code, 4)
      assert.equal(
        res.stderr.split('\n')[0],
        'Error: not logged in: LICCTL_URL is set but LICCTL_TOKEN is not, and there is no profile',
      )
    })
    it('LICCTL_TOKEN set but empty (a CI secret that did not expand)', async () => {
      const res = await runCli(['orgs', 'show'], {
        env: { ...empty(), LICCTL_URL: server.url, LICCTL_TOKEN: '' },
      })
      assert.equal(res.code, 4)
      assert.equal(
        res.stderr.split('\n')[0],
        'Error: not logged in: LICCTL_URL is set but LICCTL_TOKEN is empty, and there is no profile',
      )
    })
    it('LICCTL_TOKEN without LICCTL_URL', async () => {
      const res = await runCli(['orgs', 'show', '--json'], { env: { ...empty(), LICCTL_TOKEN: 'lic_u_x' } })
      assert.equal(res.code, 4)
      assert.deepEqual(jsonError(res), {
        code: 'not_logged_in',
        message: 'not logged in: LICCTL_TOKEN is set but LICCTL_URL is not, and there is no profile',
      })
    })
    it('a LICCTL_URL that is not a URL is a usage error naming the variable', async () => {
      const res = await runCli(['orgs', 'show'], {
        env: { ...empty(), LICCTL_URL: 'localhost\u001b:8080', LICCTL_TOKEN: 'lic_u_x' },
      })
      assert.equal(res.code, 2)
      assert.equal(res.stderr.split('\n')[0], "Error: LICCTL_URL: not an http(s) URL: 'localhost\\x1b:8080'")
    })
    it('orgs login --url without http(s):// is a usage error naming the flag, before the token is read', async () => {
      for (const url of ['127.0.0.1:8080', 'ftp://licenses.example.com']) {
        const res = await runCli(['orgs', 'login', '--url', url, '--org', 'acme', '--with-token'], {
          env: empty(),
          input: 'lic_u_x\n',
        })
        assert.equal(res.code, 2, res.stderr)
        assert.deepEqual(res.stderr.split('\n').slice(0, 2), [
          `Error: --url: not an http(s) URL: '${url}'`,
          'Hint: e.g. --url https://licenses.example.com',
        ])
      }
    })
    it('a server URL with a password, a query or a fragment is refused (2), the password never echoed', async () => {
      // The client uses the URL's origin and path only: a password would be stored in the profile
      // and shown by `orgs profiles` for nothing, a query or fragment dropped without a word.
      const cases: Array<[string, string]> = [
        [
          'http://ci:s3cret@licenses.example.com',
          "a server URL holds no user name or password (licctl authenticates with its token), got 'http://***:***@licenses.example.com/'",
        ],
        [
          'https://licenses.example.com/?tenant=acme',
          "a server URL has no query or fragment ('?tenant=acme'), got 'https://licenses.example.com/?tenant=acme'",
        ],
        [
          'https://licenses.example.com#v1',
          "a server URL has no query or fragment ('#v1'), got 'https://licenses.example.com#v1'",
        ],
      ]
      for (const [url, problem] of cases) {
        const login = await runCli(['orgs', 'login', '--url', url, '--org', 'acme', '--with-token'], {
          env: empty(),
          input: 'lic_u_x\n',
        })
        assert.equal(login.code, 2, login.stderr)
        assert.equal(login.stderr.split('\n')[0], `Error: --url: ${problem}`)
        const env = await runCli(['orgs', 'show', '--org', 'acme'], {
          env: { ...empty(), LICCTL_URL: url, LICCTL_TOKEN: 'lic_u_x' },
        })
        assert.equal(env.code, 2, env.stderr)
        assert.equal(env.stderr.split('\n')[0], `Error: LICCTL_URL: ${problem}`)
        for (const res of [login, env]) assert.ok(!res.stderr.includes('s3cret'), res.stderr)
      }
    })
  })

  describe('field selection, --jq and CSV/TSV output', function () {
    it('--json a,b keeps those fields of each item; bare --json keeps all; --json=a works too', async () => {
      const all = await runCli(['orgs', 'users', 'list', '--json'], { env })
      const some = await runCli(['orgs', 'users', 'list', '--json', 'email,role'], { env })
      const one = await runCli(['orgs', 'users', 'list', '--json=email'], { env })
      assert.equal(some.code, 0, some.stderr)
      const first = (r: CliResult) =>
        (JSON.parse(r.stdout) as { items: Array<Record<string, unknown>> }).items[0]
      assert.deepEqual(Object.keys(first(all)!), ['email', 'name', 'role', 'joinedAt'])
      assert.deepEqual(first(some), { email: 'alice@acme.test', role: 'admin' })
      assert.deepEqual(first(one), { email: 'alice@acme.test' })
      const show = await runCli(['orgs', 'show', '--json', 'slug,timeZone'], { env })
      assert.deepEqual(JSON.parse(show.stdout), { slug: 'acme', timeZone: 'UTC' })
    })

    it('a word after --json that is not a field stays an argument (seats list --json cad-pro)', async () => {
      // A pool with no leases: the filter names a pool that exists (an unknown one would be 404).
      const pool = await runCli(
        ['seats', 'provision', 'cad-pro', '--seats', '1', '--expires', '2099-12-31'],
        {
          env: operator,
        },
      )
      assert.equal(pool.code, 0, pool.stderr)
      const res = await runCli(['seats', 'list', '--json', 'cad-pro'], { env })
      assert.equal(res.code, 0, res.stderr)
      assert.deepEqual(JSON.parse(res.stdout), { items: [] })
      const fields = await runCli(['seats', 'list', '--json', 'user'], { env })
      assert.deepEqual(JSON.parse(fields.stdout), { items: [] })
    })

    it('an unknown field is a usage error listing the available ones', async () => {
      const res = await runCli(['orgs', 'users', 'list', '--json', 'email,emial'], {
        env: { ...env, NO_COLOR: '1' },
      })
      assert.equal(res.code, 2)
      assert.equal(res.stdout, '')
      assert.deepEqual(jsonError(res), {
        code: 'usage',
        message: "--json: unknown field 'emial'; available: email, name, role, joinedAt",
      })
      // A malformed list is named as one, not taken for an argument.
      const malformed = await runCli(['orgs', 'users', 'list', '--json', 'email,,role'], { env })
      assert.equal(malformed.code, 2)
      assert.deepEqual(jsonError(malformed), {
        code: 'usage',
        message: "--json: expected field names separated by commas, got 'email,,role'",
      })
      const spaced = await runCli(['orgs', 'users', 'list', '--json', 'email, role'], { env })
      assert.equal(spaced.code, 0, spaced.stderr)
      assert.deepEqual(Object.keys(JSON.parse(spaced.stdout).items[0]), ['email', 'role'])
      const seats = await runCli(['seats', 'list', '--json', 'user,hostname'], { env })
      assert.equal(seats.code, 2)
      assert.match(
        jsonError(seats).message,
        /^--json: unknown field 'hostname'; available: id, product, user, host,/,
      )
    })

    it('--jq filters the document (strings raw), and a bad filter is a usage error', async () => {
      const res = await runCli(
        ['orgs', 'users', 'list', '--jq', '[.items[] | select(.role == "admin") | .email][]'],
        {
          env,
        },
      )
      assert.equal(res.code, 0, res.stderr)
      assert.equal(res.stdout, 'alice@acme.test\n')
      const count = await runCli(['orgs', 'users', 'list', '--jq', '.items | length'], { env })
      assert.equal(count.stdout, '1501\n')
      const bad = await runCli(['orgs', 'show', '--jq', '.['], { env })
      assert.equal(bad.code, 2)
      assert.equal(bad.stdout, '')
      assert.match(jsonError(bad).message, /^--jq: syntax error/)
    })

    it('--output csv|tsv prints the list with a header row, and reads back as a bulk --file', async () => {
      const csv = await runCli(['orgs', 'users', 'list', '--output', 'csv', '--json', 'email,role'], { env })
      assert.equal(csv.code, 0, csv.stderr)
      const lines = csv.stdout.split('\n')
      assert.deepEqual(lines.slice(0, 3), ['email,role', 'alice@acme.test,admin', 'user0@acme.test,member'])
      assert.equal(lines.length, 1503)
      const tsv = await runCli(['orgs', 'users', 'list', '--output', 'tsv'], { env })
      assert.match(tsv.stdout.split('\n')[1]!, /^alice@acme\.test\t\tadmin\t\d{4}-\d{2}-\d{2}T/)
      // Round trip: the export of one org is the import of another.
      const globex = await server.createOrg('globex', 'gina@globex.test')
      const file = join(server.dir, 'export.csv')
      writeFileSync(file, csv.stdout)
      const add = await runCli(['orgs', 'users', 'add', '--file', file, '--json'], {
        env: server.env(globex, 'globex'),
      })
      assert.equal(add.code, 0, add.stderr)
      const summary = (JSON.parse(add.stdout) as { summary: { changed: number } }).summary
      assert.equal(summary.changed, 1501)
      const back = await runCli(['orgs', 'users', 'list', '--output', 'csv', '--json', 'email,role'], {
        env: server.env(globex, 'globex'),
      })
      assert.ok(back.stdout.includes('\nalice@acme.test,admin\n'))
      assert.equal(back.stdout.split('\n').length, 1504, 'the 1501 members and globex’s own admin')
    })

    it('--output tsv reads back as a bulk --file: by a .tsv name, by its header under another name, on stdin', async () => {
      // It was read as CSV: 'the header row has no "email" column (it has "email\\tname\\trole\\tjoinedAt")', exit 2.
      const tsv = await runCli(['orgs', 'users', 'list', '--output', 'tsv'], { env })
      assert.equal(tsv.code, 0, tsv.stderr)
      const unchanged = (r: CliResult) => {
        assert.equal(r.code, 0, r.stderr)
        return (JSON.parse(r.stdout) as { summary: object }).summary
      }
      const all = { changed: 0, unchanged: 1501, failed: 0 }
      for (const name of ['export.tsv', 'export.txt']) {
        const file = join(server.dir, name)
        writeFileSync(file, tsv.stdout)
        const add = await runCli(['orgs', 'users', 'add', '--file', file, '--dry-run', '--json'], { env })
        assert.deepEqual(unchanged(add), all, name)
      }
      const stdin = await runCli(['orgs', 'users', 'add', '--file', '-', '--dry-run', '--json'], {
        env,
        input: tsv.stdout,
      })
      assert.deepEqual(unchanged(stdin), all)
    })

    it('--output is only on list commands', async () => {
      const res = await runCli(['orgs', 'show', '--output', 'csv'], { env: { ...env, NO_COLOR: '1' } })
      assert.equal(res.code, 2)
      assert.match(res.stderr, /^Error: Nonexistent flag: --output/)
    })
  })

  describe('plugins', function () {
    it('links a local plugin with `licctl plugins link <dir>` and runs its command', async () => {
      const data = { LICCTL_DATA_DIR: join(server.dir, 'data'), LICCTL_CACHE_DIR: join(server.dir, 'cache') }
      const dir = join(ROOT, 'test/fixtures/plugin-hr')
      const link = await runCli(['plugins', 'link', dir, '--no-install'], { env: { ...env, ...data } })
      assert.equal(link.code, 0, link.stderr)
      const list = await runCli(['plugins'], { env: { ...env, ...data } })
      assert.match(list.stdout, /^licctl-plugin-hr 1\.0\.0 \(link\) /m)
      const hr = join(server.dir, 'hr.txt')
      writeFileSync(hr, 'alice@acme.test\nnew.hire@acme.test\nuser7@acme.test\n')
      const res = await runCli(['hr', 'check', '--file', hr], { env: { ...env, ...data } })
      assert.equal(res.code, 0, res.stderr)
      assert.equal(res.stdout, 'new.hire@acme.test\n')
      const unlink = await runCli(['plugins', 'unlink', 'licctl-plugin-hr'], { env: { ...env, ...data } })
      assert.equal(unlink.code, 0, unlink.stderr)
      const gone = await runCli(['hr', 'check', '--file', hr], { env: { ...env, ...data } })
      assert.notEqual(gone.code, 0)
    })

    // licctl's own `plugins …` and `help` commands (src/commands/plugins/, src/commands/help.ts)
    // take the core plugins' ids: help shows licctl's examples, the plugin's command does the work.
    it('`plugins link --help` and `help plugins link` show licctl’s examples', async () => {
      const dir = join(ROOT, 'test/fixtures/plugin-hr')
      for (const args of [
        ['plugins', 'link', dir, '--help'],
        ['help', 'plugins', 'link'],
      ]) {
        const res = await runCli(args, { env: { NO_COLOR: '1' } })
        assert.equal(res.code, 0, res.stderr)
        assert.match(res.stdout, /^Link a plugin from a folder/, args.join(' '))
        assert.match(
          res.stdout,
          /EXAMPLES\n {2}\$ licctl plugins link \.\/licctl-plugin-hr\n\n {2}\$ licctl plugins link \.\/licctl-plugin-hr --no-install\n/,
          args.join(' '),
        )
        assert.match(res.stdout, /--\[no-\]install +install the plugin’s dependencies/, args.join(' '))
      }
      const unlink = await runCli(['plugins', 'unlink', '--help'], { env: { NO_COLOR: '1' } })
      assert.equal(unlink.code, 0, unlink.stderr)
      assert.match(unlink.stdout, /\$ licctl plugins remove licctl-plugin-hr licctl-plugin-sso/)
      assert.match(unlink.stdout, /ALIASES\n {2}\$ licctl plugins unlink\n {2}\$ licctl plugins remove/)
    })

    it('`plugins inspect`, `remove`, `reset` and `update` run the plugin’s commands, as before', async () => {
      const data = {
        LICCTL_DATA_DIR: join(server.dir, 'data-2'),
        LICCTL_CACHE_DIR: join(server.dir, 'cache-2'),
      }
      const run = (args: string[]) => runCli(args, { env: { ...env, ...data, NO_COLOR: '1' } })
      const dir = join(ROOT, 'test/fixtures/plugin-hr')
      assert.equal((await run(['plugins', 'link', dir, '--no-install'])).code, 0)
      const inspect = await run(['plugins', 'inspect', 'licctl-plugin-hr'])
      assert.equal(inspect.code, 0, inspect.stderr)
      assert.match(inspect.stdout, /location .*plugin-hr\n[\s\S]*commands\n.*hr:check/)
      const json = await run(['plugins', '--json'])
      assert.equal(json.code, 0, json.stderr)
      const listed = JSON.parse(json.stdout) as Array<{ name: string; type: string }>
      assert.deepEqual(listed.map((p) => `${p.name} ${p.type}`).sort(), [
        '@oclif/plugin-autocomplete core',
        '@oclif/plugin-help core',
        '@oclif/plugin-plugins core',
        'licctl core',
        'licctl-plugin-hr link',
      ])
      const core = await run(['plugins', '--core'])
      assert.match(core.stdout, /^@oclif\/plugin-plugins \S+ \(core\)$/m)
      // `remove` is an alias of `uninstall`, as `unlink` is.
      const remove = await run(['plugins', 'remove', 'licctl-plugin-hr'])
      assert.equal(remove.code, 0, remove.stderr)
      assert.equal((await run(['plugins'])).stdout, 'No plugins installed.\n')
      const again = await run(['plugins', 'uninstall', 'licctl-plugin-hr'])
      assert.equal(again.code, 2)
      assert.match(again.stderr, /licctl-plugin-hr is not installed/)
      // reset unlinks every linked plugin; --reinstall links them again.
      assert.equal((await run(['plugins', 'link', dir, '--no-install'])).code, 0)
      const reinstall = await run(['plugins', 'reset', '--reinstall'])
      assert.equal(reinstall.code, 0, reinstall.stderr)
      assert.match(reinstall.stdout, /Unlinked licctl-plugin-hr[\s\S]*Relinked licctl-plugin-hr/)
      assert.match((await run(['plugins'])).stdout, /^licctl-plugin-hr 1\.0\.0 \(link\) /m)
      const reset = await run(['plugins', 'reset'])
      assert.equal(reset.code, 0, reset.stderr)
      assert.match(reset.stdout, /^Found 1 plugin/)
      assert.equal((await run(['plugins'])).stdout, 'No plugins installed.\n')
      // Nothing installed from the registry: nothing to update (and no npm run).
      const update = await run(['plugins', 'update'])
      assert.equal(update.code, 0, update.stderr)
    })
  })

  /* eslint-disable no-control-regex -- these tests look for the terminal's escape codes */
  describe('on a terminal: tables fit, dates are relative, colours go by state', function () {
    const ESC = '\u001b['
    before(async () => {
      const in10days = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10)
      for (const [product, expires] of [
        ['far', '2099-12-31'],
        ['soon', in10days],
      ]) {
        const res = await runCli(['seats', 'provision', product!, '--seats', '3', '--expires', expires!], {
          env: operator,
        })
        assert.equal(res.code, 0, res.stderr)
      }
    })

    it('expiring pools are yellow with how long is left; far ones plain; JSON and pipes keep dates', async () => {
      const tty = await runInPty(['seats', 'pools'], { env: { ...env, NO_COLOR: undefined, COLUMNS: '200' } })
      assert.equal(tty.code, 0, tty.stdout)
      const soon = tty.stdout.split('\n').find((l) => l.includes('soon'))!
      assert.match(soon, /\u001b\[33m\d{4}-\d{2}-\d{2} \(ends in (10|11) days\)/)
      const far = tty.stdout.split('\n').find((l) => l.includes('far'))!
      assert.match(far, /2099-12-31 \(ends in \d+ years\)/)
      assert.ok(!far.includes(`${ESC}33m`) && !far.includes(`${ESC}31m`))
      const noColor = await runInPty(['seats', 'pools'], { env: { ...env, NO_COLOR: '1', COLUMNS: '200' } })
      assert.ok(!noColor.stdout.includes(ESC))
      assert.match(noColor.stdout, /\(ends in (10|11) days\)/)
      const piped = await runCli(['seats', 'pools'], { env })
      assert.ok(!piped.stdout.includes(ESC) && !piped.stdout.includes('ends in'))
      assert.match(piped.stdout, /soon .* \d{4}-\d{2}-\d{2} +no$/m)
      const json = await runCli(['seats', 'pools', '--json', 'product,expiresAt'], { env })
      assert.match(
        JSON.parse(json.stdout).items[0].expiresAt,
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
      )
    })

    it('an expired pool is red (a server whose clock is two years ahead)', async () => {
      const later = new Date(Date.now() + 2 * 365 * 86_400_000).toISOString()
      const url = await server.listen(later)
      const tty = await runInPty(['seats', 'pools'], {
        env: { ...env, LICCTL_URL: url, NO_COLOR: undefined, COLUMNS: '200' },
      })
      const soon = tty.stdout.split('\n').find((l) => l.includes('soon'))!
      assert.match(soon, /\u001b\[31m\d{4}-\d{2}-\d{2} \(expired/)
    })

    it('a table fits the terminal’s width, wrapping the widest columns', async () => {
      const wide = await runInPty(['orgs', 'users', 'list', '--role', 'admin'], {
        env: { ...env, NO_COLOR: undefined, COLUMNS: '200' },
      })
      const narrow = await runInPty(['orgs', 'users', 'list', '--role', 'admin'], {
        env: { ...env, NO_COLOR: undefined, COLUMNS: '30' },
      })
      assert.equal(narrow.code, 0, narrow.stdout)
      const visible = (s: string) => [...s.replace(/\u001b\[[0-9;]*m/g, '')].length
      const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '')
      assert.ok(Math.max(...lines(wide.stdout).map(visible)) > 30)
      assert.ok(Math.max(...lines(narrow.stdout).map(visible)) <= 30, narrow.stdout)
      // Relative on a terminal; checked on the wide table, where a long "12 minutes ago" (a slow
      // run) is not wrapped or cut short by the 30 columns.
      assert.match(wide.stdout.replace(/\u001b\[[0-9;]*m/g, ''), /\bago\b|\bnow\b/, 'joined: relative')
    })
  })
  /* eslint-enable no-control-regex */
})

describe('e2e: a bulk command names the flag a bad shared value came from, and quotes a bad argument', function () {
  // Refused before any request: no server is needed.
  const env = {
    LICCTL_URL: 'http://127.0.0.1:1',
    LICCTL_TOKEN: 'lic_u_' + 'x'.repeat(43),
    LICCTL_ORG: 'acme',
  }

  it('--name too long: the flag, once, in words', async () => {
    const long = 'n'.repeat(200)
    const r = await runCli(['devices', 'add', 'U-2', 'U-3', '--model', 'R-1000', '--name', long], { env })
    assert.equal(r.code, 2, r.stderr)
    assert.equal(
      r.stderr.split('\n')[0],
      'Error: invalid input, nothing was applied: --name: at most 120 characters',
    )
  })

  it('a serial that is not ASCII: the argument quoted, and what a serial may hold', async () => {
    const r = await runCli(['devices', 'add', 'SÉ-1', '--model', 'R-1000'], { env })
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, /argument 1 \('SÉ-1'\): ASCII letters, digits and \. _ : -/)
  })
})
