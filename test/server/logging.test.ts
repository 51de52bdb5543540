import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from '../../src/server/app.js'
import { initializeServer } from '../../src/server/services/operator.js'
import { openStorage, type Storage } from '../../src/storage/open.js'
import { freshDb } from '../helpers/dialects.js'
import { runCli, type CliResult } from '../helpers/e2e.js'
import { ServerProcess } from '../helpers/server-process.js'

/** Anything shaped like a licctl token (redacted ones are `lic_u_[REDACTED]`, which this misses). */
const TOKEN_SHAPE = /lic_(op|u)_[A-Za-z0-9_-]{8,}/

describe('server logs never contain a token', function () {
  describe('in-process, every level', function () {
    let dir: string
    let storage: Storage
    let operator: string
    const lines: string[] = []

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'licctl-logging-'))
      storage = await openStorage((await freshDb('sqlite', dir)).url)
      operator = (await initializeServer(storage.db, Date.now())).token
    })
    after(async () => {
      await storage.close()
      rmSync(dir, { recursive: true, force: true })
    })

    it('redacts a token even from an unexpected error whose message carries one', async () => {
      const app = await build({
        storage,
        logger: { level: 'trace' },
        logStream: { write: (line) => void lines.push(line) },
      })
      // A route only this test registers: a bug that puts a secret in an error message.
      app.post('/v1/test-leak', { config: { public: true } }, async (req) => {
        throw new Error(`could not use ${(req.body as { token: string }).token}`)
      })
      const res = await app.inject({
        method: 'POST',
        url: `/v1/test-leak?token=${operator}`,
        headers: { 'x-forwarded-token': operator },
        payload: { token: operator },
      })
      assert.equal(res.statusCode, 500)
      assert.ok(!res.body.includes(operator), 'the 500 answer carries no detail')
      const failed = await app.inject({
        method: 'GET',
        url: '/v1/orgs',
        headers: { authorization: `Bearer ${operator}x` },
      })
      assert.equal(failed.statusCode, 401)
      await app.close()
      const log = lines.join('')
      assert.match(log, /unhandled error/, 'the error was logged')
      assert.match(log, /lic_op_\[REDACTED\]/, 'and the token in it redacted')
      assert.doesNotMatch(log, TOKEN_SHAPE)
    })
  })

  describe('a real `server start`, its JSON log on stderr', function () {
    let dir: string
    let server: ServerProcess
    let operator: string
    let admin: string

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'licctl-logging-'))
      const db = join(dir, 'licctl.sqlite')
      operator = await ServerProcess.init(db)
      server = await ServerProcess.start(db, 'debug')
    })
    after(async () => {
      await server?.stop()
      rmSync(dir, { recursive: true, force: true })
    })

    const send = (method: string, path: string, token: string | null, body?: unknown) =>
      fetch(server.url + path, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })

    it('logs requests, auth failures and bad input as JSON lines without any token', async () => {
      const created = await send('POST', '/v1/orgs', operator, {
        slug: 'acme',
        name: 'Acme',
        admin: { email: 'alice@acme.test' },
      })
      assert.equal(created.status, 201)
      admin = ((await created.json()) as { admin: { token: string } }).admin.token
      const forged = `lic_u_${'A'.repeat(43)}`
      const attempts: Array<[string, string, string | null, unknown?]> = [
        ['GET', '/v1/orgs/acme', forged], // unknown token: 401
        ['GET', '/v1/orgs/acme', `${admin}tampered`], // 401
        ['GET', '/v1/orgs', admin], // 403: not the operator
        ['GET', `/v1/orgs/${admin}`, admin], // a token pasted into the path: 400
        ['GET', `/v1/orgs/acme/users?cursor=${admin}`, admin], // …into the query
        ['POST', '/v1/orgs', operator, { slug: admin, name: operator }], // …into a body: 400
        ['POST', '/v1/orgs/acme/tokens', admin, { name: 'ci' }], // the answer carries a new token
      ]
      for (const [method, path, token, body] of attempts) await send(method, path, token, body)
      // Idle keep-alive sockets would otherwise hold the server open past SIGTERM's grace period.
      const { code } = await server.stop()
      assert.equal(code, 0)
      const lines = server.logLines()
      assert.ok(lines.length >= 2 * attempts.length, 'each request is logged in and out')
      assert.ok(lines.some((l) => (l.res as { statusCode?: number } | undefined)?.statusCode === 401))
      assert.ok(
        lines.some((l) => typeof (l.req as { url?: string } | undefined)?.url === 'string'),
        'requests are logged with their URL',
      )
      for (const secret of [operator, admin, `lic_u_${'A'.repeat(43)}`])
        assert.ok(!server.stderr.includes(secret.slice(0, 20)), 'a token reached the log')
      assert.doesNotMatch(server.stderr, TOKEN_SHAPE)
      assert.match(server.stderr, /lic_u_\[REDACTED\]/, 'the pasted token was logged redacted')
    })
  })

  describe('an end-to-end CLI session: the server log and every command’s stderr', function () {
    this.timeout(120_000)
    let dir: string
    let server: ServerProcess
    const secrets: string[] = []
    const runs: Array<{ args: string[]; result: CliResult }> = []

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'licctl-logging-'))
      const db = join(dir, 'licctl.sqlite')
      secrets.push(await ServerProcess.init(db))
      server = await ServerProcess.start(db, 'debug')
    })
    after(async () => {
      await server?.stop()
      rmSync(dir, { recursive: true, force: true })
    })

    const cli = async (token: string, args: string[], input?: string) => {
      const result = await runCli(args, {
        env: { LICCTL_URL: server.url, LICCTL_TOKEN: token, LICCTL_CONFIG_DIR: join(dir, 'config') },
        ...(input === undefined ? {} : { input }),
      })
      runs.push({ args, result })
      return result
    }

    it('carries no token anywhere, through successes, refusals, bad input and a login', async () => {
      const operator = secrets[0]!
      const created = await cli(operator, [
        'orgs',
        'create',
        'acme',
        '--name',
        'Acme',
        '--admin-email',
        'a@acme.test',
        '--json',
      ])
      assert.equal(created.code, 0, created.stderr)
      const admin = (JSON.parse(created.stdout) as { admin: { token: string } }).admin.token
      secrets.push(admin)
      const ci = await cli(admin, [
        'orgs',
        'tokens',
        'create',
        '--org',
        'acme',
        '--name',
        'ci',
        '--read-only',
        '--json',
      ])
      assert.equal(ci.code, 0, ci.stderr)
      const readOnly = (JSON.parse(ci.stdout) as { token: string }).token
      secrets.push(readOnly)
      const forged = `lic_u_${'F'.repeat(43)}`
      secrets.push(forged)
      await cli(admin, ['orgs', 'users', 'add', 'b@acme.test', 'c@acme.test', '--org', 'acme'])
      await cli(readOnly, ['orgs', 'users', 'add', 'd@acme.test', '--org', 'acme']) // 403 read-only
      await cli(forged, ['orgs', 'show', 'acme']) // 401
      await cli(`${admin}x`, ['orgs', 'show', 'acme', '--json']) // 401, --json
      await cli(admin, ['orgs', 'show', admin]) // a token pasted as an argument
      await cli(admin, ['orgs', 'users', 'add', '--org', 'acme', '--file', '-'], `email\n${admin}\n`) // …in a file
      await cli(admin, ['api', `/v1/orgs/acme/users?cursor=${admin}`]) // …in a URL
      await cli(operator, ['orgs', 'login', '--url', server.url, '--org', 'acme', '--with-token'], forged) // a failed login
      const login = await cli(
        operator,
        ['orgs', 'login', '--url', server.url, '--org', 'acme', '--with-token'],
        `${readOnly}\n`,
      )
      assert.equal(login.code, 0, login.stderr)

      const { code } = await server.stop()
      assert.equal(code, 0)
      const refused = runs.filter((r) => r.result.code !== 0)
      assert.ok(refused.length >= 5, `${refused.length} commands failed on purpose`)
      const streams = [
        ['server log', server.stderr],
        ...runs.map((r) => [`stderr of licctl ${r.args.slice(0, 3).join(' ')}`, r.result.stderr]),
      ] as const
      for (const [where, text] of streams) {
        for (const secret of secrets)
          assert.ok(!text.includes(secret.slice(0, 16)), `a token in the ${where}`)
        assert.doesNotMatch(text, TOKEN_SHAPE, where)
      }
      assert.ok(server.stderr.split('\n').length > 20, 'the server logged the session')
    })
  })
})
