import { strict as assert } from 'node:assert'
import { writeFileSync } from 'node:fs'
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

  it('orgs login offers the current profile’s server, and refuses a URL without its scheme at the prompt', async () => {
    const env = { LICCTL_CONFIG_DIR: join(server.dir, 'tty-login-again') }
    const first = await runCli(['orgs', 'login', '--url', server.url, '--org', 'acme', '--with-token'], {
      env,
      input: admin,
    })
    assert.equal(first.code, 0, first.stderr)
    const res = await runInPty(['orgs', 'login', '--org', 'acme'], {
      env,
      answers: [
        { after: /Server URL/, type: '127.0.0.1:1\r' },
        { after: /starts with http:\/\/ or https:\/\//, type: '\u0015\r' },
        { after: /Token/, type: `${admin}\r` },
      ],
    })
    assert.equal(res.code, 0, res.stdout)
    assert.ok(res.stdout.includes(`Server URL (${server.url})`), res.stdout)
    assert.match(
      res.stdout,
      /a server URL starts with http:\/\/ or https:\/\/, e\.g\. http:\/\/127\.0\.0\.1:1/,
    )
    assert.ok(res.stdout.includes(`Logged in to ${server.url} as alice@acme.test (admin)`), res.stdout)
  })

  it('a destructive command asks, naming what it would release, and does nothing when the answer is no', async () => {
    const op = await server.asOperator([
      'seats',
      'provision',
      'cam',
      '--org',
      'acme',
      '--seats',
      '1',
      '--expires',
      '2099-12-31',
    ])
    assert.equal(op.code, 0, op.stderr)
    const co = await runCli(['seats', 'checkout', 'cam', '--host', 'ws-carol', '--user', 'carol@acme.test'], {
      env: server.env(admin, 'acme'),
    })
    assert.equal(co.code, 0, co.stderr)
    const no = await runInPty(['orgs', 'users', 'remove', 'carol@acme.test'], {
      env: server.env(admin, 'acme'),
      answers: [{ after: /Remove carol@acme\.test/, type: 'n\r' }],
    })
    assert.equal(no.code, 2)
    // The server's dry run, in the question: what removing her would release.
    assert.match(
      no.stdout,
      /Remove carol@acme\.test from acme \(seats released: cam on ws-carol\)\?/,
      no.stdout,
    )
    assert.match(no.stdout, /Error: cancelled/)
    const pools = await runCli(['seats', 'pools', '--json'], { env: server.env(admin, 'acme') })
    assert.equal(
      (JSON.parse(pools.stdout).items as Array<{ product: string; inUse: number }>).find(
        (p) => p.product === 'cam',
      )?.inUse,
      1,
      'the dry run released nothing',
    )
    const still = await runCli(['orgs', 'users', 'list', '--json'], { env: server.env(admin, 'acme') })
    assert.ok(JSON.parse(still.stdout).items.some((m: { email: string }) => m.email === 'carol@acme.test'))
    const yes = await runInPty(['orgs', 'users', 'remove', 'carol@acme.test'], {
      env: server.env(admin, 'acme'),
      answers: [{ after: /Remove carol@acme\.test/, type: 'y\r' }],
    })
    assert.equal(yes.code, 0, yes.stdout)
    assert.match(yes.stdout, /✓ changed\s+carol@acme\.test/)
  })

  it('removing many members lists 20 above the question; more than a batch is asked about without a plan', async function () {
    this.timeout(60_000)
    const many = Array.from({ length: 1_001 }, (_, i) => `m${i}@many.test`)
    const file = join(server.dir, 'many.csv')
    writeFileSync(file, ['email', ...many].join('\n') + '\n')
    const add = await runCli(['orgs', 'users', 'add', '--file', file, '--json'], {
      env: server.env(admin, 'acme'),
    })
    assert.equal(add.code, 0, add.stderr)
    const some = join(server.dir, 'some.csv')
    writeFileSync(some, ['email', ...many.slice(0, 25)].join('\n') + '\n')
    const listed = await runInPty(['orgs', 'users', 'remove', '--file', some], {
      env: server.env(admin, 'acme'),
      answers: [{ after: /Remove 25 members from acme/, type: 'n\r' }],
    })
    assert.equal(listed.code, 2, listed.stdout)
    assert.match(listed.stdout, /m19@many\.test: /)
    assert.doesNotMatch(listed.stdout, /m20@many\.test: /)
    assert.match(listed.stdout, /… and 5 more/)
    // 1,001 removals are more than one batch: not planned first (it would take as long as the job).
    const big = await runInPty(['orgs', 'users', 'remove', '--file', file], {
      env: server.env(admin, 'acme'),
      answers: [{ after: /Remove the 1001 members listed in/, type: 'n\r' }],
    })
    assert.equal(big.code, 2, big.stdout)
    // (the terminal wraps the question at its width)
    assert.match(big.stdout, /Remove the 1001 members listed in \S*many\.csv from acme/)
    assert.doesNotMatch(big.stdout, /m0@many\.test: /, 'no plan, so no member listed')
    assert.match(big.stdout, /Error: cancelled/)
    const still = await runCli(
      [
        'orgs',
        'users',
        'list',
        '--json',
        'email',
        '--jq',
        '[.items[] | select(.email | endswith("@many.test"))] | length',
      ],
      {
        env: server.env(admin, 'acme'),
      },
    )
    assert.equal(Number(still.stdout.trim()), 1_001, 'nobody removed')
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

  it('Ctrl-C in a bulk job stops after the batch being applied, says how far it got and leaves the terminal as it was', async () => {
    const file = join(server.dir, 'interrupted.csv')
    const emails = Array.from({ length: 1000 }, (_, i) => `int${i}@acme.test`)
    writeFileSync(file, ['email', ...emails].join('\n') + '\n')
    const env = { ...server.env(admin, 'acme'), LICCTL_BULK_BATCH_SIZE: '5' }
    const res = await runInPty(['orgs', 'users', 'add', '--file', file], {
      env,
      answers: [{ after: / [1-9]\d*\/1000 rows/, type: '\u0003' }],
      timeoutMs: 60_000,
    })
    assert.equal(res.code, 130, res.stdout)
    const stopped =
      /Stopped after (\d+) of 1000 rows: (\d+) changed, 0 unchanged, 0 failed\. Re-run the same command to finish\./.exec(
        res.stdout,
      )
    assert.ok(stopped, res.stdout)
    const done = Number(stopped[1])
    assert.equal(Number(stopped[2]), done)
    assert.ok(done > 0 && done < 1000, res.stdout)
    assert.match(res.stdout, new RegExp(`Error: interrupted \\(SIGINT\\) after ${done} of 1000 rows`))
    // The progress bar hid the cursor and turned line wrapping off: both are back.
    assert.ok(
      res.stdout.lastIndexOf(`${ESC}?7h`) > res.stdout.lastIndexOf(`${ESC}?7l`),
      'line wrapping stays off',
    )
    assert.ok(
      res.stdout.lastIndexOf(`${ESC}?25h`) > res.stdout.lastIndexOf(`${ESC}?25l`),
      'the cursor stays hidden',
    )
    // What was reported is what was applied: no batch left on its way unreported.
    const list = await runCli(['orgs', 'users', 'list', '--json', 'email'], { env })
    const added = (JSON.parse(list.stdout).items as Array<{ email: string }>).filter((m) =>
      m.email.startsWith('int'),
    )
    assert.equal(added.length, done)
    const again = await runCli(['orgs', 'users', 'add', '--file', file], { env })
    assert.equal(again.code, 0, again.stderr)
    assert.match(
      again.stdout,
      new RegExp(`Done \\(add users\\): ${1000 - done} changed, ${done} unchanged, 0 failed\\.`),
    )
  })

  it('draws no progress bar on a dumb terminal (TERM=dumb): its escape codes would show as text', async () => {
    const file = join(server.dir, 'dumb.csv')
    writeFileSync(
      file,
      ['email', ...Array.from({ length: 60 }, (_, i) => `dumb${i}@acme.test`)].join('\n') + '\n',
    )
    const res = await runInPty(['orgs', 'users', 'add', '--file', file], {
      env: { ...server.env(admin, 'acme'), NO_COLOR: undefined, TERM: 'dumb' },
    })
    assert.equal(res.code, 0, res.stdout)
    assert.match(res.stdout, /Done \(add users\): 60 changed, 0 unchanged, 0 failed\./)
    assert.ok(!res.stdout.includes(ESC), 'no cursor, wrapping or colour codes on a dumb terminal')
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
