import { strict as assert } from 'node:assert'
import { readFileSync, writeFileSync } from 'node:fs'
import { jsonError, runCli, type CliResult, type E2eServer } from '../helpers/e2e.js'
import { provisionAddon, startAcme } from '../helpers/e2e-acme.js'

/** The server's clock: 2026-01-15 10:00 UTC, so a 30-day window ends at 2026-02-15 00:00 (acme is UTC). */
const CLOCK = '2026-01-15T10:00:00Z'

describe('e2e: expiry check', function () {
  let server: E2eServer
  let admin: string
  let ci: string
  let globexAdmin: string
  const cli = (args: string[], token = ci) => runCli(args, { env: server.env(token, 'acme') })
  const ok = (r: CliResult) => assert.equal(r.code, 0, r.stderr)
  const op = (args: string[], url?: string) =>
    server.asOperator([...args, '--org', 'acme'], url ? { env: { LICCTL_URL: url } } : {})
  const names = (r: CliResult) =>
    (JSON.parse(r.stdout) as { items: Array<{ name: string; severity: string }> }).items.map((i) => [
      i.name,
      i.severity,
    ])

  before(async () => {
    ;({ server, admin } = await startAcme(CLOCK))
    // What has expired by CLOCK was provisioned before it did: by a server process whose clock reads then.
    const then = await server.listen('2026-01-05T10:00:00Z')
    const pool = (product: string, expires: string, url?: string) =>
      op(['seats', 'provision', product, '--seats', '10', '--expires', expires], url)
    ok(await pool('edge-in', '2026-02-14')) // valid through the 30th day: inside
    ok(await pool('exact-30d', '2026-02-14T10:00:00Z')) // exactly 30 days from now: inside
    ok(await pool('edge-out', '2026-02-15T00:01:00Z')) // 30 days and a minute past the window's last day: outside
    ok(await pool('lapsed', '2026-01-10', then)) // expired five days ago
    ok(await pool('far', '2027-06-30'))
    await provisionAddon(server, 'cp', { total: 4, expires: '2026-01-20' })
    const tok = await runCli(
      [
        'orgs',
        'tokens',
        'create',
        '--read-only',
        '--name',
        'ci',
        '--expires',
        '2026-02-01T00:00:00Z',
        '--json',
      ],
      { env: server.env(admin, 'acme') },
    )
    ok(tok)
    ci = JSON.parse(tok.stdout).token
  })
  after(async () => server.stop())

  it('still exits 7 when a --jq filter fails on the report, with the filter’s error on stderr', async () => {
    const r = await cli([
      'expiry',
      'check',
      '--within',
      '30d',
      '--capacity',
      '0',
      '--jq',
      '.items[0].name | tonumber',
    ])
    assert.equal(r.code, 7, r.stderr)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /Error: --jq: string \("lapsed"\) cannot be parsed as a number/)
    // nothing found: the filter's failure is the command's (exit 2)
    const none = await cli([
      'expiry',
      'check',
      '--within',
      '1h',
      '--exclude-expired',
      '--capacity',
      '0',
      '--jq',
      '.items | tonumber',
    ])
    assert.equal(none.code, 2, none.stderr)
  })

  it('finds each kind and both sides of the window edge, and exits 7', async () => {
    const r = await cli(['expiry', 'check', '--within', '30d', '--capacity', '0', '--json'])
    assert.equal(r.code, 7, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.deepEqual(
      doc.items.map((i: { kind: string; name: string; severity: string; daysLeft: number }) => [
        i.kind,
        i.name,
        i.severity,
        i.daysLeft,
      ]),
      [
        ['seat-pool', 'lapsed', 'expired', -5],
        ['addon-pool', 'Cloud Processing', 'failing', 5],
        ['token', 'ci', 'failing', 16],
        ['seat-pool', 'exact-30d', 'failing', 30],
        ['seat-pool', 'edge-in', 'failing', 30],
      ],
    )
    assert.equal(doc.window.until, '2026-02-15T00:00:00.000Z')
    assert.deepEqual(doc.summary, {
      total: 5,
      expired: 1,
      failing: 4,
      warning: 0,
      byKind: { 'seat-pool': 3, 'addon-pool': 1, token: 1 },
    })
    assert.deepEqual(doc.errors, [])
    assert.deepEqual(doc.orgs, [{ org: 'acme', profile: null }])
    const token = doc.items.find((i: { kind: string }) => i.kind === 'token')
    assert.equal(token.owner, 'alice@acme.test')
    assert.equal(r.stderr, 'expiry check: 1 expired, 4 failing within 30d in acme\n')
  })

  it('leaves expired items out with --exclude-expired, and exits 0 when nothing is in the window', async () => {
    const r = await cli(['expiry', 'check', '--exclude-expired', '--capacity', '0', '--json'])
    assert.equal(r.code, 7)
    assert.equal(
      names(r).some(([n]) => n === 'lapsed'),
      false,
    )
    const none = await cli(['expiry', 'check', '--within', '2d', '--exclude-expired', '--capacity', '0'])
    assert.equal(none.code, 0, none.stderr)
    assert.equal(none.stdout, 'Nothing expires within the window.\n')
    assert.equal(none.stderr, 'expiry check: nothing expires within 2d in acme\n')
  })

  it('splits warnings from failures with --fail-within: warnings alone exit 0', async () => {
    const r = await cli(['expiry', 'check', '--fail-within', '7d', '--capacity', '0', '--json'])
    assert.equal(r.code, 7)
    assert.deepEqual(names(r), [
      ['lapsed', 'expired'],
      ['Cloud Processing', 'failing'],
      ['ci', 'warning'],
      ['exact-30d', 'warning'],
      ['edge-in', 'warning'],
    ])
    const warnOnly = await cli([
      'expiry',
      'check',
      '--fail-within',
      '3d',
      '--exclude-expired',
      '--capacity',
      '0',
      '--json',
    ])
    assert.equal(warnOnly.code, 0, warnOnly.stderr)
    assert.equal(JSON.parse(warnOnly.stdout).summary.warning, 4)
  })

  it('reads --within and --fail-within as every time flag reads its value: surrounding space trimmed, any case', async () => {
    const typed = await cli(['expiry', 'check', '--within', '30D ', '--fail-within', ' 7d', '--json'])
    const plain = await cli(['expiry', 'check', '--within', '30d', '--fail-within', '7d', '--json'])
    assert.equal(typed.code, 7, typed.stderr)
    const doc = JSON.parse(typed.stdout)
    assert.deepEqual([doc.window.within, doc.window.failWithin], ['30d', '7d'])
    assert.deepEqual(doc.window, JSON.parse(plain.stdout).window)
    assert.deepEqual(names(typed), names(plain))
    // As `orgs tokens create --expires` and every other time flag refuses what is not one.
    const bad = await cli(['expiry', 'check', '--within', '30 d'])
    assert.equal(bad.code, 2)
    assert.equal(
      bad.stderr.split('\n')[0],
      "Error: --within: expected a duration like 30d, 2w or 12h, got '30 d'",
    )
  })

  it('refuses a warn level surely longer than the window, or a window surely too late, before any request (exit 2, naming the flag)', async () => {
    // A token the server would refuse (exit 4): the flag is judged first, by the CLI.
    const refused = 'lic_u_' + 'x'.repeat(43)
    for (const [within, failWithin] of [
      ['30d', '60d1h'],
      ['40h', '3d'],
    ]) {
      const r = await cli(['expiry', 'check', '--within', within!, '--fail-within', failWithin!], refused)
      assert.equal(r.code, 2, r.stderr)
      assert.equal(
        r.stderr.split('\n')[0],
        `Error: --fail-within: must not be longer than the window (${within}), got '${failWithin}'`,
      )
    }
    // A window that surely ends beyond the times licctl stores: the same, before any request.
    const late = await cli(['expiry', 'check', '--within', '2920000d'], refused)
    assert.equal(late.code, 2, late.stderr)
    assert.equal(
      late.stderr.split('\n')[0],
      "Error: --within: the window would end after 9999-12-31T00:00:00Z, the latest time licctl stores, got '2920000d'",
    )
    // Within a day of the window, a mix depends on the organization's calendar: the server judges it.
    const near = await cli(['expiry', 'check', '--within', '30d', '--fail-within', '30d12h'], refused)
    assert.equal(near.code, 4, near.stderr)
  })

  it('checks only the kinds asked for; an unknown kind is exit 2 naming the known ones', async () => {
    const r = await cli(['expiry', 'check', '--kind', 'token', '--json'])
    assert.equal(r.code, 7)
    assert.deepEqual(names(r), [['ci', 'failing']])
    // In any case, as every flag with a fixed set of values takes them
    const upper = await cli(['expiry', 'check', '--kind', 'Token', '--json'])
    assert.equal(upper.code, 7, upper.stderr)
    assert.deepEqual(names(upper), [['ci', 'failing']])
    const bad = await cli(['expiry', 'check', '--kind', 'spaceship', '--json'])
    assert.equal(bad.code, 2)
    assert.deepEqual(jsonError(bad), {
      code: 'validation_failed',
      message:
        "--kind: unknown kind 'spaceship'; known: activation-id, addon-pool, device-key, device-license, device-pool-license, entitlement, seat-pool, token",
    })
  })

  it('with --format github a check that cannot run is an ::error annotation too (exit 1)', async () => {
    const down = await runCli(['expiry', 'check', '--format', 'github'], {
      env: { ...server.env(ci, 'acme'), LICCTL_URL: 'http://127.0.0.1:1' },
    })
    assert.equal(down.code, 1, down.stderr)
    assert.match(down.stdout, /^::error title=expiry check failed::.+\n$/)
    const message = /^Error: (.*)$/m.exec(down.stderr)?.[1]
    assert.ok(message, down.stderr)
    assert.equal(down.stdout, `::error title=expiry check failed::${message}\n`)
    // --json keeps its one error document on stderr, and stdout empty.
    const json = await runCli(['expiry', 'check', '--json'], {
      env: { ...server.env(ci, 'acme'), LICCTL_URL: 'http://127.0.0.1:1' },
    })
    assert.deepEqual([json.code, json.stdout], [1, ''])
  })

  it('prints GitHub Actions annotations: errors for failing and expired, warnings for the rest', async () => {
    const r = await cli([
      'expiry',
      'check',
      '--format',
      'github',
      '--fail-within',
      '7d',
      '--kind',
      'seat-pool,addon-pool',
      '--capacity',
      '0',
    ])
    assert.equal(r.code, 7)
    assert.equal(
      r.stdout,
      [
        "::error title=License expired::seat pool 'lapsed' (acme) expired after 2026-01-10: 10 seats lapsed; seat pool 'lapsed' has expired: if it is not to be renewed, `licctl seats retire lapsed` retires it and clears it from the check",
        "::error title=License expiring::add-on pool 'Cloud Processing' (acme) is valid through 2026-01-20 (5 days left): 4 licenses",
        "::warning title=License expiring::seat pool 'exact-30d' (acme) is valid through 2026-02-14 (30 days left): 10 seats",
        "::warning title=License expiring::seat pool 'edge-in' (acme) is valid through 2026-02-14 (30 days left): 10 seats",
        '',
      ].join('\n'),
    )
  })

  it('reports pools at capacity as warnings, failing only with --fail-on-capacity', async () => {
    ok(await op(['seats', 'provision', 'tiny', '--seats', '1', '--expires', '2027-01-01']))
    ok(await runCli(['seats', 'checkout', 'tiny', '--host', 'ws-1'], { env: server.env(admin, 'acme') }))
    const args = ['expiry', 'check', '--within', '1d', '--exclude-expired', '--kind', 'seat-pool', '--json']
    const warn = await cli([...args, '--capacity', '100%'])
    assert.equal(warn.code, 0, warn.stderr)
    assert.deepEqual(names(warn), [['tiny', 'warning']])
    const fail = await cli([...args, '--capacity', '100%', '--fail-on-capacity'])
    assert.equal(fail.code, 7)
    assert.deepEqual(names(fail), [['tiny', 'failing']])
    const bad = await cli([...args, '--capacity', '120%'])
    assert.equal(bad.code, 2)
    assert.equal(jsonError(bad).message, "--capacity: expected a percentage from 0% to 100%, got '120%'")
  })

  it('works with a read-only token, which gets exit 4 on any write', async () => {
    const write = await cli(['cloud', 'assign', 'cp', 'alice@acme.test'])
    assert.equal(write.code, 4)
    assert.match(write.stderr, /read-only/)
    const update = await cli(['orgs', 'update', '--contact-phone', '+1 555 0100'])
    assert.equal(update.code, 4)
    assert.equal(update.stderr, 'Error: this token is read-only\n')
  })

  it('colours nothing off a terminal: a plain table', async () => {
    const r = await cli(['expiry', 'check', '--kind', 'addon-pool', '--capacity', '0'])
    assert.equal(r.code, 7)
    assert.deepEqual(r.stdout.split('\n'), [
      ' Severity    Kind           Name                Org     Valid through    Days left    Affects',
      ' failing     add-on pool    Cloud Processing    acme    2026-01-20               5    4 licenses',
      '',
    ])
  })

  it('covers every organization the operator sees with --all-orgs', async () => {
    globexAdmin = await server.createOrg('globex', 'gina@globex.test')
    ok(
      await server.asOperator([
        'seats',
        'provision',
        'g',
        '--seats',
        '2',
        '--expires',
        '2026-01-31',
        '--org',
        'globex',
      ]),
    )
    const r = await runCli(
      ['expiry', 'check', '--all-orgs', '--kind', 'seat-pool', '--exclude-expired', '--json'],
      {
        env: server.env(server.operatorToken),
      },
    )
    assert.equal(r.code, 7, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.deepEqual(
      doc.orgs.map((o: { org: string }) => o.org),
      ['acme', 'globex'],
    )
    // One list in the documented order (severity, then soonest first), not one org after the other:
    // globex's pool lapses before acme's.
    assert.deepEqual(
      doc.items.map((i: { org: string; name: string; severity: string }) => [i.org, i.name, i.severity]),
      [
        ['globex', 'g', 'failing'],
        ['acme', 'exact-30d', 'failing'],
        ['acme', 'edge-in', 'failing'],
        ['acme', 'tiny', 'warning'],
      ],
    )
    assert.deepEqual(doc.summary, {
      total: 4,
      expired: 0,
      failing: 3,
      warning: 1,
      byKind: { 'seat-pool': 4 },
    })
    assert.equal(r.stderr, 'expiry check: 3 failing, 1 warning within 30d in 2 organizations\n')
    const args = ['expiry', 'check', '--all-orgs', '--kind', 'seat-pool', '--exclude-expired']
    const asOperator = { env: server.env(server.operatorToken) }
    const table = await runCli(args, asOperator)
    assert.equal(table.code, 7, table.stderr)
    assert.deepEqual(
      table.stdout
        .split('\n')
        .slice(1, -1)
        .map((l) => l.trim().split(/ {2,}/).slice(0, 4)),
      [
        ['failing', 'seat pool', 'g', 'globex'],
        ['failing', 'seat pool', 'exact-30d', 'acme'],
        ['failing', 'seat pool', 'edge-in', 'acme'],
        ['warning', 'seat pool', 'tiny', 'acme'],
      ],
    )
    const github = await runCli([...args, '--format', 'github'], asOperator)
    assert.equal(github.code, 7, github.stderr)
    assert.deepEqual(
      github.stdout.split('\n').map((l) => /'([^']+)' \((\w+)\)/.exec(l)?.slice(1)),
      [['g', 'globex'], ['exact-30d', 'acme'], ['edge-in', 'acme'], ['tiny', 'acme'], undefined],
    )
  })

  it('reads LICCTL_TOKEN as a CI secret file gives it (a line break after it); refuses one that is no token', async () => {
    const env = (token: string) => ({ ...server.env(ci, 'acme'), LICCTL_TOKEN: token })
    const args = ['expiry', 'check', '--kind', 'token', '--exclude-expired', '--json']
    const r = await runCli(args, { env: env(`${ci}\n`) })
    assert.equal(r.code, 7, r.stderr)
    assert.deepEqual(names(r), [['ci', 'failing']])
    for (const token of [`Bearer ${ci}`, `${ci.slice(0, 10)}\u0007${ci.slice(10)}`]) {
      const bad = await runCli(args, { env: env(token) })
      assert.equal(bad.code, 2, bad.stderr)
      assert.equal(bad.stdout, '')
      assert.deepEqual(jsonError(bad), {
        code: 'usage',
        message: 'LICCTL_TOKEN: not a token: it holds a space or a control character',
      })
    }
  })

  it('checks an organization once with --all-orgs, however its profiles write the server’s URL', async () => {
    // The operator's profile sees acme, and so does acme's own profile, saved with the API's /v1.
    const config = `${server.dir}/profiles-one-server`
    const login = (token: string, url: string, org?: string) =>
      runCli(['orgs', 'login', '--url', url, ...(org ? ['--org', org] : []), '--with-token'], {
        input: token,
        env: { LICCTL_CONFIG_DIR: config },
      })
    ok(await login(server.operatorToken, server.url))
    ok(await login(ci, `${server.url}/v1/`, 'acme'))
    const r = await runCli(
      ['expiry', 'check', '--all-orgs', '--kind', 'seat-pool', '--exclude-expired', '--json'],
      { env: { LICCTL_CONFIG_DIR: config } },
    )
    assert.equal(r.code, 7, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.deepEqual(doc.orgs, [
      { org: 'acme', profile: 'operator' },
      { org: 'globex', profile: 'operator' },
    ])
    assert.equal(doc.summary.total, 4)
    assert.equal(r.stderr, 'expiry check: 3 failing, 1 warning within 30d in 2 organizations\n')
  })

  it('with the operator’s profile current, --all-orgs checks its server’s organizations, not other servers’ profiles', async () => {
    // Another server's profile on the same machine (down, here): the operator's check is not about it.
    const config = `${server.dir}/profiles-operator-current`
    const login = (token: string, org?: string) =>
      runCli(['orgs', 'login', '--url', server.url, ...(org ? ['--org', org] : []), '--with-token'], {
        input: token,
        env: { LICCTL_CONFIG_DIR: config },
      })
    ok(await login(ci, 'acme'))
    ok(await login(server.operatorToken))
    const elsewhere = JSON.parse(readFileSync(`${config}/profiles.json`, 'utf8')) as {
      profiles: Record<string, unknown>
    }
    elsewhere.profiles.branch = { url: 'http://127.0.0.1:9', org: 'branch', token: ci }
    writeFileSync(`${config}/profiles.json`, JSON.stringify(elsewhere))
    const args = ['expiry', 'check', '--all-orgs', '--kind', 'seat-pool', '--exclude-expired', '--json']
    const r = await runCli(args, { env: { LICCTL_CONFIG_DIR: config } })
    assert.equal(r.code, 7, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.deepEqual(doc.orgs, [
      { org: 'acme', profile: 'operator' },
      { org: 'globex', profile: 'operator' },
    ])
    assert.deepEqual(doc.errors, [])
    // --profile names the connection the same way: acme's profile checks acme alone.
    const mine = await runCli([...args, '--profile', 'acme'], { env: { LICCTL_CONFIG_DIR: config } })
    assert.equal(mine.code, 7, mine.stderr)
    assert.deepEqual(JSON.parse(mine.stdout).orgs, [{ org: 'acme', profile: 'acme' }])
  })

  it('refuses --all-orgs with --org (2): with an organization’s profile it checked that one alone, and passed', async () => {
    const r = await runCli(['expiry', 'check', '--all-orgs', '--org', 'acme', '--json'], {
      env: server.env(server.operatorToken),
    })
    assert.equal(r.code, 2, r.stderr)
    assert.equal(r.stdout, '')
    assert.deepEqual(JSON.parse(r.stderr), {
      error: { code: 'usage', message: '--org and --all-orgs cannot be used together' },
    })
  })

  it('says no organization was checked when --all-orgs reaches none, never that nothing expires (exit 1)', async () => {
    const env = { LICCTL_URL: server.url, LICCTL_TOKEN: 'lic_u_' + 'x'.repeat(43) }
    const r = await runCli(['expiry', 'check', '--all-orgs'], { env })
    assert.equal(r.code, 1, r.stderr)
    assert.equal(r.stdout, '')
    assert.deepEqual(r.stderr.split('\n'), [
      'expiry check: no organization could be checked',
      'could not check a profile: invalid or revoked token',
      '',
    ])
    const doc = await runCli(
      [
        'expiry',
        'check',
        '--all-orgs',
        '--within',
        '14d',
        '--fail-within',
        '7d',
        '--capacity',
        '95',
        '--json',
      ],
      { env },
    )
    assert.equal(doc.code, 1, doc.stderr)
    const out = JSON.parse(doc.stdout)
    // The window asked for, not an empty one: no server said which calendar day it ends on.
    assert.deepEqual(
      [out.window.within, out.window.failWithin, out.window.capacity, out.orgs, out.summary.total],
      ['14d', '7d', 95, [], 0],
    )
    // its ends: 14 and 7 days after the check, not the time of the check
    const days = (iso: string) => (Date.parse(iso) - Date.parse(out.checkedAt)) / 86_400_000
    assert.deepEqual([days(out.window.until), days(out.window.failUntil)], [14, 7])
  })

  it('reports a profile that fails with --all-orgs instead of skipping it', async () => {
    const config = `${server.dir}/profiles-all-orgs`
    const login = (token: string, org: string) =>
      runCli(['orgs', 'login', '--url', server.url, '--org', org, '--with-token'], {
        input: token,
        env: { LICCTL_CONFIG_DIR: config },
      })
    ok(await login(ci, 'acme'))
    ok(await login(globexAdmin, 'globex'))
    // globex's token is then revoked: its profile can no longer be checked.
    const asGina = { env: server.env(globexAdmin, 'globex') }
    const mine = JSON.parse((await runCli(['orgs', 'tokens', 'list', '--json'], asGina)).stdout)
    ok(await runCli(['orgs', 'tokens', 'revoke', mine.items[0].id, '--yes'], asGina))
    const r = await runCli(['expiry', 'check', '--all-orgs', '--kind', 'token', '--json'], {
      env: { LICCTL_CONFIG_DIR: config },
    })
    assert.equal(r.code, 7, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.deepEqual(doc.orgs, [{ org: 'acme', profile: 'acme' }])
    assert.deepEqual(doc.errors, [
      { profile: 'globex', org: null, code: 'unauthenticated', message: 'invalid or revoked token' },
    ])
    assert.match(r.stderr, /could not check globex: invalid or revoked token/)
    // Nothing failing elsewhere: the unreadable profile alone fails the check (exit 1).
    const onlyErrors = await runCli(
      ['expiry', 'check', '--all-orgs', '--within', '1d', '--exclude-expired', '--capacity', '0'],
      {
        env: { LICCTL_CONFIG_DIR: config },
      },
    )
    assert.equal(onlyErrors.code, 1, onlyErrors.stderr)
    // In GitHub's log the profile not checked is an annotation too, not only a line on stderr.
    const github = await runCli(
      ['expiry', 'check', '--all-orgs', '--within', '1d', '--exclude-expired', '--format', 'github'],
      { env: { LICCTL_CONFIG_DIR: config } },
    )
    assert.equal(github.code, 1, github.stderr)
    assert.deepEqual(
      github.stdout.split('\n').filter((l) => l.startsWith('::error')),
      ['::error title=expiry check failed::could not check globex: invalid or revoked token'],
    )
  })
})
