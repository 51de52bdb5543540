import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../helpers/e2e.js'

const TOKEN = 'lic_u_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'
const ANSI = new RegExp(String.fromCharCode(27) + '\\[')

/** The base command's one error handler, seen from outside: stderr, stdout and the exit code. */
describe('cli: errors become one line on stderr and the spec’s exit code', function () {
  let dir: string
  let deadUrl: string
  const env = (extra: Record<string, string> = {}) => ({ LICCTL_CONFIG_DIR: join(dir, 'config'), ...extra })

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'licctl-cli-errors-'))
    // A port nothing listens on.
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    deadUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    await new Promise((r) => server.close(r))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('an unreachable server exits 1 with the reason and a next step', async () => {
    const res = await runCli(['orgs', 'show', 'acme'], {
      env: env({ LICCTL_URL: deadUrl, LICCTL_TOKEN: TOKEN, NO_COLOR: '1' }),
    })
    assert.equal(res.code, 1)
    assert.equal(res.stdout, '')
    assert.deepEqual(res.stderr.split('\n'), [
      `Error: cannot reach ${deadUrl}: connection refused`,
      'Hint: check the server URL and that the server is running',
      '',
    ])
  })

  it('with --json the same failure is one JSON line on stderr, nothing on stdout, same exit code', async () => {
    const res = await runCli(['orgs', 'show', 'acme', '--json'], {
      env: env({ LICCTL_URL: deadUrl, LICCTL_TOKEN: TOKEN }),
    })
    assert.equal(res.code, 1)
    assert.equal(res.stdout, '')
    assert.deepEqual(JSON.parse(res.stderr), {
      error: { code: 'network_error', message: `cannot reach ${deadUrl}: connection refused` },
    })
  })

  it('a usage error exits 2 and points at the command’s help; a token in the input is never echoed', async () => {
    const res = await runCli(['orgs', 'show', 'acme', TOKEN], { env: env({ NO_COLOR: '1' }) })
    assert.equal(res.code, 2)
    assert.equal(res.stdout, '')
    assert.ok(!res.stderr.includes(TOKEN), res.stderr)
    const lines = res.stderr.trimEnd().split('\n')
    assert.match(lines[0]!, /^Error: Unexpected argument: lic_u_\[REDACTED\]/)
    assert.equal(lines.at(-1), 'See: licctl orgs show --help')
    const json = await runCli(['orgs', 'show', '--no-such-flag', '--json'], { env: env() })
    assert.equal(json.code, 2)
    assert.equal(json.stdout, '')
    const error = (JSON.parse(json.stderr) as { error: { code: string; message: string } }).error
    assert.equal(error.code, 'usage')
    assert.match(error.message, /^Nonexistent flag: --no-such-flag/)
  })

  it('oclif’s parse errors read as licctl’s own: flags refused together, a missing flag or argument', async () => {
    const cases: Array<[string[], string, string?]> = [
      [['orgs', 'audit', '--all', '--limit', '5'], '--all and --limit cannot be used together'],
      [
        ['explain', 'a@b.test', '--addon', 'x', '--pool', 'y', '--device', 'z'],
        'only one of --addon, --device and --pool may be given',
      ],
      [['activations', 'split', 'act_06h44bctr4pxpxxh0s182wtdbg'], 'missing required flag --quantity'],
      [['activations', 'split', '--quantity', '1'], 'missing argument ID (activation ID)'],
      // Both at once: one sentence for the flags refused together, then the flag missing.
      [
        ['devices', 'transfer', '--key', 'K', '--license', 'L'],
        '--license and --key cannot be used together; missing required flag --to',
      ],
      [['activations', 'list', '--output', 'xml'], "--output: expected one of csv, tsv, got 'xml'"],
      [['activations', 'list', '--output', ''], "--output: expected one of csv, tsv, got ''"],
      // An argument's value outside its options: named and quoted as a flag's is.
      [
        ['orgs', 'users', 'set-role', 'bob@acme.test', 'boss'],
        "ROLE: expected one of admin, member, got 'boss'",
      ],
      // The path read as a second -H value: the hint says why it is missing, naming the flag given.
      [
        ['api', '-H', 'X-Trace: 1', '/me'],
        'missing argument PATH (API path, e.g. /orgs/acme)',
        'Hint: --header takes several values: give PATH before it, or end the flags with --',
      ],
      [
        ['api', '-H', 'X-Trace: 1', '-f', 'a=1', '/me'],
        'missing argument PATH (API path, e.g. /orgs/acme)',
        'Hint: --field and --header take several values: give PATH before them, or end the flags with --',
      ],
    ]
    for (const [args, message, hint] of cases) {
      const res = await runCli(args, { env: env() })
      assert.equal(res.code, 2, res.stderr)
      assert.equal(res.stdout, '')
      const lines = res.stderr.split('\n')
      assert.equal(lines[0], `Error: ${message}`, args.join(' '))
      if (hint) assert.equal(lines[1], hint)
      const json = await runCli([...args, '--json'], { env: env() })
      if (args[0] !== 'api')
        assert.deepEqual(JSON.parse(json.stderr), { error: { code: 'usage', message } }, args.join(' '))
    }
  })

  it('a value outside a flag’s or an argument’s options names it and quotes the value as typed (exit 2)', async () => {
    const cases: Array<[string[], string]> = [
      // Flags: Flags.option and Flags.string with options, given as `--flag=value` and `--flag value`.
      [['seats', 'list', '--state=Stale2'], "--state: expected one of active, stale, roaming, got 'Stale2'"],
      [['devices', 'keys', 'issue', '--term', '2y'], "--term: expected one of 1y, 3y, 5y, got '2y'"],
      [['expiry', 'check', '--format', ''], "--format: expected one of table, github, got ''"],
      // Arguments: of a server command and of one that needs none (no --json there).
      [
        ['orgs', 'users', 'set-role', 'bob@acme.test', 'Owner'],
        "ROLE: expected one of admin, member, got 'Owner'",
      ],
      [
        ['orgs', 'users', 'set-role', 'bob@acme.test', 'bo\nss'],
        "ROLE: expected one of admin, member, got 'bo\\nss'",
      ],
      [['autocomplete', 'script', 'tcsh'], "SHELL: expected one of zsh, bash, fish, powershell, got 'tcsh'"],
    ]
    for (const [args, message] of cases) {
      const res = await runCli(args, { env: env() })
      assert.equal(res.code, 2, res.stderr)
      assert.equal(res.stdout, '')
      assert.equal(res.stderr.split('\n')[0], `Error: ${message}`, args.join(' '))
      if (args[0] === 'autocomplete') continue
      const json = await runCli([...args, '--json'], { env: env() })
      assert.equal(json.code, 2, json.stderr)
      assert.equal(json.stdout, '')
      assert.deepEqual(JSON.parse(json.stderr), { error: { code: 'usage', message } }, args.join(' '))
    }
  })

  it('a value outside the options is quoted as typed (a line break, an escape sequence) and said in one line, as the CLI’s own checks say theirs', async () => {
    // The CLI's own refusal (`api -X`) is the model: one line, no pointer to --help, which the
    // message (it lists the values) makes needless.
    const cases: Array<[string[], string]> = [
      [['api', '-X', 'fetch', '/me'], "--method: expected one of GET, POST, PATCH, PUT, DELETE, got 'fetch'"],
      // -X given no value lists the methods, as every flag with options does.
      [['api', '/me', '-X'], '--method: expected one of GET, POST, PATCH, PUT, DELETE, got no value'],
      [['activations', 'list', '--output', 'a\nb'], "--output: expected one of csv, tsv, got 'a\\nb'"],
      [
        ['activations', 'list', '--output', 'a\x1b[31mb'],
        "--output: expected one of csv, tsv, got 'a\\x1b[31mb'",
      ],
      [
        ['seats', 'list', '--state', 'Stale2'],
        "--state: expected one of active, stale, roaming, got 'Stale2'",
      ],
      [
        ['orgs', 'users', 'set-role', 'bob@acme.test', 'boss'],
        "ROLE: expected one of admin, member, got 'boss'",
      ],
    ]
    for (const [args, message] of cases) {
      const res = await runCli(args, { env: env() })
      assert.equal(res.code, 2, res.stderr)
      assert.equal(res.stdout, '')
      assert.equal(res.stderr, `Error: ${message}\n`, args.join(' '))
    }
  })

  it('a flag given no value is refused in licctl’s words, as a value outside its options is (exit 2, no pointer to --help)', async () => {
    const cases: Array<[string[], string]> = [
      // Last on the line, or followed by another flag: oclif's "Flag --output expects one of these values".
      [['seats', 'list', '--output'], '--output: expected one of csv, tsv, got no value'],
      [['seats', 'list', '--output', '--state', 'stale'], '--output: expected one of csv, tsv, got no value'],
      [['seats', 'list', '--output='], "--output: expected one of csv, tsv, got ''"],
      [['seats', 'list', '--user'], '--user: expected a value'],
      [['seats', 'list', '--output', 'csv', '--output', 'tsv'], '--output: may be given only once'],
    ]
    for (const [args, message] of cases) {
      const res = await runCli(args, { env: env({ NO_COLOR: '1' }) })
      assert.equal(res.code, 2, res.stderr)
      assert.equal(res.stdout, '')
      assert.equal(res.stderr, `Error: ${message}\n`, args.join(' '))
      const json = await runCli(['seats', 'list', '--json', ...args.slice(2)], { env: env() })
      assert.equal(json.code, 2, json.stderr)
      assert.equal(json.stdout, '')
      assert.deepEqual(JSON.parse(json.stderr), { error: { code: 'usage', message } }, args.join(' '))
    }
  })

  it('a missing argument hints at a flag taking several values only when one was given', async () => {
    for (const [args, message] of [
      [['orgs', 'create'], 'missing argument SLUG (short unique name: lowercase letters, digits, dashes)'],
      [['api'], 'missing argument PATH (API path, e.g. /orgs/acme)'],
      // An argument with options: its description, not oclif's `(admin|member)` before it.
      [['orgs', 'users', 'set-role'], 'missing arguments EMAIL (the member), ROLE (admin or member)'],
    ] as const) {
      const res = await runCli([...args], { env: env({ NO_COLOR: '1' }) })
      assert.equal(res.code, 2, res.stderr)
      assert.equal(res.stderr, `Error: ${message}\nSee: licctl ${args.join(' ')} --help\n`)
    }
    const json = await runCli(['orgs', 'create', '--json'], { env: env() })
    assert.equal(json.code, 2)
    assert.deepEqual(JSON.parse(json.stderr), {
      error: {
        code: 'usage',
        message: 'missing argument SLUG (short unique name: lowercase letters, digits, dashes)',
      },
    })
  })

  it('an unknown flag suggests the command’s flag meant, when one is clearly close', async () => {
    const cases: Array<[string[], string, string | undefined]> = [
      // A prefix of the flags meant: both named, in order.
      [
        ['orgs', 'create', 'acme', '--name', 'X', '--admin', 'a@b.c'],
        'Nonexistent flag: --admin',
        'did you mean --admin-email or --admin-name?',
      ],
      [
        ['orgs', 'create', 'acme', '--admin-emial=a@b.c'],
        'Nonexistent flag: --admin-emial=a@b.c',
        'did you mean --admin-email?',
      ],
      // A typo, and a global flag.
      [['orgs', 'create', 'acme', '--nmae', 'X'], 'Nonexistent flag: --nmae', 'did you mean --name?'],
      [['seats', 'list', '--js'], 'Nonexistent flag: --js', 'did you mean --json?'],
      // Nothing close: no guess.
      [['seats', 'list', '--xyzzy'], 'Nonexistent flag: --xyzzy', undefined],
    ]
    for (const [args, message, hint] of cases) {
      const res = await runCli(args, { env: env({ NO_COLOR: '1' }) })
      assert.equal(res.code, 2, res.stderr)
      assert.equal(res.stdout, '')
      assert.equal(
        res.stderr,
        `Error: ${message}\n${hint ? `Hint: ${hint}\n` : ''}See: licctl ${args.slice(0, 2).join(' ')} --help\n`,
      )
    }
  })

  it('a URL that is not a licctl server exits 1 and says so, whatever status its web page has', async () => {
    // A web server at the URL (a typo, a proxy's default site): its 404 page is not licctl's
    // "not found" (exit 5, which a script may read as "already gone"), its 200 page no success.
    const web = createHttpServer((req, res) => {
      const found = req.url === '/v1/me'
      res.writeHead(found ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' })
      res.end(found ? '<html><body>Welcome to nginx!</body></html>' : '<html><body>Not Found</body></html>')
    })
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}`
    try {
      const cliEnv = env({ LICCTL_URL: url, LICCTL_TOKEN: TOKEN, LICCTL_ORG: 'acme', NO_COLOR: '1' })
      const remove = await runCli(['orgs', 'users', 'remove', 'bob@acme.test', '--yes'], { env: cliEnv })
      assert.equal(remove.code, 1, remove.stderr)
      assert.equal(remove.stdout, '')
      assert.equal(
        remove.stderr,
        `Error: POST /v1/orgs/acme/users/bulk-remove answered 404 with text/html, not JSON: is ${url} a licctl server? It said: <html><body>Not Found</body></html>\n`,
      )
      const json = await runCli(['orgs', 'users', 'remove', 'bob@acme.test', '--yes', '--json'], {
        env: cliEnv,
      })
      assert.equal(json.code, 1)
      assert.equal((JSON.parse(json.stderr) as { error: { code: string } }).error.code, 'bad_response')
      const api = await runCli(['api', '/me'], { env: cliEnv })
      assert.equal(api.code, 1, api.stdout)
      assert.equal(api.stdout, '')
      assert.match(
        api.stderr,
        /^Error: GET \/v1\/me answered 200 with text\/html, not JSON: is .* a licctl server\?/,
      )
    } finally {
      await new Promise((r) => web.close(r))
    }
  })

  it('an https URL to a plain-HTTP server says the scheme is wrong, not an OpenSSL dump', async () => {
    const web = createHttpServer((_req, res) => res.end('{}'))
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}`
    try {
      const cliEnv = env({ LICCTL_TOKEN: TOKEN, NO_COLOR: '1' })
      const tls = await runCli(['orgs', 'show', 'acme'], {
        env: { ...cliEnv, LICCTL_URL: url.replace('http:', 'https:') },
      })
      assert.equal(tls.code, 1)
      assert.deepEqual(tls.stderr.split('\n'), [
        `Error: cannot reach ${url.replace('http:', 'https:')}: it does not speak TLS on that port (is the server's URL ${url}?)`,
        'Hint: check the server URL and that the server is running',
        '',
      ])
    } finally {
      await new Promise((r) => web.close(r))
    }
  })

  it('colours errors only when asked to (FORCE_COLOR), never off a terminal or with NO_COLOR', async () => {
    const args = ['orgs', 'show', '--no-such-flag']
    assert.doesNotMatch((await runCli(args, { env: env() })).stderr, ANSI)
    assert.doesNotMatch((await runCli(args, { env: env({ NO_COLOR: '1', FORCE_COLOR: '1' }) })).stderr, ANSI)
    assert.match((await runCli(args, { env: env({ FORCE_COLOR: '1' }) })).stderr, ANSI)
  })
})
