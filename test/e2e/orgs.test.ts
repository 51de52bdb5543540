import { strict as assert } from 'node:assert'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { INVISIBLE } from '../../src/domain/terminal-controls.js'
import { assertFails, E2eServer, jsonError, runCli, type CliResult } from '../helpers/e2e.js'
import { runInPty } from '../helpers/pty.js'

/** Asserts a --json failure: one JSON error line on stderr, nothing on stdout. */
function assertJsonFails(res: CliResult, code: number, errorCode: string): void {
  assert.equal(res.code, code, res.stderr)
  assert.equal(res.stdout, '')
  assert.equal(res.stderr.trim().split('\n').length, 1)
  assert.equal(jsonError(res).code, errorCode)
}

describe('e2e: orgs', function () {
  let server: E2eServer
  let admin: string
  let bob: string
  /** Every secret seen so far: no later output may contain one. */
  const secrets: string[] = []
  const noSecrets = (res: CliResult) => {
    for (const s of secrets)
      assert.ok(!res.stdout.includes(s) && !res.stderr.includes(s), 'a token was printed after its creation')
  }
  const asAdmin = (args: string[], input?: string) =>
    runCli(args, { env: server.env(admin, 'acme'), ...(input !== undefined ? { input } : {}) })
  const asBob = (args: string[]) => runCli(args, { env: server.env(bob, 'acme') })
  const ok = (r: CliResult) => {
    assert.equal(r.code, 0, r.stderr)
    return r
  }

  before(async () => {
    server = await E2eServer.start()
    admin = await server.createOrg('acme', 'alice@acme.test')
    secrets.push(admin, server.operatorToken)
    const add = await asAdmin(['orgs', 'users', 'add', 'bob@acme.test', '--role', 'member'])
    assert.equal(add.code, 0, add.stderr)
    const tok = await asAdmin(['orgs', 'tokens', 'create', '--user', 'bob@acme.test', '--json'])
    assert.equal(tok.code, 0, tok.stderr)
    bob = JSON.parse(tok.stdout).token as string
    secrets.push(bob)
  })
  after(async () => server.stop())

  it('lists the orgs and server topics and the api command in --help', async () => {
    const res = await runCli(['--help'])
    assert.equal(res.code, 0)
    assert.match(res.stdout, /^TOPICS$/m)
    assert.match(res.stdout, /^ {2}orgs +Organizations, profiles, users, tokens and the audit log$/m)
    assert.match(res.stdout, /^ {2}server +Run and administer the license server$/m)
    assert.match(res.stdout, /^ {2}api +Make an authenticated request/m)
    const orgs = await runCli(['orgs', '--help'])
    for (const cmd of ['audit', 'create', 'list', 'login', 'logout', 'profiles', 'show', 'update', 'use'])
      assert.match(orgs.stdout, new RegExp(`^ {2}orgs ${cmd} `, 'm'))
  })

  describe('login and profiles', () => {
    const configDir = () => join(server.dir, 'login-config')
    const env = () => ({ LICCTL_CONFIG_DIR: configDir() })
    const login = (args: string[], token: string) =>
      runCli(['orgs', 'login', '--url', server.url, ...args, '--with-token'], {
        env: env(),
        input: token + '\n',
      })

    it('logs in from a piped token and keeps the profile file at mode 0600, never echoing the token', async () => {
      const res = await login(['--org', 'acme'], admin)
      assert.equal(res.code, 0, res.stderr)
      assert.equal(
        res.stdout,
        `Logged in to ${server.url} as alice@acme.test (admin); profile 'acme' is now current.\n`,
      )
      assert.equal(res.stderr, '')
      noSecrets(res)
      const mode = statSync(join(configDir(), 'profiles.json')).mode & 0o777
      assert.equal(mode, 0o600)
      const show = await runCli(['orgs', 'show', '--json'], { env: env() })
      assert.equal(show.code, 0, show.stderr)
      assert.equal(JSON.parse(show.stdout).slug, 'acme')
    })

    it('an operator login with --org keeps the organization’s admin profile and saves profile operator', async () => {
      const dir = { LICCTL_CONFIG_DIR: join(server.dir, 'operator-org-config') }
      const loginAs = (token: string, args: string[] = ['--org', 'acme']) =>
        runCli(['orgs', 'login', '--url', server.url, ...args, '--with-token'], { env: dir, input: token })
      ok(await loginAs(admin))
      const res = await loginAs(server.operatorToken)
      assert.equal(res.code, 0, res.stderr)
      assert.equal(
        res.stdout,
        `Logged in to ${server.url} as the operator; profile 'operator' is now current.\n` +
          "The operator's token is kept in profile 'operator', not in one named after 'acme' (that name is for its users' tokens): act on 'acme' with --profile operator --org acme.\n",
      )
      assert.equal(res.stderr, '')
      const stored = JSON.parse(readFileSync(join(dir.LICCTL_CONFIG_DIR, 'profiles.json'), 'utf8'))
      assert.deepEqual(stored.profiles, {
        acme: { url: server.url, org: 'acme', token: admin },
        operator: { url: server.url, token: server.operatorToken },
      })
      const asAlice = await runCli(['api', '/me', '--org', 'acme'], { env: dir })
      assert.equal(JSON.parse(asAlice.stdout).email, 'alice@acme.test')
      const asOperator = await runCli(['orgs', 'show', '--profile', 'operator', '--org', 'acme', '--json'], {
        env: dir,
      })
      assert.equal(JSON.parse(asOperator.stdout).slug, 'acme', asOperator.stderr)
      const json = await runCli(
        ['orgs', 'login', '--url', server.url, '--org', 'acme', '--with-token', '--json'],
        {
          env: dir,
          input: server.operatorToken,
        },
      )
      assert.equal(json.code, 0, json.stderr)
      assert.deepEqual(
        { profile: JSON.parse(json.stdout).profile, org: JSON.parse(json.stdout).org },
        { profile: 'operator', org: null },
      )
    })

    it('says whose token a login replaced in an existing profile; nothing for the same token', async () => {
      const dir = { LICCTL_CONFIG_DIR: join(server.dir, 'replace-config') }
      const loginAs = (token: string) =>
        runCli(['orgs', 'login', '--url', server.url, '--org', 'acme', '--with-token'], {
          env: dir,
          input: token,
        })
      assert.equal(ok(await loginAs(admin)).stderr, '')
      const asBob = ok(await loginAs(bob))
      assert.equal(
        asBob.stdout,
        `Logged in to ${server.url} as bob@acme.test (member); profile 'acme' is now current.\n`,
      )
      assert.equal(asBob.stderr, "Replaced the token of alice@acme.test (admin) in profile 'acme'.\n")
      noSecrets(asBob)
      assert.equal(ok(await loginAs(bob)).stderr, '')
      assert.equal(
        ok(await loginAs(admin)).stderr,
        "Replaced the token of bob@acme.test (member) in profile 'acme'.\n",
      )
    })

    it('refuses a piped token that is not one (Bearer …, a space inside) before asking the server, never echoing it', async () => {
      for (const text of [`Bearer ${admin}`, `"${admin}" x`, `${admin}\n${admin}`]) {
        const res = await login(['--org', 'acme'], text)
        assert.equal(res.code, 2, res.stderr)
        assert.equal(
          res.stderr,
          'Error: not a token: the token on stdin holds a space or a control character\nHint: give the token alone (lic_u_… or lic_op_…), without "Bearer " or quotes\n',
        )
        noSecrets(res)
      }
    })

    it('logs the operator in, with --json saying who without the token', async () => {
      const res = await runCli(['orgs', 'login', '--url', server.url, '--with-token', '--json'], {
        env: env(),
        input: server.operatorToken,
      })
      assert.equal(res.code, 0, res.stderr)
      noSecrets(res)
      assert.deepEqual(JSON.parse(res.stdout), {
        profile: 'operator',
        url: server.url,
        org: null,
        kind: 'operator',
        email: null,
        role: null,
        readOnly: false,
      })
      assert.equal(statSync(join(configDir(), 'profiles.json')).mode & 0o777, 0o600)
    })

    it('lists profiles with the current one marked, saying only whether a token is stored', async () => {
      const res = await runCli(['orgs', 'profiles'], { env: env() })
      assert.equal(res.code, 0, res.stderr)
      noSecrets(res)
      const lines = res.stdout.trimEnd().split('\n')
      assert.match(lines[0]!, /^\s*Profile\s+Server\s+Organization\s+Token$/)
      assert.match(lines[1]!, new RegExp(`^\\s*acme\\s+${server.url}\\s+acme\\s+stored$`))
      assert.match(
        lines[2]!,
        new RegExp(`^\\s*\\*\\s+operator\\s+${server.url}\\s+\\(operator\\)\\s+stored$`),
      )
      const json = await runCli(['orgs', 'profiles', '--json'], { env: env() })
      noSecrets(json)
      assert.deepEqual(JSON.parse(json.stdout), {
        path: join(configDir(), 'profiles.json'),
        profiles: [
          { name: 'acme', current: false, url: server.url, org: 'acme', hasToken: true },
          { name: 'operator', current: true, url: server.url, org: null, hasToken: true },
        ],
      })
    })

    it('--org picks that organization’s profile; without --org the current one is used', async () => {
      const asAcme = await runCli(['api', '/me', '--org', 'acme'], { env: env() })
      assert.equal(asAcme.code, 0, asAcme.stderr)
      assert.equal(JSON.parse(asAcme.stdout).email, 'alice@acme.test')
      const current = await runCli(['api', '/me'], { env: env() })
      assert.equal(JSON.parse(current.stdout).kind, 'operator')
    })

    it('LICCTL_URL, LICCTL_TOKEN and LICCTL_ORG override the profile', async () => {
      const res = await runCli(['orgs', 'users', 'list', '--json'], {
        env: { ...env(), LICCTL_URL: server.url, LICCTL_TOKEN: bob, LICCTL_ORG: 'acme' },
      })
      assert.equal(res.code, 0, res.stderr)
      const me = await runCli(['api', '/me'], {
        env: { ...env(), LICCTL_URL: server.url, LICCTL_TOKEN: bob },
      })
      assert.equal(JSON.parse(me.stdout).email, 'bob@acme.test')
      const orgOnly = await runCli(['orgs', 'show', '--json'], { env: { ...env(), LICCTL_ORG: 'acme' } })
      assert.equal(JSON.parse(orgOnly.stdout).slug, 'acme')
    })

    it('switches profiles with orgs use; an unknown profile exits 5', async () => {
      const res = await runCli(['orgs', 'use', 'acme'], { env: env() })
      assert.equal(res.code, 0, res.stderr)
      assert.equal(res.stdout, `Now using profile 'acme' (${server.url}).\n`)
      const me = await runCli(['api', '/me'], { env: env() })
      assert.equal(JSON.parse(me.stdout).email, 'alice@acme.test')
      const nope = await runCli(['orgs', 'use', 'nope'], { env: env() })
      assertFails(nope, 5, "no profile named 'nope'")
      assert.equal(
        nope.stderr.split('\n')[1],
        'Hint: known profiles: acme, operator; create one with `licctl orgs login`',
      )
      assertJsonFails(await runCli(['orgs', 'use', 'nope', '--json'], { env: env() }), 5, 'not_found')
    })

    it('with LICCTL_URL and LICCTL_TOKEN no profile is read: the organization comes from LICCTL_ORG, --org or the token', async () => {
      // The current profile is acme's (orgs use acme, above); the variables leave it out entirely.
      const vars = { ...env(), LICCTL_URL: server.url, LICCTL_TOKEN: bob }
      // A member's token acts for its own organization only: a CI job needs no LICCTL_ORG to say it.
      const own = await runCli(['orgs', 'users', 'list', '--json', 'email'], { env: vars })
      assert.equal(own.code, 0, own.stderr)
      assert.ok(JSON.parse(own.stdout).items.some((u: { email: string }) => u.email === 'bob@acme.test'))
      // The operator's acts for every organization: it must name one.
      const op = { ...env(), LICCTL_URL: server.url, LICCTL_TOKEN: server.operatorToken }
      const none = await runCli(['seats', 'pools'], { env: op })
      assertFails(
        none,
        2,
        'no organization selected: LICCTL_URL and LICCTL_TOKEN are set, so no profile is read (not the current one’s organization either), and the operator’s token acts for every organization',
      )
      assert.match(none.stderr, /set LICCTL_ORG=<slug> or pass --org <slug>/)
      assert.doesNotMatch(none.stderr, /orgs use/)
      noSecrets(none)
      // A token the server refuses says so (exit 4), not that no organization was named.
      const refused = await runCli(['seats', 'pools'], {
        env: { ...vars, LICCTL_TOKEN: 'lic_u_notAValidTokenAtAll0000000000000000000' },
      })
      assertFails(refused, 4, 'invalid or revoked token')
      const byFlag = await runCli(['orgs', 'users', 'list', '--org', 'acme', '--json'], { env: vars })
      assert.equal(byFlag.code, 0, byFlag.stderr)
      // LICCTL_TOKEN alone keeps the profile, its server and its organization.
      const tokenOnly = await runCli(['orgs', 'show', '--json'], { env: { ...env(), LICCTL_TOKEN: bob } })
      assert.equal(tokenOnly.code, 0, tokenOnly.stderr)
      assert.equal(JSON.parse(tokenOnly.stdout).slug, 'acme')
    })

    it('refuses a token for another organization (4), a bad token (4), and never prompts off a terminal (2)', async () => {
      const other = await runCli(['orgs', 'login', '--url', server.url, '--org', 'globex', '--with-token'], {
        env: env(),
        input: admin,
      })
      assertFails(other, 4, "this token belongs to organization 'acme', not 'globex'")
      const bad = await login(['--org', 'acme'], 'lic_u_notAValidTokenAtAll0000000000000000000')
      assertFails(bad, 4, 'invalid or revoked token')
      noSecrets(bad)
      assert.ok(!bad.stderr.includes('notAValidTokenAtAll'))
      const unknown = await runCli(['orgs', 'login', '--url', server.url, '--org', 'nope', '--with-token'], {
        env: env(),
        input: server.operatorToken,
      })
      assertFails(unknown, 5, "organization 'nope' not found")
      const noUrl = await runCli(['orgs', 'login'], { env: env() })
      assertFails(noUrl, 2, 'missing --url (not on a terminal, so no prompt)')
      const noToken = await runCli(['orgs', 'login', '--url', server.url], { env: env() })
      assertFails(noToken, 2, 'no token given (not on a terminal, so no prompt)')
      const empty = await runCli(['orgs', 'login', '--url', server.url, '--with-token'], { env: env() })
      assertFails(empty, 2, 'no token on stdin')
    })

    it('logs out of a profile, removing its token from the file; an unknown profile exits 5', async () => {
      const res = await runCli(['orgs', 'logout', 'acme'], { env: env() })
      assert.equal(res.code, 0, res.stderr)
      assert.equal(res.stdout, "Logged out of 'acme'. Current profile: 'operator'.\n")
      noSecrets(res)
      const file = readFileSync(join(configDir(), 'profiles.json'), 'utf8')
      assert.ok(!file.includes(admin))
      assert.ok(file.includes('"operator"'))
      assert.ok(!file.includes('nope') && !file.includes('globex'), 'refused logins save nothing')
      const again = await runCli(['orgs', 'logout', 'acme'], { env: env() })
      assertFails(again, 5, "no profile named 'acme'")
      // The profiles there are, as `orgs use` lists them.
      assert.equal(
        again.stderr.split('\n')[1],
        'Hint: known profiles: operator; create one with `licctl orgs login`',
      )
      assert.equal(statSync(join(configDir(), 'profiles.json')).mode & 0o777, 0o600)
    })

    it('a token the server no longer accepts: the hint names its profile and how to log in again, or LICCTL_TOKEN', async () => {
      const made = await asAdmin(['orgs', 'tokens', 'create', '--name', 'soon-revoked', '--json'])
      assert.equal(made.code, 0, made.stderr)
      const { id, token } = JSON.parse(made.stdout) as { id: string; token: string }
      secrets.push(token)
      const dir = { LICCTL_CONFIG_DIR: join(server.dir, 'revoked-config') }
      const saved = await runCli(['orgs', 'login', '--url', server.url, '--org', 'acme', '--with-token'], {
        env: dir,
        input: token + '\n',
      })
      assert.equal(saved.code, 0, saved.stderr)
      assert.equal((await asAdmin(['orgs', 'tokens', 'revoke', id, '--yes'])).code, 0)
      const res = await runCli(['orgs', 'show'], { env: dir })
      assertFails(res, 4, 'invalid or revoked token')
      assert.equal(
        res.stderr.split('\n')[1],
        `Hint: profile 'acme' holds a token this server no longer accepts (revoked or expired): log in again with \`licctl orgs login --url ${server.url} --org acme --with-token < token.txt\``,
      )
      noSecrets(res)
      const viaEnv = await runCli(['orgs', 'show'], { env: { ...server.env(token, 'acme'), ...dir } })
      assertFails(viaEnv, 4, 'invalid or revoked token')
      assert.match(viaEnv.stderr, /Hint: LICCTL_TOKEN is not a token this server accepts/)
      // Under --json the error document stays one line, hint-free as every other.
      const json = await runCli(['orgs', 'show', '--json'], { env: dir })
      assertJsonFails(json, 4, 'unauthenticated')
    })

    it('without any profile or environment, says how to log in (exit 4)', async () => {
      const res = await runCli(['orgs', 'show'], { env: { LICCTL_CONFIG_DIR: join(server.dir, 'empty') } })
      assertFails(res, 4, 'not logged in: no profile, and neither LICCTL_URL nor LICCTL_TOKEN is set')
      assert.match(res.stderr, /Hint: run `licctl orgs login/)
    })
  })

  describe('organizations', () => {
    before(async () => {
      const g = await server.asOperator([
        'orgs',
        'create',
        'globex',
        '--name',
        'Globex',
        '--admin-email',
        'gina@globex.test',
      ])
      assert.equal(g.code, 0, g.stderr)
      const token = /Admin token\s+(lic_u_\S+)/.exec(g.stdout)![1]!
      secrets.push(token)
      assert.match(g.stdout, /^Created organization globex \(Globex\)\.\nAdmin {8}gina@globex\.test\n/)
      assert.match(g.stdout, /The token is shown once/)
    })

    it('orgs create is for the operator (4) and refuses a taken slug (3)', async () => {
      assertFails(
        await asAdmin(['orgs', 'create', 'mine', '--name', 'Mine']),
        4,
        'only the server operator can do this: use the operator token that `licctl server init` printed (LICCTL_TOKEN=<operator token> licctl …)',
      )
      const taken = await server.asOperator(['orgs', 'create', 'acme', '--name', 'Again', '--json'])
      assertJsonFails(taken, 3, 'already_exists')
    })

    it('orgs create names the argument or flag the server refused, not the request body path', async () => {
      assertFails(
        await server.asOperator(['orgs', 'create', 'Bad Slug', '--name', 'X']),
        2,
        "SLUG: lowercase letters, digits and single dashes, got 'Bad Slug'",
      )
      assertFails(
        await server.asOperator([
          'orgs',
          'create',
          'initech',
          '--name',
          'I',
          '--admin-email',
          'not-an-email',
        ]),
        2,
        "--admin-email: Invalid email address, got 'not-an-email'",
      )
    })

    it('orgs list: the operator sees every organization, a member only their own', async () => {
      const all = await server.asOperator(['orgs', 'list'])
      assert.equal(all.code, 0, all.stderr)
      const lines = all.stdout.trimEnd().split('\n')
      assert.match(lines[0]!, /^\s*Slug\s+Name\s+Contact\s+Time zone\s+Created$/)
      assert.ok(
        lines.slice(1).every((l) => / \d{4}-\d\d-\d\d \d\d:\d\dZ$/.test(l)),
        all.stdout,
      )
      assert.deepEqual(
        lines.slice(1).map((l) => l.trim().split(/\s+/)[0]),
        ['acme', 'globex'],
      )
      for (const line of lines.slice(1)) assert.match(line, /\s\d{4}-\d\d-\d\d \d\d:\d\dZ$/, all.stdout)
      const json = await asBob(['orgs', 'list', '--json'])
      assert.deepEqual(
        JSON.parse(json.stdout).items.map((o: { slug: string }) => o.slug),
        ['acme'],
      )
    })

    it('orgs update changes contact details (admins); a member gets 4, nothing to update 2', async () => {
      const res = await asAdmin([
        'orgs',
        'update',
        '--contact-email',
        'licensing@acme.test',
        '--contact-phone',
        '+49 30 1234567',
        '--device-preference',
        'longest',
      ])
      assert.equal(res.code, 0, res.stderr)
      assert.equal(res.stdout, 'Updated acme: contactEmail, contactPhone, devicePreference.\n')
      // Run again (a script's re-run): nothing changes, and it does not say it updated anything.
      const again = await asAdmin(['orgs', 'update', '--contact-email', 'licensing@acme.test', '--json'])
      assert.equal(again.code, 0, again.stderr)
      assert.equal(JSON.parse(again.stdout).changed, false)
      const againText = await asAdmin(['orgs', 'update', '--device-preference', 'longest'])
      assert.deepEqual(
        [againText.code, againText.stdout],
        [0, 'acme already has these settings (devicePreference): nothing to do.\n'],
      )
      const show = await asBob(['orgs', 'show'])
      assert.equal(show.code, 0, show.stderr)
      assert.equal(
        show.stdout.replace(/^Created .*$/m, 'Created'),
        [
          'Organization        acme',
          'Name                ACME',
          'Contact email       licensing@acme.test',
          'Contact phone       +49 30 1234567',
          'Contact address     -',
          'Time zone           UTC',
          'Device preference   longest term first',
          'Perpetual licenses  -',
          'Created',
          '',
        ].join('\n'),
      )
      assert.match(show.stdout, /^Created {13}\d{4}-\d\d-\d\d \d\d:\d\dZ$/m)
      const cleared = await asAdmin(['orgs', 'update', 'acme', '--contact-phone', '', '--json'])
      assert.equal(JSON.parse(cleared.stdout).contactPhone, null)
      assertFails(await asBob(['orgs', 'update', '--name', 'Bobco']), 4, "only admins of 'acme' can do this")
      assertJsonFails(await asBob(['orgs', 'update', '--name', 'Bobco', '--json']), 4, 'not_admin')
      assertFails(await asAdmin(['orgs', 'update']), 2, 'nothing to update')
      assertFails(
        await asAdmin(['orgs', 'update', '--device-preference', 'random']),
        2,
        /^Error: --device-preference: expected one of shortest, longest, got 'random'/,
      )
      assertFails(
        await asAdmin(['orgs', 'update', '--time-zone', 'Mars/Olympus']),
        2,
        /^Error: --time-zone: expected an IANA time zone such as Europe\/Berlin, got 'Mars\/Olympus'$/,
      )
    })

    it('an unknown organization exits 5 for the operator; another organization exits 4, existing or not', async () => {
      assertFails(await server.asOperator(['orgs', 'show', 'nope']), 5, "organization 'nope' not found")
      assertJsonFails(await server.asOperator(['orgs', 'show', 'nope', '--json']), 5, 'not_found')
      // A user token acts for its own organization only; the answer never says whether the other exists.
      assertFails(
        await asAdmin(['orgs', 'show', 'globex']),
        4,
        "this token acts for organization 'acme', not 'globex'",
      )
      assertJsonFails(await asAdmin(['orgs', 'show', 'globex', '--json']), 4, 'wrong_organization')
      assertFails(
        await asAdmin(['orgs', 'show', 'nope']),
        4,
        "this token acts for organization 'acme', not 'nope'",
      )
    })

    it('a bad flag exits 2 with a one-line reason, in both output modes', async () => {
      const bad = await runCli(['orgs', 'show', '--bogus'], { env: server.env(admin) })
      assert.equal(bad.code, 2)
      assert.match(bad.stderr, /^Error: Nonexistent flag: --bogus/)
      const badJson = await runCli(['orgs', 'show', '--bogus', '--json'], { env: server.env(admin) })
      assertJsonFails(badJson, 2, 'usage')
    })
  })

  describe('users', () => {
    it('a member adding users exits 4 with a one-line reason', async () => {
      const res = await asBob(['orgs', 'users', 'add', 'carol@acme.test'])
      assert.equal(res.code, 4)
      assert.equal(res.stderr.trim(), "Error: only admins of 'acme' can do this")
      const json = await asBob(['orgs', 'users', 'add', 'carol@acme.test', '--json'])
      assertJsonFails(json, 4, 'not_admin')
      assert.deepEqual(jsonError(json), { code: 'not_admin', message: "only admins of 'acme' can do this" })
    })

    it('adds members and lists them, filtered by role', async () => {
      const add = await asAdmin(['orgs', 'users', 'add', 'carol@acme.test', 'dave@acme.test'])
      assert.equal(add.code, 0, add.stderr)
      assert.match(add.stdout, /Done \(add users\): 2 changed, 0 unchanged, 0 failed\./)
      const list = await asBob(['orgs', 'users', 'list'])
      assert.equal(list.code, 0, list.stderr)
      const rows = list.stdout.trimEnd().split('\n')
      assert.match(rows[0]!, /^\s*Email\s+Name\s+Role\s+Joined$/)
      // Joined is an instant, shown as the other instant columns are off a terminal (shortTime, in
      // UTC and saying so), not a bare day, which in this CLI is a last day in the org's time zone.
      for (const row of rows.slice(1)) assert.match(row, /\s\d{4}-\d\d-\d\d \d\d:\d\dZ$/, list.stdout)
      assert.deepEqual(
        rows.slice(1).map((r) => r.trim().split(/\s+/).slice(0, 3)),
        [
          ['alice@acme.test', '-', 'admin'],
          ['bob@acme.test', '-', 'member'],
          ['carol@acme.test', '-', 'member'],
          ['dave@acme.test', '-', 'member'],
        ],
      )
      const admins = await asAdmin(['orgs', 'users', 'list', '--role', 'admin', '--json'])
      assert.deepEqual(
        JSON.parse(admins.stdout).items.map((m: { email: string }) => m.email),
        ['alice@acme.test'],
      )
    })

    it('set-role promotes and demotes; the last admin stays (3); an unknown member is 5', async () => {
      const up = await asAdmin(['orgs', 'users', 'set-role', 'carol@acme.test', 'admin'])
      assert.equal(up.stdout, 'carol@acme.test is now an admin.\n')
      // Already so: said as such, exit 0, and nothing audited (the answer's changed is false).
      const again = await asAdmin(['orgs', 'users', 'set-role', 'carol@acme.test', 'admin'])
      assert.deepEqual(
        [again.code, again.stdout],
        [0, 'carol@acme.test is already an admin: nothing to do.\n'],
      )
      const audited = await asAdmin([
        'orgs',
        'audit',
        '--action',
        'user.set-role',
        '--target',
        'carol@acme.test',
        '--json',
      ])
      assert.equal(JSON.parse(audited.stdout).items.length, 1, audited.stdout)
      const down = await asAdmin(['orgs', 'users', 'set-role', 'carol@acme.test', 'member', '--json'])
      assert.deepEqual([JSON.parse(down.stdout).role, JSON.parse(down.stdout).changed], ['member', true])
      assertFails(
        await asAdmin(['orgs', 'users', 'set-role', 'alice@acme.test', 'member']),
        3,
        'alice@acme.test is the last admin; make another member admin first',
      )
      assertFails(
        await asAdmin(['orgs', 'users', 'set-role', 'ghost@acme.test', 'admin']),
        5,
        "member 'ghost@acme.test' not found",
      )
      assertFails(
        await asAdmin(['orgs', 'users', 'set-role', 'carol@acme.test', 'owner']),
        2,
        /^Error: ROLE: expected one of admin, member, got 'owner'$/m,
      )
    })

    it('remove needs --yes off a terminal (2); with it the member’s token stops working (4)', async () => {
      const tok = await asAdmin(['orgs', 'tokens', 'create', '--user', 'dave@acme.test', '--json'])
      const dave = JSON.parse(tok.stdout).token as string
      secrets.push(dave)
      assert.equal((await runCli(['orgs', 'show'], { env: server.env(dave, 'acme') })).code, 0)
      const refused = await asAdmin(['orgs', 'users', 'remove', 'dave@acme.test'])
      assertFails(
        refused,
        2,
        'Remove dave@acme.test from acme, releasing their licenses and tokens? — refusing without --yes (not on a terminal, so no prompt)',
      )
      const removed = await asAdmin(['orgs', 'users', 'remove', 'dave@acme.test', '--yes'])
      assert.equal(removed.code, 0, removed.stderr)
      assert.match(removed.stdout, /✓ changed\s+dave@acme\.test/)
      noSecrets(removed)
      const after = await runCli(['orgs', 'show'], { env: server.env(dave, 'acme') })
      assertFails(after, 4, 'invalid or revoked token')
    })

    it('re-adding a member under another name is already so, and the row says the name on record stays', async () => {
      const add = (csv: string, ...flags: string[]) =>
        asAdmin(['orgs', 'users', 'add', '--file', '-', ...flags], csv)
      const nina = await add('email,name\nnina@acme.test,Nina\n')
      assert.equal(nina.code, 0, nina.stderr)
      const file = 'email,name\nnina@acme.test,Nina B\ncarol@acme.test,Carol C\nbob@acme.test,\n'
      const lines = [
        "= already-so  nina@acme.test — the name on record is 'Nina', not 'Nina B': adding never renames a user (their name is shared by every organization they belong to)",
        "= already-so  carol@acme.test — no name on record, and 'Carol C' is not recorded: adding never names an existing user (their name is shared by every organization they belong to)",
        '= already-so  bob@acme.test',
      ]
      const plan = await add(file, '--dry-run')
      assert.equal(plan.code, 0, plan.stderr)
      assert.deepEqual(plan.stdout.trimEnd().split('\n'), [
        ...lines,
        'Dry run (add users): 0 would change, 3 already so, 0 would fail. Nothing was changed.',
      ])
      const applied = await add(file)
      assert.equal(applied.code, 0, applied.stderr)
      assert.deepEqual(applied.stdout.trimEnd().split('\n'), [
        ...lines,
        'Done (add users): 0 changed, 3 unchanged, 0 failed.',
      ])
      const list = await asAdmin(['orgs', 'users', 'list', '--json'])
      const names = (JSON.parse(list.stdout) as { items: Array<{ email: string; name: string | null }> })
        .items
      assert.deepEqual(
        names.filter((m) => m.email === 'nina@acme.test' || m.email === 'carol@acme.test').map((m) => m.name),
        [null, 'Nina'],
      )
      assert.equal((await asAdmin(['orgs', 'users', 'remove', 'nina@acme.test', '--yes'])).code, 0)
    })
  })

  describe('tokens', () => {
    let ciId = ''
    let ciToken = ''

    it('creates a read-only token, printing it once with a warning to store it', async () => {
      const res = await asAdmin([
        'orgs',
        'tokens',
        'create',
        '--read-only',
        '--name',
        'ci',
        '--expires',
        '2099-12-31',
      ])
      assert.equal(res.code, 0, res.stderr)
      const m = /^Token {6}(lic_u_[A-Za-z0-9_-]{43})$/m.exec(res.stdout)
      assert.ok(m, res.stdout)
      ciToken = m[1]!
      ciId = /^Id {9}(tok_\w+)$/m.exec(res.stdout)![1]!
      assert.match(res.stdout, /^User {7}alice@acme\.test$/m)
      assert.match(res.stdout, /^Read-only {2}yes$/m)
      // As `tokens list` shows it: the instant it stops working, to the minute.
      assert.match(res.stdout, /^Expires {4}2100-01-01 00:00Z$/m)
      assert.match(res.stdout, /^Name {7}ci$/m)
      assert.equal(res.stderr, 'Store the token now: it is not shown again.\n')
      secrets.push(ciToken)
    })

    it('--json includes the token; --expires takes a duration; a bad --expires is 2', async () => {
      const res = await asAdmin(['orgs', 'tokens', 'create', '--expires', '30d', '--json'])
      const created = JSON.parse(res.stdout)
      secrets.push(created.token)
      assert.match(created.token, /^lic_u_/)
      const days = (Date.parse(created.expiresAt) - Date.now()) / 86_400_000
      assert.ok(days > 29.9 && days <= 30, String(days))
      assertFails(
        await asAdmin(['orgs', 'tokens', 'create', '--expires', 'soon']),
        2,
        "--expires: expected a date like 2027-12-31, an instant with its offset or a duration like 90d, got 'soon'",
      )
    })

    it('a read-only token reads but cannot change anything (4)', async () => {
      const env = server.env(ciToken, 'acme')
      assert.equal((await runCli(['orgs', 'users', 'list'], { env })).code, 0)
      assertFails(await runCli(['orgs', 'update', '--name', 'CI'], { env }), 4, 'this token is read-only')
      assertJsonFails(
        await runCli(['orgs', 'users', 'add', 'eve@acme.test', '--json'], { env }),
        4,
        'read_only_token',
      )
    })

    it('a member creates their own tokens but not another member’s (4)', async () => {
      const own = await asBob(['orgs', 'tokens', 'create', '--name', 'laptop', '--json'])
      assert.equal(own.code, 0, own.stderr)
      secrets.push(JSON.parse(own.stdout).token)
      assert.equal(JSON.parse(own.stdout).userEmail, 'bob@acme.test')
      assertFails(
        await asBob(['orgs', 'tokens', 'create', '--user', 'alice@acme.test']),
        4,
        "only admins of 'acme' can do this",
      )
    })

    it('the operator creating a token without --user is told to name the member with --user (exit 2)', async () => {
      const res = await runCli(['orgs', 'tokens', 'create', '--name', 'ci'], {
        env: server.env(server.operatorToken, 'acme'),
      })
      assertFails(res, 2, '--user: required: the operator names the member the token is for')
      const json = await runCli(['orgs', 'tokens', 'create', '--json'], {
        env: server.env(server.operatorToken, 'acme'),
      })
      assertJsonFails(json, 2, 'validation_failed')
    })

    it('a past --expires is worded alike for a token and a seat pool (exit 2): the date against today, then why', async () => {
      const token = await asAdmin(['orgs', 'tokens', 'create', '--name', 'old', '--expires', '2020-01-01'])
      const pool = await server.asOperator([
        ...['seats', 'provision', 'old-pool', '--org', 'acme', '--seats', '1', '--expires', '2020-01-01'],
      ])
      const today = /\(today is (\d{4}-\d\d-\d\d) in UTC\)/.exec(pool.stderr)?.[1]
      assertFails(
        token,
        2,
        `--expires: '2020-01-01' has passed (today is ${today} in UTC): the token would be expired on arrival`,
      )
      assertFails(
        pool,
        2,
        `--expires: '2020-01-01' has passed (today is ${today} in UTC): the seat pool would be expired on arrival`,
      )
    })

    it('lists tokens with prefixes, never a secret', async () => {
      const res = await asAdmin(['orgs', 'tokens', 'list'])
      assert.equal(res.code, 0, res.stderr)
      noSecrets(res)
      const lines = res.stdout.trimEnd().split('\n')
      assert.match(lines[0]!, /^\s*Id\s+Name\s+Prefix\s+User\s+Access\s+Created\s+Expires\s+Last used$/)
      const ci = lines.find((l) => l.includes(ciId))!
      assert.match(
        ci,
        new RegExp(
          `${ciId}\\s+ci\\s+${ciToken.slice(0, 10)}…\\s+alice@acme\\.test\\s+read-only\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\dZ\\s+2100-01-01 00:00Z\\s+`,
        ),
      )
      // Created with --expires 2099-12-31, it works through that day: the list shows the instant it
      // stops (00:00 of the next day) with its time, never a bare "2100-01-01" read as a last day.
      assert.doesNotMatch(ci, /2100-01-01 {2}/)
      const json = await asAdmin(['orgs', 'tokens', 'list', '--json'])
      noSecrets(json)
      const items = JSON.parse(json.stdout).items as Array<Record<string, unknown>>
      assert.ok(items.every((i) => !('token' in i)))
      assert.ok(items.some((i) => i.id === ciId && i.readOnly === true))
      const mine = JSON.parse((await asBob(['orgs', 'tokens', 'list', '--json'])).stdout).items
      assert.ok(mine.every((i: { userEmail: string }) => i.userEmail === 'bob@acme.test'))
    })

    it('revoke needs --yes off a terminal (2); with it the token stops working (4); again is already so (0)', async () => {
      assertFails(
        await asAdmin(['orgs', 'tokens', 'revoke', ciId]),
        2,
        `Revoke token ${ciId}? Anything using it stops working. — refusing without --yes (not on a terminal, so no prompt)`,
      )
      const res = await asAdmin(['orgs', 'tokens', 'revoke', ciId, '--yes'])
      assert.equal(res.code, 0, res.stderr)
      assert.equal(res.stdout, `Revoked ${ciId} (ci) of alice@acme.test.\n`)
      assertFails(
        await runCli(['orgs', 'show'], { env: server.env(ciToken, 'acme') }),
        4,
        'invalid or revoked token',
      )
      // Again: already so, exit 0, saying when; --json gives the token with its revokedAt.
      const json = JSON.parse(ok(await asAdmin(['orgs', 'tokens', 'revoke', ciId, '--yes', '--json'])).stdout)
      assert.deepEqual([json.id, json.state, json.changed], [ciId, 'revoked', false])
      assert.equal(
        ok(await asAdmin(['orgs', 'tokens', 'revoke', ciId, '--yes'])).stdout,
        `Token ${ciId} (ci) of alice@acme.test was already revoked (at ${json.revokedAt.slice(0, 16).replace('T', ' ')}Z): nothing to do.\n`,
      )
      assertFails(
        await asAdmin(['orgs', 'tokens', 'revoke', 'tok_00000000000000000000000000', '--yes']),
        5,
        "token 'tok_00000000000000000000000000' not found",
      )
      // Without --yes off a terminal, the refusal for it comes first, as every usage error does
      // (test/e2e/usage-first.test.ts); on a terminal the token is looked up before the question:
      // the revoked one exits 0 with nothing asked, the unknown one 5.
      assertFails(
        await asAdmin(['orgs', 'tokens', 'revoke', ciId]),
        2,
        `Revoke token ${ciId}? Anything using it stops working. — refusing without --yes (not on a terminal, so no prompt)`,
      )
      const tty = await runInPty(['orgs', 'tokens', 'revoke', ciId], {
        env: server.env(admin, 'acme'),
        timeoutMs: 20_000,
      })
      assert.equal(tty.code, 0, tty.stdout)
      assert.match(tty.stdout, new RegExp(`Token ${ciId} \\(ci\\) of alice@acme.test was already revoked`))
      assert.doesNotMatch(tty.stdout, /Revoke token/)
      const unknown = await runInPty(['orgs', 'tokens', 'revoke', 'tok_00000000000000000000000000'], {
        env: server.env(admin, 'acme'),
        timeoutMs: 20_000,
      })
      assert.equal(unknown.code, 5, unknown.stdout)
      assert.doesNotMatch(unknown.stdout, /Revoke token/)
    })

    it('tokens list --all adds expired and revoked tokens, with a State column and a state field', async () => {
      const live = ok(await asAdmin(['orgs', 'tokens', 'list']))
      assert.ok(!live.stdout.includes(ciId), live.stdout)
      assert.doesNotMatch(live.stdout.split('\n')[0]!, /State/)
      const all = ok(await asAdmin(['orgs', 'tokens', 'list', '--all']))
      noSecrets(all)
      const lines = all.stdout.trimEnd().split('\n')
      assert.match(lines[0]!, /\s+Last used\s+State$/)
      assert.match(
        lines.find((l) => l.includes(ciId))!,
        /\s+revoked$/,
      )
      const json = JSON.parse(ok(await asAdmin(['orgs', 'tokens', 'list', '--all', '--json'])).stdout) as {
        items: Array<{ id: string; state: string; revokedAt: string | null }>
      }
      const ci = json.items.find((i) => i.id === ciId)!
      assert.equal(ci.state, 'revoked')
      assert.match(ci.revokedAt!, /^\d{4}-\d\d-\d\dT/)
      assert.ok(json.items.some((i) => i.state === 'live'))
    })
  })

  describe('audit', () => {
    it('shows time, actor, action, target and before → after, newest first (admins)', async () => {
      const res = await asAdmin(['orgs', 'audit', '--action', 'org.update', '--limit', '2'])
      assert.equal(res.code, 0, res.stderr)
      const lines = res.stdout.trimEnd().split('\n')
      assert.match(lines[0]!, /^\s*Time\s+Actor\s+Action\s+Target\s+Change\s+Id$/)
      assert.equal(lines.length, 3)
      assert.match(
        lines[1]!,
        /^\s*\d{4}-\d\d-\d\d \d\d:\d\dZ\s+alice@acme\.test\s+org\.update\s+acme\s+\{"contactPhone":"\+49 30 1234567"\} → \{"contactPhone":null\}\s+ev_[0-9a-z]+$/,
      )
      noSecrets(res)
    })

    it('filters by action prefix and time, streams --all --json as NDJSON, and refuses members (4) and bad dates (2)', async () => {
      const ndjson = (text: string) =>
        text
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as { action: string })
      const users = ndjson((await asAdmin(['orgs', 'audit', '--action', 'user.', '--all', '--json'])).stdout)
      assert.ok(users.length >= 4)
      assert.ok(users.every((e: { action: string }) => e.action.startsWith('user.')))
      const all = ndjson((await asAdmin(['orgs', 'audit', '--all', '--json'])).stdout)
      const limited = JSON.parse((await asAdmin(['orgs', 'audit', '--limit', '3', '--json'])).stdout).items
      assert.deepEqual(limited, all.slice(0, 3))
      const future = await asAdmin(['orgs', 'audit', '--since', '2099-01-01'])
      assert.equal(future.stdout, 'No audit entries.\n')
      const recent = ndjson((await asAdmin(['orgs', 'audit', '--since', '1h', '--all', '--json'])).stdout)
      assert.equal(recent.length, all.length)
      assertFails(await asBob(['orgs', 'audit']), 4, "only admins of 'acme' can do this")
      assertFails(
        await asAdmin(['orgs', 'audit', '--since', 'last tuesday']),
        2,
        "--since: expected a duration like 90d, a date like 2027-12-31 or an instant with its offset, got 'last tuesday'",
      )
    })
  })

  describe('api', () => {
    it('GETs a path relative to /v1 and prints the JSON body', async () => {
      const res = await asBob(['api', '/orgs/acme'])
      assert.equal(res.code, 0, res.stderr)
      assert.ok(res.stdout.startsWith('{\n  "slug": "acme",\n'))
      assert.equal(JSON.parse(res.stdout).contactEmail, 'licensing@acme.test')
      const absolute = await asBob(['api', '/v1/orgs/acme/users'])
      assert.equal(JSON.parse(absolute.stdout).items.length, 3)
    })

    it('POSTs -f/-F fields as a JSON body, and sends fields as the query for GET', async () => {
      const patch = await asAdmin(['api', '-X', 'PATCH', '/orgs/acme', '-f', 'name=Acme Surveying'])
      assert.equal(patch.code, 0, patch.stderr)
      assert.equal(JSON.parse(patch.stdout).name, 'Acme Surveying')
      const tok = await asAdmin(['api', '/orgs/acme/tokens', '-f', 'name=api-made', '-F', 'readOnly=true'])
      assert.equal(tok.code, 0, tok.stderr)
      const created = JSON.parse(tok.stdout)
      secrets.push(created.token)
      assert.deepEqual([created.name, created.readOnly], ['api-made', true])
      const audit = await asAdmin([
        'api',
        '-X',
        'GET',
        '/orgs/acme/audit',
        '-f',
        'action=token.',
        '-F',
        'limit=1',
      ])
      const items = JSON.parse(audit.stdout).items
      assert.deepEqual(
        items.map((e: { action: string; target: string }) => [e.action, e.target]),
        [['token.create', created.id]],
      )
    })

    it('sends --input from a file or stdin', async () => {
      const file = join(server.dir, 'users.json')
      writeFileSync(file, JSON.stringify({ items: [{ email: 'erin@acme.test' }] }))
      const res = await asAdmin(['api', '/orgs/acme/users/bulk-add', '--input', file])
      assert.equal(res.code, 0, res.stderr)
      assert.deepEqual(JSON.parse(res.stdout).summary, { changed: 1, unchanged: 0, failed: 0 })
      const piped = await asAdmin(
        ['api', '-X', 'PATCH', '/orgs/acme/users/erin@acme.test', '--input', '-'],
        '{"role":"admin"}',
      )
      assert.equal(JSON.parse(piped.stdout).role, 'admin')
    })

    it('maps errors to the exit-code table with a one-line reason on stderr', async () => {
      assertFails(await server.asOperator(['api', '/orgs/nope']), 5, "organization 'nope' not found")
      assertFails(
        await asBob(['api', '-X', 'PATCH', '/orgs/acme', '-f', 'name=Bobco']),
        4,
        "only admins of 'acme' can do this",
      )
      assertFails(
        await asAdmin(['api', '-X', 'PATCH', '/orgs/acme', '-f', 'colour=red']),
        2,
        /^Error: body\.colour: /,
      )
      assertFails(
        await asAdmin(['api', '/orgs/acme', '-f', 'novalue']),
        2,
        "field 'novalue': expected key=value",
      )
      assertFails(
        await asAdmin(['api', 'https://evil.example/v1/me']),
        2,
        'the path must be relative to the server, e.g. /orgs/acme',
      )
      assertFails(await asAdmin(['api', '/nowhere']), 5, 'no route GET /v1/nowhere')
      // A path that exists, with a method it does not take: a usage error naming the ones it takes.
      assertFails(
        await asAdmin(['api', '-X', 'DELETE', '/orgs/acme/activations/ids']),
        2,
        'DELETE is not allowed on /v1/orgs/acme/activations/ids: it takes GET, HEAD, POST',
      )
    })
  })
})

describe('e2e: orgs users from stdin, and what removal releases', function () {
  let server: E2eServer
  let admin: string
  before(async () => {
    server = await E2eServer.start()
    admin = await server.createOrg('initech', 'bill@initech.test')
  })
  after(async () => server.stop())

  it('adds members from a CSV piped to --file - (stdin is never read as a target)', async () => {
    const csv =
      'email,name,role\r\nmilton@initech.test,"Waddams, Milton",member\r\npeter@initech.test,Peter,admin\r\n'
    const res = await runCli(['orgs', 'users', 'add', '--file', '-'], {
      env: server.env(admin, 'initech'),
      input: csv,
    })
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /Done \(add users\): 2 changed, 0 unchanged, 0 failed\./)
    const list = JSON.parse(
      (await runCli(['orgs', 'users', 'list', '--json'], { env: server.env(admin, 'initech') })).stdout,
    )
    assert.deepEqual(
      list.items.map((m: { email: string; name: string; role: string }) => [m.email, m.name, m.role]),
      [
        ['bill@initech.test', null, 'admin'],
        ['milton@initech.test', 'Waddams, Milton', 'member'],
        ['peter@initech.test', 'Peter', 'admin'],
      ],
    )
  })

  it('says, per row, which seats and tokens removing a member released', async () => {
    const env = server.env(admin, 'initech')
    assert.equal(
      (
        await server.asOperator([
          'seats',
          'provision',
          'tps',
          '--org',
          'initech',
          '--seats',
          '2',
          '--expires',
          '2099-01-01',
        ])
      ).code,
      0,
    )
    assert.equal(
      (
        await runCli(['seats', 'checkout', 'tps', '--host', 'basement', '--user', 'milton@initech.test'], {
          env,
        })
      ).code,
      0,
    )
    assert.equal(
      (await runCli(['orgs', 'tokens', 'create', '--user', 'milton@initech.test', '--json'], { env })).code,
      0,
    )
    const plan = await runCli(['orgs', 'users', 'remove', 'milton@initech.test', '--dry-run'], { env })
    assert.match(
      plan.stdout,
      /\+ will-change milton@initech\.test — seats released: tps on basement; tokens revoked: 1/,
    )
    const res = await runCli(
      ['orgs', 'users', 'remove', 'milton@initech.test', 'peter@initech.test', '--yes'],
      { env },
    )
    assert.equal(res.code, 0, res.stderr)
    assert.match(
      res.stdout,
      /✓ changed\s+milton@initech\.test — seats released: tps on basement; tokens revoked: 1\n/,
    )
    assert.match(res.stdout, /✓ changed\s+peter@initech\.test — no seats, add-ons or tokens held\n/)
  })
})

describe('e2e: stored text reaches the terminal escaped', function () {
  let server: E2eServer
  let admin: string
  before(async () => {
    server = await E2eServer.start()
    admin = await server.createOrg('ctl', 'alice@ctl.test')
    const add = await runCli(['orgs', 'users', 'add', 'eve@ctl.test'], { env: server.env(admin, 'ctl') })
    assert.equal(add.code, 0, add.stderr)
    // Names stored before the API refused control characters (or written around it): a screen
    // clear, a window-title change, hidden text and a right-to-left override.
    const { default: Database } = await import('better-sqlite3')
    const db = new Database(server.dbUrl)
    db.prepare("update users set name = ? where email = 'eve@ctl.test'").run(
      'Eve\u001b[2J\u001b]0;pwned\u0007\u001b[8mhidden\u202eevil',
    )
    db.prepare("update organizations set name = ? where slug = 'ctl'").run('Ctl\u009b2J\rCorp')
    db.close()
  })
  after(async () => server.stop())

  const ESCAPED_EVE = 'Eve\\x1b[2J\\x1b]0;pwned\\x07\\x1b[8mhidden\\u202eevil'

  it('escapes every control character of a listed name, off a terminal and with colour forced', async () => {
    for (const colour of [{ NO_COLOR: '1' }, { FORCE_COLOR: '1' }]) {
      const env = { ...server.env(admin, 'ctl'), ...colour }
      const list = await runCli(['orgs', 'users', 'list'], { env })
      assert.equal(list.code, 0, list.stderr)
      assert.ok(list.stdout.includes(ESCAPED_EVE), list.stdout)
      // What is left of ESC is only the CLI's own colour codes (forced), never a stored sequence.
      // eslint-disable-next-line no-control-regex
      const escapes: string[] = list.stdout.match(/\u001b[^m]*m?/g) ?? []
      if ('NO_COLOR' in colour) assert.deepEqual(escapes, [])
      else {
        assert.ok(escapes.length > 0, 'the header is still bold')
        // eslint-disable-next-line no-control-regex
        for (const e of escapes) assert.match(e, /^\u001b\[[0-9;]*m$/)
        assert.ok(!escapes.includes('\u001b[8m'))
      }
      assert.ok(!list.stdout.includes('\u202e') && !list.stdout.includes('\u0007'))
      const show = await runCli(['orgs', 'show'], { env })
      assert.equal(show.code, 0, show.stderr)
      assert.ok(show.stdout.includes('Ctl\\x9b2J\\rCorp'), show.stdout)
    }
  })

  it('keeps the data as stored under --json (JSON escapes, parsed back to the same name)', async () => {
    const res = await runCli(['orgs', 'users', 'list', '--json'], { env: server.env(admin, 'ctl') })
    assert.equal(res.code, 0, res.stderr)
    assert.ok(!res.stdout.includes('\u001b') && !res.stdout.includes('\u202e'))
    const eve = (JSON.parse(res.stdout) as { items: Array<{ email: string; name: string }> }).items.find(
      (m) => m.email === 'eve@ctl.test',
    )
    assert.equal(eve?.name, 'Eve\u001b[2J\u001b]0;pwned\u0007\u001b[8mhidden\u202eevil')
  })
})

describe('e2e: stored names show their invisible characters on the terminal', function () {
  let server: E2eServer
  let admin: string
  let tokenId: string
  // Stored before the API refused invisible characters: a zero-width space, a non-joiner and a joiner
  // between Latin letters, a byte-order mark, a soft hyphen, a Hangul filler. Then a name where
  // the non-joiner and the joiners are how it is written (Persian, a family emoji).
  const HIDDEN = 'Z\u200bed b\u200co\u200db \ufeffX Ac\u00adme \u3164!'
  // As messages show control characters: `\x..` up to U+00FF (the soft hyphen), `\u....` past it.
  const SHOWN = 'Z\\u200bed b\\u200co\\u200db \\ufeffX Ac\\xadme \\u3164!'
  const WRITTEN = 'می\u200cخواهم \u{1f468}\u200d\u{1f469}\u200d\u{1f467}'
  before(async () => {
    server = await E2eServer.start()
    admin = await server.createOrg('inv', 'alice@inv.test')
    const env = server.env(admin, 'inv')
    for (const email of ['zed@inv.test', 'pari@inv.test'])
      assert.equal((await runCli(['orgs', 'users', 'add', email], { env })).code, 0)
    const created = await runCli(
      ['orgs', 'tokens', 'create', '--user', 'zed@inv.test', '--name', 'ci', '--json'],
      {
        env,
      },
    )
    assert.equal(created.code, 0, created.stderr)
    tokenId = (JSON.parse(created.stdout) as { id: string }).id
    const { default: Database } = await import('better-sqlite3')
    const db = new Database(server.dbUrl)
    db.prepare("update users set name = ? where email = 'zed@inv.test'").run(HIDDEN)
    db.prepare("update users set name = ? where email = 'pari@inv.test'").run(WRITTEN)
    db.prepare('update tokens set name = ? where id = ?').run(`ci\u200bbot`, tokenId)
    db.close()
  })
  after(async () => server.stop())

  it('a table shows each as an escape, and keeps joiners where they are how a name is written', async () => {
    for (const colour of [{ NO_COLOR: '1' }, { FORCE_COLOR: '1' }]) {
      const list = await runCli(['orgs', 'users', 'list'], {
        env: { ...server.env(admin, 'inv'), ...colour },
      })
      assert.equal(list.code, 0, list.stderr)
      assert.ok(list.stdout.includes(SHOWN), list.stdout)
      assert.ok(list.stdout.includes(WRITTEN), list.stdout)
      assert.ok(!/[\u200b\ufeff\u00ad\u3164]/u.test(list.stdout), list.stdout)
      // The columns still line up: the escapes are laid out as the text they are.
      const row = (email: string) =>
        list.stdout
          .split('\n')
          .find((l) => l.includes(email))!
          // eslint-disable-next-line no-control-regex
          .replace(/\u001b\[[0-9;]*m/g, '')
      assert.equal(row('zed@').length, row('alice@').length, list.stdout)
    }
  })

  it('a message shows them as escapes too', async () => {
    const res = await runCli(['orgs', 'tokens', 'revoke', tokenId, '--yes'], {
      env: server.env(admin, 'inv'),
    })
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout, `Revoked ${tokenId} (ci\\u200bbot) of zed@inv.test.\n`)
    const gone = await runCli(['orgs', 'tokens', 'revoke', 'tok_\u200bnone', '--yes'], {
      env: server.env(admin, 'inv'),
    })
    assert.equal(gone.code, 5, gone.stderr)
    assert.equal(gone.stderr, `Error: token 'tok_\\u200bnone' not found\n`)
  })

  it('--json on a terminal shows them as JSON escapes (a joiner that is how a name is written stays), parsing back the same', async () => {
    const res = await runInPty(['orgs', 'users', 'list', '--json'], { env: server.env(admin, 'inv') })
    assert.equal(res.code, 0, res.stdout)
    assert.ok(res.stdout.includes('Z\\u200bed b\\u200co\\u200db \\ufeffX Ac\\u00adme \\u3164!'), res.stdout)
    assert.ok(res.stdout.includes(WRITTEN), res.stdout)
    assert.doesNotMatch(res.stdout.replaceAll(WRITTEN, ''), new RegExp(`[${INVISIBLE}]`, 'u'))
    const names = (JSON.parse(res.stdout) as { items: Array<{ email: string; name: string | null }> }).items
    assert.equal(names.find((m) => m.email === 'zed@inv.test')?.name, HIDDEN)
    assert.equal(names.find((m) => m.email === 'pari@inv.test')?.name, WRITTEN)
  })

  it('--json keeps the names exactly as stored', async () => {
    const res = await runCli(['orgs', 'users', 'list', '--json'], { env: server.env(admin, 'inv') })
    assert.equal(res.code, 0, res.stderr)
    const names = (JSON.parse(res.stdout) as { items: Array<{ email: string; name: string | null }> }).items
    assert.equal(names.find((m) => m.email === 'zed@inv.test')?.name, HIDDEN)
    assert.equal(names.find((m) => m.email === 'pari@inv.test')?.name, WRITTEN)
    assert.ok(res.stdout.includes(HIDDEN), res.stdout)
  })
})
