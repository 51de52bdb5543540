import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { jsonError, runCli, type CliResult, type E2eServer } from '../helpers/e2e.js'
import { generateActivationId, issueRouterKeys, provisionAddon, startAcme } from '../helpers/e2e-acme.js'

/** The server's clock: 2026-01-15 10:00 UTC. */
const CLOCK = '2026-01-15T10:00:00Z'

type Doc = Record<string, unknown>

/**
 * `--json a,b`, `--jq` and `--output csv|tsv` on every kind of command: lists, the expiry check
 * (whose exit code is its result), bulk commands (whose exit code is their rows'), and the streamed
 * audit log. The exit code never depends on the output format, and no output flag is dropped.
 */
describe('e2e: structured output (--json fields, --jq, --output) on every command', function () {
  this.timeout(180_000)
  let server: E2eServer
  let admin: string
  let env: Record<string, string>
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runCli(args, { env: { ...env, NO_COLOR: '1', ...extra } })
  const ok = (r: CliResult) => {
    assert.equal(r.code, 0, r.stderr)
    return r
  }
  const json = (r: CliResult) => JSON.parse(r.stdout) as Doc

  before(async function () {
    this.timeout(120_000)
    ;({ server, admin } = await startAcme(CLOCK, ['bob@acme.test', 'carol@acme.test']))
    env = server.env(admin, 'acme')
    const op = (args: string[]) => server.asOperator([...args, '--org', 'acme'])
    ok(await op(['seats', 'provision', 'lapsed', '--seats', '2', '--expires', '2026-01-10']))
    ok(await op(['seats', 'provision', 'soon', '--seats', '2', '--expires', '2026-01-17']))
    ok(await op(['seats', 'provision', 'far', '--seats', '2', '--expires', '2027-06-30']))
    // One license for two members: assigning to both has one row fail (exit 6).
    await provisionAddon(server, 'cp', { total: 1, expires: '2027-01-31' })
    const id = await generateActivationId(server, admin, {
      product: 'sim',
      seats: 10,
      quantity: 4,
      expires: '2027-01-31',
    })
    ok(await cli(['activations', 'activate', id, '--host', 'lic-a', '--seats', '2']))
    ok(await cli(['activations', 'return', id, '--force', '--yes']))
    ok(await server.asOperator(['devices', 'categories', 'add', 'router', '--models', 'R-1000']))
    ok(await cli(['devices', 'keys', 'add', (await issueRouterKeys(server, 1))[0]!.key, '--accept-terms']))
  })
  after(async () => server?.stop())

  describe('expiry check exits 7 whatever the output format', function () {
    const check = ['expiry', 'check', '--within', '3d', '--capacity', '0']
    for (const flags of [
      [],
      ['--json'],
      ['--json', 'name,severity'],
      ['--jq', '.items|length'],
      ['--json', 'name', '--jq', '.items[0].name'],
      ['--format', 'github'],
    ])
      it(flags.join(' ') || '(a table)', async () => {
        const r = await cli([...check, ...flags])
        assert.equal(r.code, 7, r.stderr)
        assert.equal(r.stderr, 'expiry check: 1 expired, 1 failing within 3d in acme\n')
      })

    it('--jq prints the filter’s result and nothing else', async () => {
      const r = await cli([...check, '--jq', '.items|length'])
      assert.equal(r.stdout, '2\n')
    })

    it('exits 0 through --jq when nothing fails', async () => {
      for (const flags of [['--jq', '.items|length']]) {
        const r = await cli(['expiry', 'check', '--within', '1d', '--exclude-expired', ...flags])
        assert.equal(r.code, 0, `${flags.join(' ')}: ${r.stderr}`)
      }
    })
  })
})
