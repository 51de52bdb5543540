import { strict as assert } from 'node:assert'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { assertFails, E2eServer, jsonError, runCli, type CliResult } from '../helpers/e2e.js'

const ok = (r: CliResult): CliResult => {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`)
  return r
}

/** The members `api /orgs/acme/users` lists, in the list's order (by email). */
const MEMBERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'].map((n) => `${n}@acme.test`)

describe('e2e: api --paginate, --jq and --profile', function () {
  let server: E2eServer
  let admin: string
  const asAdmin = (args: string[]) => runCli(args, { env: server.env(admin, 'acme') })

  before(async function () {
    this.timeout(60_000)
    server = await E2eServer.start()
    admin = await server.createOrg('acme', MEMBERS[0])
    ok(await asAdmin(['orgs', 'users', 'add', ...MEMBERS.slice(1)]))
  })
  after(async () => server.stop())

  describe('--paginate', () => {
    it('follows the cursor through every page and prints one document of all the items', async () => {
      // 7 members, 2 a page: 4 pages.
      const res = ok(await asAdmin(['api', '/orgs/acme/users', '--paginate', '-F', 'limit=2']))
      const doc = JSON.parse(res.stdout) as { items: Array<{ email: string }> }
      assert.deepEqual(Object.keys(doc), ['items'])
      assert.deepEqual(
        doc.items.map((m) => m.email),
        MEMBERS,
      )
      assert.ok(res.stdout.startsWith('{\n  "items": [\n'))
      // One page alone is what the server answers, cursor and all.
      const one = JSON.parse(
        ok(await asAdmin(['api', '/orgs/acme/users', '-X', 'GET', '-F', 'limit=2'])).stdout,
      )
      assert.equal(one.items.length, 2)
      assert.equal(typeof one.nextCursor, 'string')
    })

    it('starts from a given cursor, and takes -X GET', async () => {
      const first = JSON.parse(
        ok(await asAdmin(['api', '/orgs/acme/users', '-X', 'GET', '-F', 'limit=3'])).stdout,
      ) as { nextCursor: string }
      const rest = ok(
        await asAdmin([
          'api',
          '-X',
          'GET',
          '/orgs/acme/users',
          '--paginate',
          '-F',
          'limit=2',
          '-f',
          `cursor=${first.nextCursor}`,
          '--jq',
          '.items[].email',
        ]),
      )
      assert.equal(rest.stdout, MEMBERS.slice(3).join('\n') + '\n')
    })

    it('--jq filters the merged document as a whole', async () => {
      const count = ok(
        await asAdmin(['api', '/orgs/acme/users', '--paginate', '-F', 'limit=2', '--jq', '.items | length']),
      )
      assert.equal(count.stdout, '7\n')
      const emails = ok(
        await asAdmin([
          'api',
          '/orgs/acme/users',
          '--paginate',
          '-F',
          'limit=3',
          '--jq',
          '[.items[] | select(.role == "member") | .email] | join(",")',
        ]),
      )
      assert.equal(emails.stdout, MEMBERS.slice(1).join(',') + '\n')
    })

    it('refuses another method than GET (exit 2) before reading any profile or sending anything', async () => {
      // No server, no token: the refusal comes first.
      for (const method of ['POST', 'DELETE']) {
        const res = await runCli(
          ['api', '/orgs/acme/users', '--paginate', '-X', method, '-f', 'email=x@acme.test'],
          {
            env: { LICCTL_CONFIG_DIR: join(server.dir, 'no-config') },
          },
        )
        assertFails(res, 2, `--paginate follows the pages of a list, with GET only, not -X ${method}`)
        assert.match(res.stderr, /^Hint: drop --paginate to send a single request$/m)
      }
      const members = JSON.parse(ok(await asAdmin(['api', '/orgs/acme/users'])).stdout) as {
        items: unknown[]
      }
      assert.equal(members.items.length, 7)
    })

    it('refuses an answer that is not a list page (exit 2), naming the flag', async () => {
      assertFails(
        await asAdmin(['api', '/orgs/acme', '--paginate']),
        2,
        '--paginate: GET /v1/orgs/acme does not answer a list page (no "items" array)',
      )
      const json = await asAdmin(['api', '/orgs/acme', '--paginate', '--jq', '.'])
      assert.equal(json.code, 2)
      assert.equal(json.stdout, '')
      assert.deepEqual(jsonError(json), {
        code: 'usage',
        message: '--paginate: GET /v1/orgs/acme does not answer a list page (no "items" array)',
      })
    })

    it('a refused first page exits with its code, as without --paginate', async () => {
      assertFails(
        await asAdmin(['api', '/orgs/nope/users', '--paginate']),
        4,
        "this token acts for organization 'acme', not 'nope'",
      )
    })
  })

  describe('--jq without --paginate', () => {
    it('filters the response body; strings print raw', async () => {
      assert.equal(ok(await asAdmin(['api', '/orgs/acme', '--jq', '.slug'])).stdout, 'acme\n')
    })

    it('refuses a filter that does not compile (exit 2) before sending anything', async () => {
      const res = await runCli(['api', '/orgs/acme', '--jq', '.items['], {
        env: { LICCTL_CONFIG_DIR: join(server.dir, 'no-config') },
      })
      assert.equal(res.code, 2, res.stderr)
      assert.equal(res.stdout, '')
      assert.match(jsonError(res).message, /^--jq: /)
    })
  })

  describe('input refused before any request, naming the flag (exit 2)', () => {
    // No profile at all: each refusal comes before the connection is looked for.
    const unconnected = (args: string[], input?: string) =>
      runCli(['api', ...args], {
        env: { LICCTL_CONFIG_DIR: join(server.dir, 'no-config') },
        ...(input !== undefined ? { input } : {}),
      })

    it('a header value with a line break or control character, or a name HTTP does not allow', async () => {
      // What `-H "X-Trace: $(cat id.txt)"` sends when id.txt has Windows line endings: undici
      // refused it as if the server could not be reached (exit 1).
      assertFails(
        await unconnected(['/me', '-H', 'X-Trace: abc\r\nX-Other: 1']),
        2,
        "header 'X-Trace': the value must not contain line breaks or control characters, got 'abc\\r\\nX-Other: 1'",
      )
      assertFails(
        await unconnected(['/me', '-H', 'X Trace: abc']),
        2,
        "header 'X Trace': not a header name (letters, digits and - only)",
      )
    })

    it('an --input file that is missing, a directory or empty, and an empty --idempotency-key', async () => {
      assertFails(
        await unconnected(['/orgs/acme', '-X', 'PATCH', '--input', join(server.dir, 'nope.json')]),
        2,
        `--input: cannot read ${join(server.dir, 'nope.json')}: no such file`,
      )
      assertFails(
        await unconnected(['/orgs/acme', '-X', 'PATCH', '--input', server.dir]),
        2,
        `--input: cannot read ${server.dir}: it is a directory, not a file`,
      )
      assertFails(
        await unconnected(['/orgs/acme', '-X', 'PATCH', '--input', '-'], ''),
        2,
        '--input: stdin is empty: expected a JSON document',
      )
      assertFails(
        await unconnected(['/orgs/acme', '-X', 'PATCH', '-f', 'name=A', '--idempotency-key', '']),
        2,
        '--idempotency-key: must not be empty',
      )
    })

    it('an --idempotency-key the server would refuse, named by its flag before any request', async () => {
      for (const key of ['k1', 'has space', 'x'.repeat(201)])
        assertFails(
          await unconnected(['/orgs/acme', '-X', 'PATCH', '-f', 'name=A', '--idempotency-key', key]),
          2,
          `--idempotency-key: must be 8–200 characters of [A-Za-z0-9._:-], got ${key.length > 40 ? `'${'x'.repeat(40)}…'` : `'${key}'`}`,
        )
    })
  })

  it('takes -X in any case, as gh does, and sends it upper-cased; refuses a method it does not know (exit 2)', async () => {
    const listed = JSON.parse(
      ok(await asAdmin(['api', '-X', 'get', '/orgs/acme/users', '-F', 'limit=2'])).stdout,
    ) as {
      items: Array<{ email: string }>
    }
    assert.deepEqual(
      listed.items.map((m) => m.email),
      MEMBERS.slice(0, 2),
    )
    const patched = ok(
      await asAdmin([
        'api',
        '-X',
        'Patch',
        '/orgs/acme',
        '-f',
        'contactPhone=+49 30 7654321',
        '--jq',
        '.contactPhone',
      ]),
    )
    assert.equal(patched.stdout, '+49 30 7654321\n')
    // --paginate reads the method as sent: -X get is GET.
    ok(await asAdmin(['api', '-X', 'get', '/orgs/acme/users', '--paginate']))
    assertFails(
      await asAdmin(['api', '-X', 'fetch', '/orgs/acme/users']),
      2,
      "--method: expected one of GET, POST, PATCH, PUT, DELETE, got 'fetch'",
    )
  })

  it('a POST without the body its endpoint needs says one is required and how to give it (exit 2)', async () => {
    const res = await asAdmin(['api', '/orgs/acme/users/bulk-add', '-X', 'POST'])
    assertFails(
      res,
      2,
      'POST /v1/orgs/acme/users/bulk-add needs a JSON body: give fields with -f/-F key=value, or a JSON file with --input (- for stdin)',
    )
    const json = await asAdmin(['api', '/orgs/acme/users/bulk-add', '-X', 'POST', '--jq', '.'])
    assert.equal(jsonError(json).code, 'validation_failed')
    // A body that is there but wrong is the server's word, field by field.
    assertFails(
      await asAdmin(['api', '/orgs/acme/users/bulk-add', '-f', 'colour=red']),
      2,
      'body.items: required',
    )
  })

  it('--input reads a JSON file that starts with a byte order mark (as Windows editors save it)', async () => {
    const file = join(server.dir, 'bom.json')
    writeFileSync(file, '\uFEFF{"contactPhone": "+49 30 1234567"}\n')
    const res = ok(
      await asAdmin(['api', '/orgs/acme', '-X', 'PATCH', '--input', file, '--jq', '.contactPhone']),
    )
    assert.equal(res.stdout, '+49 30 1234567\n')
  })

  describe('--profile and LICCTL_PROFILE', () => {
    const configDir = () => join(server.dir, 'profiles-config')
    const withProfiles = (env: Record<string, string> = {}) => ({
      env: { LICCTL_CONFIG_DIR: configDir(), ...env },
    })

    before(async () => {
      // The operator's profile, then acme's admin's (now current).
      for (const [args, token] of [
        [[], server.operatorToken],
        [['--org', 'acme'], admin],
      ] as const)
        ok(
          await runCli(['orgs', 'login', '--url', server.url, ...args, '--with-token'], {
            ...withProfiles(),
            input: `${token}\n`,
          }),
        )
    })

    it('uses the named profile’s server and token, not the current one', async () => {
      const current = JSON.parse(ok(await runCli(['api', '/me'], withProfiles())).stdout) as {
        email?: string
      }
      assert.equal(current.email, 'alice@acme.test')
      const viaFlag = ok(
        await runCli(['api', '/me', '--profile', 'operator', '--jq', '.kind'], withProfiles()),
      )
      assert.equal(viaFlag.stdout, 'operator\n')
      const viaEnv = ok(
        await runCli(['api', '/me', '--jq', '.kind'], withProfiles({ LICCTL_PROFILE: 'operator' })),
      )
      assert.equal(viaEnv.stdout, 'operator\n')
      // The operator's profile acting on acme: the operator may list every organization.
      const orgs = ok(
        await runCli(
          ['api', '/orgs', '--paginate', '-F', 'limit=1', '--profile', 'operator', '--jq', '.items[].slug'],
          withProfiles(),
        ),
      )
      assert.equal(orgs.stdout, 'acme\n')
    })

    it('an unknown profile is not found (exit 5); with LICCTL_URL and LICCTL_TOKEN set --profile is refused (2)', async () => {
      assertFails(
        await runCli(['api', '/me', '--profile', 'opertor'], withProfiles()),
        5,
        "--profile: no profile named 'opertor'",
      )
      assertFails(
        await runCli(
          ['api', '/me', '--profile', 'operator'],
          withProfiles({ LICCTL_URL: server.url, LICCTL_TOKEN: admin }),
        ),
        2,
        /^Error: --profile 'operator' cannot be used while LICCTL_URL and LICCTL_TOKEN are set/,
      )
    })
  })
})

/**
 * A stand-in server answering list pages as `pages` says (by the cursor asked for): what the real
 * server does not do on purpose (fail on a middle page, repeat a cursor).
 */
describe('e2e: api --paginate against a failing server', function () {
  let stub: Server
  let url = ''
  let pages: Record<string, { status: number; body: unknown }> = {}
  const asked: string[] = []
  const cli = (args: string[]) =>
    runCli(args, {
      env: { LICCTL_URL: url, LICCTL_TOKEN: 'lic_u_stubstubstubstub', LICCTL_CONFIG_DIR: '/nonexistent' },
    })

  before(async () => {
    stub = createServer((req, res) => {
      const cursor = new URL(req.url!, 'http://x').searchParams.get('cursor') ?? ''
      asked.push(cursor)
      const page = pages[cursor] ?? {
        status: 500,
        body: { error: { code: 'internal', message: 'unexpected page' } },
      }
      res.writeHead(page.status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(page.body))
    })
    await new Promise<void>((done) => stub.listen(0, '127.0.0.1', done))
    url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`
  })
  after(() => new Promise<void>((done) => stub.close(() => done())))
  beforeEach(() => (asked.length = 0))

  it('a failure on a middle page exits with its code and prints no half document', async () => {
    pages = {
      '': { status: 200, body: { items: [1, 2], nextCursor: 'p2' } },
      p2: { status: 200, body: { items: [3, 4], nextCursor: 'p3' } },
      p3: { status: 404, body: { error: { code: 'not_found', message: 'organization gone' } } },
    }
    assertFails(await cli(['api', '/things', '--paginate']), 5, 'organization gone')
    assert.deepEqual(asked, ['', 'p2', 'p3'])
    const json = await cli(['api', '/things', '--paginate', '--jq', '.items'])
    assert.equal(json.code, 5)
    assert.equal(json.stdout, '')
    assert.equal(jsonError(json).code, 'not_found')
  })

  it('stops with exit 1 when the server repeats a cursor, instead of looping', async () => {
    pages = {
      '': { status: 200, body: { items: [1], nextCursor: 'p2' } },
      p2: { status: 200, body: { items: [2], nextCursor: 'p3' } },
      p3: { status: 200, body: { items: [3], nextCursor: 'p2' } },
    }
    assertFails(
      await cli(['api', '/things', '--paginate']),
      1,
      'the server answered page 3 of a list with a cursor it had already given: following it would never end',
    )
    assert.deepEqual(asked, ['', 'p2', 'p3'])
  })

  it('refuses a later page that is not a list page (2), or whose nextCursor is not a string (1)', async () => {
    pages = {
      '': { status: 200, body: { items: [1], nextCursor: 'p2' } },
      p2: { status: 200, body: { id: 'x' } },
    }
    assertFails(
      await cli(['api', '/things', '--paginate']),
      2,
      '--paginate: GET /v1/things does not answer a list page (no "items" array)',
    )
    pages = { '': { status: 200, body: { items: [1], nextCursor: 2 } } }
    const res = await cli(['api', '/things', '--paginate', '--jq', '.'])
    assert.equal(res.code, 1, res.stderr)
    assert.equal(res.stdout, '')
    assert.deepEqual(jsonError(res), {
      code: 'bad_response',
      message: '--paginate: GET /v1/things answered a nextCursor that is not a string',
    })
  })
})
