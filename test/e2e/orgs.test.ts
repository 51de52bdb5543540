import { strict as assert } from 'node:assert'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { E2eServer, jsonError, runCli } from '../helpers/e2e.js'

describe('e2e: orgs', function () {
  let server: E2eServer
  let admin: string

  before(async () => {
    server = await E2eServer.start()
    admin = await server.createOrg('acme', 'alice@acme.test')
  })
  after(async () => server.stop())

  it('logs in from a piped token and keeps the profile file at mode 0600, never echoing the token', async () => {
    const env = { LICCTL_CONFIG_DIR: join(server.dir, 'login-config') }
    const res = await runCli(['orgs', 'login', '--url', server.url, '--org', 'acme', '--with-token'], {
      env,
      input: admin + '\n',
    })
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /as alice@acme\.test \(admin\); profile 'acme' is now current/)
    assert.ok(!res.stdout.includes(admin) && !res.stderr.includes(admin))
    const mode = statSync(join(server.dir, 'login-config', 'profiles.json')).mode & 0o777
    assert.equal(mode, 0o600)
    const show = await runCli(['orgs', 'show', '--json'], { env })
    assert.equal(show.code, 0, show.stderr)
    assert.equal(JSON.parse(show.stdout).slug, 'acme')
  })

  it('refuses a member adding users with exit 4 and a one-line reason', async () => {
    const add = await runCli(['orgs', 'users', 'add', 'bob@acme.test', '--role', 'member'], {
      env: server.env(admin, 'acme'),
    })
    assert.equal(add.code, 0, add.stderr)
    const tok = await runCli(['orgs', 'tokens', 'create', '--user', 'bob@acme.test', '--json'], {
      env: server.env(admin, 'acme'),
    })
    assert.equal(tok.code, 0, tok.stderr)
    const bob = JSON.parse(tok.stdout).token as string
    const res = await runCli(['orgs', 'users', 'add', 'carol@acme.test'], { env: server.env(bob, 'acme') })
    assert.equal(res.code, 4)
    assert.equal(res.stderr.trim(), "Error: only admins of 'acme' can do this")
    const json = await runCli(['orgs', 'users', 'add', 'carol@acme.test', '--json'], {
      env: server.env(bob, 'acme'),
    })
    assert.equal(json.code, 4)
    assert.equal(json.stdout, '')
    assert.deepEqual(jsonError(json), { code: 'not_admin', message: "only admins of 'acme' can do this" })
  })

  it('exits 5 for an unknown organization and 2 for a bad flag, in both output modes', async () => {
    const unknown = await runCli(['orgs', 'show', 'nope'], { env: server.env(server.operatorToken) })
    assert.equal(unknown.code, 5)
    assert.equal(unknown.stderr.trim(), "Error: organization 'nope' not found")
    const unknownJson = await runCli(['orgs', 'show', 'nope', '--json'], {
      env: server.env(server.operatorToken),
    })
    assert.equal(unknownJson.code, 5)
    assert.equal(jsonError(unknownJson).code, 'not_found')
    const bad = await runCli(['orgs', 'show', '--bogus'], { env: server.env(admin) })
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /^Error: Nonexistent flag: --bogus/)
    const badJson = await runCli(['orgs', 'show', '--bogus', '--json'], { env: server.env(admin) })
    assert.equal(badJson.code, 2)
    assert.equal(jsonError(badJson).code, 'usage')
  })
})
