import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { E2eServer, runCli } from '../helpers/e2e.js'
import { runInPty } from '../helpers/pty.js'

// What a person at a terminal sees: prompts, confirmations and colour. Off a terminal the same
// commands never prompt (the other e2e suites check the exit-2 refusals).
describe('e2e: on a terminal', function () {
  let server: E2eServer
  let admin: string
  const ESC = '\u001b['

  before(async () => {
    server = await E2eServer.start()
    admin = await server.createOrg('acme', 'alice@acme.test')
    const add = await runCli(['orgs', 'users', 'add', 'bob@acme.test', 'carol@acme.test'], {
      env: server.env(admin, 'acme'),
    })
    assert.equal(add.code, 0, add.stderr)
  })
  after(async () => server.stop())

  it('orgs login asks for the URL and the token, masking the token', async () => {
    const env = { LICCTL_CONFIG_DIR: join(server.dir, 'tty-login') }
    const res = await runInPty(['orgs', 'login', '--org', 'acme'], {
      env,
      answers: [
        { after: /Server URL/, type: `\u0015${server.url}\r` },
        { after: /Token/, type: `${admin}\r` },
      ],
    })
    assert.equal(res.code, 0, res.stdout)
    assert.match(res.stdout, /Logged in to .* as alice@acme\.test \(admin\); profile 'acme' is now current/)
    assert.ok(!res.stdout.includes(admin), 'the token must not be echoed')
    const show = await runCli(['orgs', 'show', '--json'], { env })
    assert.equal(JSON.parse(show.stdout).slug, 'acme')
  })

  it('a destructive command asks, and does nothing when the answer is no', async () => {
    const no = await runInPty(['orgs', 'users', 'remove', 'carol@acme.test'], {
      env: server.env(admin, 'acme'),
      answers: [{ after: /Remove carol@acme\.test/, type: 'n\r' }],
    })
    assert.equal(no.code, 2)
    assert.match(no.stdout, /Error: cancelled/)
    const still = await runCli(['orgs', 'users', 'list', '--json'], { env: server.env(admin, 'acme') })
    assert.ok(JSON.parse(still.stdout).items.some((m: { email: string }) => m.email === 'carol@acme.test'))
    const yes = await runInPty(['orgs', 'users', 'remove', 'carol@acme.test'], {
      env: server.env(admin, 'acme'),
      answers: [{ after: /Remove carol@acme\.test/, type: 'y\r' }],
    })
    assert.equal(yes.code, 0, yes.stdout)
    assert.match(yes.stdout, /✓ changed\s+carol@acme\.test/)
  })

  it('releasing a seat with a recent heartbeat warns and asks; yes releases it', async () => {
    const op = await server.asOperator([
      'seats',
      'provision',
      'cad',
      '--org',
      'acme',
      '--seats',
      '2',
      '--expires',
      '2099-12-31',
    ])
    assert.equal(op.code, 0, op.stderr)
    const co = await runCli(
      ['seats', 'checkout', 'cad', '--host', 'ws-1', '--user', 'bob@acme.test', '--json'],
      { env: server.env(admin, 'acme') },
    )
    assert.equal(co.code, 0, co.stderr)
    const leaseId = JSON.parse(co.stdout).id as string
    const res = await runInPty(['seats', 'release', leaseId], {
      env: server.env(admin, 'acme'),
      answers: [{ after: /Release anyway\?/, type: 'y\r' }],
    })
    assert.equal(res.code, 0, res.stdout)
    assert.match(res.stdout, /bob@acme\.test on ws-1 sent a heartbeat \d+s ago: the seat looks in use/)
    assert.match(res.stdout, new RegExp(`✓ changed\\s+${leaseId}`))
    const pools = await runCli(['seats', 'pools', '--json'], { env: server.env(admin, 'acme') })
    assert.equal(JSON.parse(pools.stdout).items[0].inUse, 0)
  })

  it('colours tables on a terminal, but not with NO_COLOR, FORCE_COLOR=0, TERM=dumb or in a pipe', async () => {
    const coloured = await runInPty(['orgs', 'users', 'list'], {
      env: { ...server.env(admin, 'acme'), NO_COLOR: undefined },
    })
    assert.equal(coloured.code, 0)
    assert.ok(coloured.stdout.includes(ESC), 'expected ANSI colour on a terminal')
    const noColor = await runInPty(['orgs', 'users', 'list'], {
      env: { ...server.env(admin, 'acme'), NO_COLOR: '1' },
    })
    assert.ok(!noColor.stdout.includes(ESC), 'NO_COLOR must turn colour off')
    assert.match(noColor.stdout, /alice@acme\.test\s+-\s+admin/)
    const dumb = await runInPty(['orgs', 'users', 'list'], {
      env: { ...server.env(admin, 'acme'), NO_COLOR: undefined, TERM: 'dumb' },
    })
    assert.equal(dumb.code, 0)
    assert.ok(!dumb.stdout.includes(ESC), 'a dumb terminal (TERM=dumb) shows escape codes as text')
    assert.match(dumb.stdout, /alice@acme\.test\s+-\s+admin/)
    const forcedOff = await runInPty(['orgs', 'users', 'list'], {
      env: { ...server.env(admin, 'acme'), NO_COLOR: undefined, FORCE_COLOR: '0' },
    })
    assert.ok(!forcedOff.stdout.includes(ESC), 'FORCE_COLOR=0 forces colour off, as Node and chalk read it')
    const piped = await runCli(['orgs', 'users', 'list'], { env: server.env(admin, 'acme') })
    assert.ok(!piped.stdout.includes(ESC))
    assert.match(piped.stdout, /^ ?Email\s+Name\s+Role\s+Joined/)
  })
})
