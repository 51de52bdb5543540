import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli, type CliResult } from '../helpers/e2e.js'
import { runInPty } from '../helpers/pty.js'

/**
 * A usage error (flags that do not go together) is found before any profile or network work: it
 * exits 2 whatever the token, with no server running and with no profile at all.
 */
describe('e2e: usage errors come before the connection', function () {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'licctl-usage-first-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  // Port 9 (discard): nothing listens there, so any request would fail as a network error (exit 1).
  const bogus = () => ({
    LICCTL_URL: 'http://127.0.0.1:9',
    LICCTL_TOKEN: 'not-a-real-token',
    LICCTL_ORG: 'acme',
    LICCTL_CONFIG_DIR: join(dir, 'config'),
    LICCTL_CACHE_DIR: join(dir, 'cache'),
  })
  // No token, no profile: loading the connection would fail as "not logged in" (exit 4).
  const none = () => ({ LICCTL_CONFIG_DIR: join(dir, 'config'), LICCTL_CACHE_DIR: join(dir, 'cache') })
  const usage = (r: CliResult, message: string) => {
    assert.equal(r.code, 2, r.stderr)
    assert.equal(r.stderr.split('\n')[0], `Error: ${message}`)
  }

  const cases: Array<[args: string[], message: string]> = [
    [
      ['expiry', 'check', '--within', '7d', '--fail-within', '30d'],
      "--fail-within: must not be longer than the window (7d), got '30d'",
    ],
    [['seats', 'release', 'L-1', '--idle', '1h'], '--idle and --product go with --stale'],
    [['seats', 'release'], 'name what to release: lease ids, --user, --stale or --file'],
    [
      ['seats', 'release', '--stale', '--user', 'x', '--yes'],
      '--user and --stale cannot be used together: release by one of lease ids, --user, --stale or --file',
    ],
    [
      ['seats', 'release', 'L-1', '--user', 'x', '--file', 'x.csv'],
      'lease ids, --user and --file cannot be used together: release by one of lease ids, --user, --stale or --file',
    ],
    [['activations', 'orphans', '--id', 'A-1'], '--id goes with --clear'],
    [
      ['activations', 'orphans', '--clear', 'ws-1', '--host', 'ws-1'],
      '--clear takes the host itself; --host and --all are for listing',
    ],
    [['devices', 'add', 'rtr-1'], 'give --category or --model for the devices named'],
    [['orgs', 'users', 'remove'], 'no targets given'],
    [['devices', 'detach'], 'no targets given'],
    [['cloud', 'assign', 'cp'], 'no targets given'],
    [['devices', 'assign', 'rtr-1', '--file', 'x.csv'], 'give targets as arguments or with --file, not both'],
    [
      ['orgs', 'audit', '--since', '2027-01-01', '--until', '2026-01-01'],
      "--until: must be after --since (2027-01-01T00:00:00.000Z), got '2026-01-01T00:00:00.000Z'",
    ],
    [
      ['orgs', 'audit', '--since', '2026-01-01', '--until', '2026-01-01'],
      "--until: must be after --since (2026-01-01T00:00:00.000Z), got '2026-01-01T00:00:00.000Z'",
    ],
    // Checked by the contract's own schemas, in the client, before any request (client/resource.ts).
    [
      ['cloud', 'provision', 'cp', '--name', 'x'.repeat(121), '--total', '5', '--expires', '2099-01-01'],
      '--name: must have at most 120 characters',
    ],
    [['seats', 'list', '--user', 'bob'], "--user: Invalid email address, got 'bob'"],
    [
      ['orgs', 'create', 'Bad_Slug', '--name', 'Bad', '--admin-email', 'a@b.test'],
      "SLUG: lowercase letters, digits and single dashes, got 'Bad_Slug'",
    ],
    [
      ['activations', 'show', 'x'],
      "ID: not an activation ID (act_ followed by 26 letters and digits), got 'x'",
    ],
    // Quoted as every input is: control characters escaped, cut short.
    [
      ['activations', 'show', `act_\u001b${'x'.repeat(50)}`],
      `ID: not an activation ID (act_ followed by 26 letters and digits), got 'act_\\x1b${'x'.repeat(35)}…'`,
    ],
  ]
  for (const [args, message] of cases) {
    it(`${args.join(' ')}: exit 2 with a bogus token and no server`, async () => {
      usage(await runCli(args, { env: bogus() }), message)
    })
    it(`${args.join(' ')}: exit 2 with no profile at all`, async () => {
      usage(await runCli(args, { env: none() }), message)
    })
  }

  it('a missing --yes off a terminal: exit 2 with a bogus token; with no profile, not logged in first (exit 4), naming no stand-in organization', async () => {
    usage(
      await runCli(['orgs', 'tokens', 'revoke', 'tok_1'], { env: bogus() }),
      'Revoke token tok_1? Anything using it stops working. — refusing without --yes (not on a terminal, so no prompt)',
    )
    for (const args of [
      ['orgs', 'tokens', 'revoke', 'tok_1'],
      ['orgs', 'users', 'remove', 'bob@acme.test'],
      ['devices', 'remove', 'rtr-1'],
    ]) {
      const r = await runCli(args, { env: none() })
      assert.equal(r.code, 4, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, /^Error: not logged in/)
      assert.doesNotMatch(r.stderr, /no-organization|--yes/)
    }
  })

  it('with no profile, valid input gets as far as the first request: not logged in (exit 4), and nothing is asked', async () => {
    const notLoggedIn = 'Error: not logged in: no profile, and neither LICCTL_URL nor LICCTL_TOKEN is set'
    for (const args of [
      ['cloud', 'provision', 'cp', '--name', 'CP', '--total', '5', '--expires', '2099-01-01'],
      ['seats', 'list', '--user', 'bob@acme.test'],
      ['orgs', 'tokens', 'revoke', 'tok_1', '--yes'],
      ['api', '/v1/orgs'],
      // It reads every profile: none, and no connection, is still "not logged in", not a report.
      ['expiry', 'check', '--all-orgs'],
    ]) {
      const r = await runCli(args, { env: none() })
      assert.equal(r.code, 4, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stderr.split('\n')[0], notLoggedIn)
    }
    // On a terminal, a question whose answer could not be acted on is not asked.
    const tty = await runInPty(['orgs', 'tokens', 'revoke', 'tok_1'], { env: none(), timeoutMs: 20_000 })
    assert.equal(tty.code, 4, tty.stdout)
    assert.match(tty.stdout, /not logged in/)
    assert.doesNotMatch(tty.stdout, /Revoke token/)
  })

  it('orgs audit: --limit and --all are refused together (oclif exclusive), and --all alone is not', async () => {
    for (const args of [
      ['orgs', 'audit', '--limit', '2', '--all'],
      ['orgs', 'audit', '--all', '--limit=2', '--json'],
    ]) {
      const r = await runCli(args, { env: bogus() })
      assert.equal(r.code, 2, r.stderr)
      assert.match(
        r.stderr,
        /^(Error: |\{"error":\{"code":"usage","message":")--all and --limit cannot be used together/,
      )
    }
    // The default --limit is not "given": --all alone goes on to the (absent) server, exit 1.
    assert.equal((await runCli(['orgs', 'audit', '--all'], { env: bogus() })).code, 1)
  })

  it('expiry check: a warn level in hours longer than a window in hours is refused as early', async () => {
    usage(
      await runCli(['expiry', 'check', '--within', '12h', '--fail-within', '1d1h'], { env: bogus() }),
      "--fail-within: must not be longer than the window (12h), got '1d1h'",
    )
  })
})
