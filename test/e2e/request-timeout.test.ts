import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { jsonError, runCli, type CliResult } from '../helpers/e2e.js'

const TOKEN = 'lic_u_' + 'x'.repeat(43)
const HINT = 'Hint: set LICCTL_TIMEOUT to wait longer, e.g. LICCTL_TIMEOUT=2m (30s by default)'

/**
 * A server that accepts TCP connections, reads what it is sent, and never answers (a hung proxy, a
 * stopped process whose socket is still open): the CLI waited 30 s an attempt, four attempts for a
 * read (two minutes), and nothing set it. LICCTL_TIMEOUT bounds the whole wait, retries included.
 */
describe('e2e: LICCTL_TIMEOUT bounds the wait for a server that never answers', function () {
  this.timeout(60_000)
  let server: Server
  let host: string
  let connections = 0
  const sockets = new Set<Socket>()
  let config: string

  before(async () => {
    config = mkdtempSync(join(tmpdir(), 'licctl-timeout-'))
    server = createServer((socket) => {
      connections++
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.resume()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((r) => server.close(() => r()))
    rmSync(config, { recursive: true, force: true })
  })
  beforeEach(() => (connections = 0))

  const run = async (args: string[], timeout: string): Promise<CliResult & { took: number }> => {
    const started = Date.now()
    const res = await runCli(args, {
      env: {
        LICCTL_URL: `http://${host}`,
        LICCTL_TOKEN: TOKEN,
        LICCTL_ORG: 'acme',
        LICCTL_TIMEOUT: timeout,
        LICCTL_CONFIG_DIR: config,
      },
    })
    return { ...res, took: Date.now() - started }
  }

  it('expiry check with LICCTL_TIMEOUT=1s: exit 1 within seconds, naming the server, the time and the variable', async () => {
    const res = await run(['expiry', 'check'], '1s')
    assert.equal(res.code, 1, res.stderr)
    assert.equal(res.stdout, '')
    assert.equal(res.stderr, `Error: no answer from ${host} within 1s\n${HINT}\n`)
    // One second of waiting and the CLI's start-up: not 30 s, and no attempt after the time was up.
    assert.ok(res.took < 5_000, `returned after ${res.took} ms`)
    assert.equal(connections, 1)
  })

  it('--json: the usual error shape, code `timeout`', async () => {
    const res = await run(['expiry', 'check', '--json'], '1')
    assert.equal(res.code, 1, res.stderr)
    assert.equal(res.stdout, '')
    assert.deepEqual(jsonError(res), { code: 'timeout', message: `no answer from ${host} within 1s` })
    assert.ok(res.took < 5_000, `returned after ${res.took} ms`)
  })

  it('a bulk job’s batch is bounded too, and says that the change may still be applied', async () => {
    const res = await run(['orgs', 'users', 'add', 'x@acme.test'], '1s')
    assert.equal(res.code, 1, res.stderr)
    assert.equal(
      res.stderr,
      `Error: no answer from ${host} within 1s; the server may still apply the change\n${HINT}\n`,
    )
    assert.ok(res.took < 5_000, `returned after ${res.took} ms`)
    assert.equal(connections, 1)
  })

  for (const [value, message] of [
    ['abc', "LICCTL_TIMEOUT: expected seconds (30) or a duration (90s, 5m), got 'abc'"],
    ['10 s', "LICCTL_TIMEOUT: expected seconds (30) or a duration (90s, 5m), got '10 s'"],
    ['0s', "LICCTL_TIMEOUT: must be more than 0 and at most 24d, got '0s'"],
  ] as const)
    it(`refuses LICCTL_TIMEOUT=${value} (exit 2, naming the variable) before sending anything`, async () => {
      const res = await run(['expiry', 'check'], value)
      assert.equal(res.code, 2, res.stderr)
      assert.equal(res.stdout, '')
      assert.equal(res.stderr.split('\n')[0], `Error: ${message}`)
      assert.equal(connections, 0)
    })
})
