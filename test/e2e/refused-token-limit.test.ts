import { strict as assert } from 'node:assert'
import Database from 'better-sqlite3'
import { E2eServer, jsonError, runCli, type CliResult } from '../helpers/e2e.js'

// A CI matrix sharing one revoked token: past the server's limit on failed authentications (10 a
// minute per token) the answer is 429 rate_limited, and half the jobs exited 1 ("unexpected,
// network or server error") instead of 4 ("not authenticated"), with no hint that the token was the
// problem. Each job also retried the 429 three times, every attempt one more failure counted
// against the runner's address. Its own server: the counters live in the database.
describe('e2e: a refused token past the failed-authentication limit is still exit 4', function () {
  this.timeout(120_000)
  let server: E2eServer
  const bad = 'lic_u_' + 'r'.repeat(43)
  before(async () => {
    server = await E2eServer.start()
  })
  after(async () => server?.stop())

  const check = (json: boolean): Promise<CliResult> =>
    runCli(['expiry', 'check', '--org', 'acme', ...(json ? ['--json'] : [])], {
      env: { LICCTL_URL: server.url, LICCTL_TOKEN: bad, NO_COLOR: '1', CI: 'true' },
    })

  /** The failures counted against this client's address in the current window. */
  const counted = (): { window: number; count: number } => {
    const db = new Database(server.dbUrl, { readonly: true })
    try {
      const row = db
        .prepare("select window_start as window, count from rate_limits where key like 'auth-ip:%'")
        .get() as { window: number; count: number } | undefined
      return row ?? { window: 0, count: 0 }
    } finally {
      db.close()
    }
  }

  /** Runs the check until the limit answers it (the window is a fixed minute), with its attempts. */
  const limitedRun = async (json: boolean): Promise<{ res: CliResult; attempts: number | undefined }> => {
    for (let i = 0; i < 25; i++) {
      const before = counted()
      const res = await check(json)
      const after = counted()
      const limited = json ? jsonError(res).code === 'rate_limited' : /too many failed/.test(res.stderr)
      if (!limited) {
        assert.equal(res.code, 4, res.stderr)
        continue
      }
      return { res, attempts: after.window === before.window ? after.count - before.count : undefined }
    }
    throw new Error('the server never limited the failing token')
  }

  it('answers exit 4 with the refused-token hint, and sends the request once', async () => {
    const asJson = await limitedRun(true)
    assert.equal(asJson.res.code, 4, asJson.res.stderr)
    assert.equal(asJson.res.stdout, '')
    assert.match(jsonError(asJson.res).message, /^too many failed authentications /)
    const human = await limitedRun(false)
    assert.equal(human.res.code, 4, human.res.stderr)
    assert.match(human.res.stderr, /^Error: too many failed authentications /)
    assert.match(
      human.res.stderr,
      /Hint: LICCTL_TOKEN is not a token this server accepts \(revoked, expired or mistyped\): set a current one/,
    )
    // One attempt each: a retry would only count one more failure against the address.
    for (const run of [asJson, human]) if (run.attempts !== undefined) assert.equal(run.attempts, 1)
  })
})
