import { strict as assert } from 'node:assert'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { join } from 'node:path'
import pg from 'pg'
import { DIALECTS, PG_URL, freshDb, type TestDb } from '../helpers/dialects.js'
import { runCli } from '../helpers/e2e.js'
import { ServerProcess } from '../helpers/server-process.js'

for (const dialect of DIALECTS) {
  describe(`server start: graceful shutdown on ${dialect}`, function () {
    let dir: string
    let db: TestDb
    let server: ServerProcess

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'licctl-shutdown-'))
      db = await freshDb(dialect, dir)
    })
    after(async () => {
      await server?.stop()
      await db.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    it('a server that cannot start says why, releases the database and exits 1 at once', async () => {
      const own = await freshDb(dialect, dir)
      try {
        // Not initialized yet: the --db given is the problem, as for `server migrate` (exit 2; a
        // SQLite file that does not exist is refused before it opens, below); then a port that is taken.
        if (dialect === 'postgres') {
          const uninitialized = await runCli(['server', 'start', '--db', own.url, '--port', '0'])
          assert.equal(uninitialized.code, 2, uninitialized.stderr)
          assert.match(
            uninitialized.stderr,
            /^Error: --db: .+ is not initialized: it has no operator token\nHint: `licctl server init --db /m,
          )
        }
        await ServerProcess.init(own.url)
        const first = await ServerProcess.start(own.url)
        const port = new URL(first.url).port
        const taken = await runCli(['server', 'start', '--db', own.url, '--port', port])
        // An open PostgreSQL pool used to keep the process alive for 10 s after printing the error.
        // Timed from the error's arrival, not from the spawn: start-up alone took 2.5–4.8 s of
        // wall time at a load average of 13–18, which made a 5 s limit on the whole run flaky.
        const lingered = taken.exitedAt! - taken.lastOutputAt!
        assert.ok(lingered < 3_000, `exited ${lingered} ms after printing its error`)
        assert.equal(taken.code, 1)
        // Log lines (JSON) may come first, as the database closes; the reason is the last line.
        assert.equal(
          taken.stderr.trimEnd().split('\n').at(-1),
          `Error: cannot listen on 127.0.0.1:${port}: the port is in use (pick another --port, or 0 for a free one)`,
        )
        assert.deepEqual(await first.stop(), { code: 0, signal: null })
      } finally {
        await own.drop()
      }
    })

    it('a --host that does not resolve is named as such, not as getaddrinfo ENOTFOUND', async () => {
      const own = await freshDb(dialect, dir)
      try {
        await ServerProcess.init(own.url)
        // .invalid never resolves (RFC 6761).
        const res = await runCli([
          'server',
          'start',
          '--db',
          own.url,
          '--host',
          'licctl.invalid',
          '--port',
          '0',
        ])
        assert.equal(res.code, 1)
        assert.equal(
          res.stderr.trimEnd().split('\n').at(-1),
          'Error: cannot listen on licctl.invalid:0: cannot resolve this host name (check --host)',
        )
      } finally {
        await own.drop()
      }
    })

    if (dialect === 'sqlite')
      it('migrate and start on a SQLite file that does not exist refuse it (exit 2) and create nothing', async () => {
        // A mistyped --db in an upgrade: SQLite would create an empty file, and migrate would then
        // build a database without an operator token, reporting success.
        const missing = join(dir, 'no-such', '..', 'typo.sqlite')
        for (const args of [['migrate'], ['start', '--port', '0'], ['migrate', '--json']]) {
          const res = await runCli(['server', ...args, '--db', missing])
          assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`)
          if (args.includes('--json')) assert.equal(JSON.parse(res.stderr).error.code, 'database_not_found')
          else {
            assert.match(
              res.stderr,
              new RegExp(`--db: no such SQLite file: '${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`),
            )
            assert.match(res.stderr, /licctl server init --db /)
          }
          assert.equal(existsSync(missing), false, `${args.join(' ')} created ${missing}`)
        }
      })

    if (dialect === 'postgres')
      it('migrate and start on a PostgreSQL schema that does not exist refuse it (exit 2), name `server init` and create nothing', async () => {
        // As a SQLite file that does not exist (above): `server init` creates the schema.
        const own = await freshDb(dialect, dir)
        await own.drop()
        const schema = new URL(own.url).searchParams.get('schema')!
        for (const args of [['migrate'], ['start', '--port', '0'], ['migrate', '--json']]) {
          const res = await runCli(['server', ...args, '--db', own.url])
          assert.equal(res.code, 2, res.stderr)
          if (args.includes('--json'))
            assert.deepEqual(JSON.parse(res.stderr), {
              error: {
                code: 'database_not_found',
                message: `--db: PostgreSQL schema ${schema} does not exist`,
              },
            })
          else
            assert.equal(
              res.stderr.trimEnd().split('\n').slice(-2).join('\n'),
              `Error: --db: PostgreSQL schema ${schema} does not exist\nHint: \`licctl server init --db '${own.url}'\` creates it; check ?schema= if it should exist`,
              args[0],
            )
        }
        const admin = new pg.Client({ connectionString: PG_URL })
        await admin.connect()
        try {
          const found = await admin.query('select 1 from pg_namespace where nspname = $1', [schema])
          assert.equal(found.rowCount, 0)
        } finally {
          await admin.end()
        }
      })

    it('on SIGTERM finishes the request in flight, refuses new connections, closes the database and exits 0', async () => {
      const operator = await ServerProcess.init(db.url)
      server = await ServerProcess.start(db.url)
      const created = await fetch(`${server.url}/v1/orgs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
        body: JSON.stringify({ slug: 'acme', name: 'Acme', admin: { email: 'alice@acme.test' } }),
      })
      const admin = ((await created.json()) as { admin: { token: string } }).admin.token

      // The in-flight request: a full bulk batch whose body arrives in two halves, with SIGTERM
      // between them, so the request is certainly in flight when the signal lands.
      const body = JSON.stringify({
        items: Array.from({ length: 1000 }, (_, i) => ({ email: `user${i}@acme.test` })),
      })
      const half = Math.floor(body.length / 2)
      // A raw socket: the request's head and the first half of its body are on the wire, nothing
      // buffers them (an HTTP client may hold a body back until it ends).
      const url = new URL(server.url)
      const slow = connect(Number(url.port), url.hostname)
      const answer = new Promise<{ status: number; text: string; connection: string | undefined }>(
        (ok, fail) => {
          let raw = ''
          slow.on('error', fail)
          slow.on('data', (d: Buffer) => (raw += d.toString()))
          // The server closes the connection after its answer (Connection: close while draining).
          slow.on('end', () => {
            const [head = '', text = ''] = raw.split('\r\n\r\n')
            ok({
              status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]),
              text,
              connection: /^connection: *(.*)$/im.exec(head)?.[1]?.trim(),
            })
          })
        },
      )
      slow.write(
        [
          'POST /v1/orgs/acme/users/bulk-add HTTP/1.1',
          `host: ${url.host}`,
          `authorization: Bearer ${admin}`,
          'content-type: application/json',
          `content-length: ${Buffer.byteLength(body)}`,
          'x-request-id: slow-bulk',
          '',
          '',
        ].join('\r\n'),
      )
      slow.write(body.slice(0, half))
      await server.waitForLog((l) => l.reqId === 'slow-bulk' && l.msg === 'incoming request')

      server.proc.kill('SIGTERM')
      await server.waitForLog((l) => l.msg === 'shutting down')
      // The listener is closed: a new connection is refused while the old request goes on.
      await assert.rejects(fetch(`${server.url}/v1/health`), 'new connections are refused')
      slow.write(body.slice(half)) // no FIN: a half-closed client socket aborts its request in Node

      const res = await answer
      const answeredAt = Date.now()
      assert.equal(res.status, 200, res.text)
      assert.deepEqual((JSON.parse(res.text) as { summary: unknown }).summary, {
        changed: 1000,
        unchanged: 0,
        failed: 0,
      })
      const exit = await server.exit
      // Not held open by the keep-alive socket of the request it just answered (5 s by default).
      assert.ok(Date.now() - answeredAt < 2_000, `exited ${Date.now() - answeredAt} ms after answering`)
      assert.equal(res.connection, 'close')
      assert.deepEqual(exit, { code: 0, signal: null })

      const messages = server.logLines().map((l) => `${String(l.reqId ?? '')} ${String(l.msg)}`)
      const completed = messages.indexOf('slow-bulk request completed')
      const closed = messages.indexOf(' database closed')
      assert.ok(completed > messages.indexOf(' shutting down'), messages.join('\n'))
      assert.ok(
        closed > completed,
        `the database closes after the request completes:\n${messages.join('\n')}`,
      )
      // SQLite removes its -wal file when the last connection closes cleanly.
      if (dialect === 'sqlite') assert.equal(existsSync(`${db.url}-wal`), false)
    })

    it('a second SIGINT exits at once (1), without waiting for the bulk request in flight', async () => {
      const own = await freshDb(dialect, dir)
      try {
        const operator = await ServerProcess.init(own.url)
        const second = await ServerProcess.start(own.url)
        const created = await fetch(`${second.url}/v1/orgs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
          body: JSON.stringify({ slug: 'acme', name: 'Acme', admin: { email: 'alice@acme.test' } }),
        })
        const admin = ((await created.json()) as { admin: { token: string } }).admin.token
        const body = JSON.stringify({ items: [{ email: 'user@acme.test' }] })
        const url = new URL(second.url)
        // Half a bulk request: it stays in flight until the process ends, which the first signal's
        // graceful close waits for.
        const held = connect(Number(url.port), url.hostname)
        held.on('error', () => {})
        held.write(
          [
            'POST /v1/orgs/acme/users/bulk-add HTTP/1.1',
            `host: ${url.host}`,
            `authorization: Bearer ${admin}`,
            'content-type: application/json',
            `content-length: ${Buffer.byteLength(body)}`,
            'x-request-id: held-bulk',
            '',
            body.slice(0, 5),
          ].join('\r\n'),
        )
        await second.waitForLog((l) => l.reqId === 'held-bulk' && l.msg === 'incoming request')
        second.proc.kill('SIGINT')
        await second.waitForLog((l) => l.msg === 'shutting down')
        const stillUp = await Promise.race([second.exit.then(() => false), sleep(300).then(() => true)])
        assert.ok(stillUp, 'the first signal waits for the request in flight')
        const sentAt = Date.now()
        second.proc.kill('SIGINT')
        assert.deepEqual(await second.exit, { code: 1, signal: null })
        assert.ok(Date.now() - sentAt < 500, `exited ${Date.now() - sentAt} ms after the second signal`)
        held.destroy()
      } finally {
        await own.drop()
      }
    })
  })
}

describe('server start: an unreachable database', function () {
  it('is reported as unreachable, not as uninitialized (exit 1)', async () => {
    const res = await runCli([
      'server',
      'start',
      '--db',
      'postgres://licctl:pw-never-printed@127.0.0.1:9/licenses',
      '--port',
      '0',
    ])
    assert.equal(res.code, 1)
    const reason = res.stderr.trimEnd().split('\n').at(-1)
    assert.match(
      reason!,
      /^Error: cannot open database postgres:\/\/licctl:\*\*\*@127\.0\.0\.1:9\/licenses: .*ECONNREFUSED/,
    )
    assert.ok(!res.stderr.includes('pw-never-printed'), 'the password is not printed')
  })

  it('a --db URL that cannot work is refused before connecting, naming the flag (exit 2)', async () => {
    for (const command of ['init', 'migrate', 'start'])
      for (const [db, reason] of [
        [
          'postgres://licctl@127.0.0.1:9/licenses?schema=Licctl',
          "--db: schema 'Licctl' is not a name licctl can use: lowercase letters, digits and _, not starting with a digit",
        ],
        [
          'postgres://licctl@db host/licenses',
          '--db: not a valid postgres:// URL (postgres://user:password@host:5432/database?schema=name)',
        ],
      ] as const) {
        const res = await runCli(['server', command, '--db', db])
        assert.equal(res.code, 2, `${command} ${db}: ${res.stderr}`)
        assert.equal(res.stderr.trimEnd().split('\n').at(-1), `Error: ${reason}`, command)
      }
  })

  it('is named by server init and server migrate too, not by the driver’s bare message (exit 1)', async () => {
    for (const command of ['init', 'migrate']) {
      const res = await runCli([
        'server',
        command,
        '--db',
        'postgres://licctl:pw-never-printed@127.0.0.1:9/licenses',
      ])
      assert.equal(res.code, 1, `${command}: ${res.stderr}`)
      assert.match(
        res.stderr.trimEnd().split('\n').at(-1)!,
        /^Error: cannot open database postgres:\/\/licctl:\*\*\*@127\.0\.0\.1:9\/licenses: .*ECONNREFUSED/,
        command,
      )
      assert.ok(!res.stderr.includes('pw-never-printed'), 'the password is not printed')
    }
  })
})

describe('server init and start: a PostgreSQL password is never printed', function () {
  let dir: string
  let db: TestDb | undefined
  before(async function () {
    if (!DIALECTS.includes('postgres')) this.skip()
    dir = mkdtempSync(join(tmpdir(), 'licctl-pw-'))
    db = await freshDb('postgres', dir)
  })
  after(async () => {
    await db?.drop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  // The test database trusts 127.0.0.1: any password is accepted, so the URLs below all connect.
  it('in the hint of a database not initialized yet (the password in the URL’s user part)', async () => {
    const url = new URL(db!.url)
    url.username = 'postgres'
    url.password = 'pw-never-printed'
    const res = await runCli(['server', 'start', '--db', url.toString(), '--port', '0'])
    assert.equal(res.code, 2, res.stderr)
    assert.match(
      res.stderr.trimEnd().split('\n').at(-1)!,
      /^Hint: `licctl server init --db 'postgres:\/\/postgres:\*\*\*@[^`]*\?schema=licctl_test_\w+'` creates its tables and prints the operator token$/,
    )
    assert.ok(!res.stderr.includes('pw-never-printed'), res.stderr)
  })

  it('in what init prints and start logs (the password as a URL parameter)', async () => {
    const url = new URL(db!.url)
    url.searchParams.set('password', 'pw-never-printed')
    const init = await runCli(['server', 'init', '--db', url.toString(), '--json'])
    assert.equal(init.code, 0, init.stderr)
    const { db: described } = JSON.parse(init.stdout) as { db: string }
    // As --db takes it (ed2823f): the URL with its ?schema=, the password masked.
    assert.match(described, /^postgres:\/\/[^?]*\?schema=licctl_test_\w+&password=\*\*\*$/)
    assert.ok(!init.stdout.includes('pw-never-printed'), init.stdout)
    const server = await ServerProcess.start(url.toString())
    await server.stop()
    assert.match(server.stderr, /"msg":"database opened"/)
    assert.ok(!server.stderr.includes('pw-never-printed'), server.stderr)
  })
})
