import { strict as assert } from 'node:assert'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { daysFromToday } from '../../scripts/lib/dates.js'
import { generateActivationId, issueRouterKeys, provisionAddon, startAcme } from '../helpers/e2e-acme.js'
import { ROOT, runCli, type CliResult, type E2eServer } from '../helpers/e2e.js'

/**
 * Every command with a --dry-run flag, from the built manifest (a new one must be planned below),
 * and whether it also takes --yes (a destructive one asks first).
 */
function dryRunCommands(): Map<string, boolean> {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
    commands: Record<string, { flags: Record<string, unknown> }>
  }
  return new Map(
    Object.entries(manifest.commands)
      .filter(([, c]) => 'dry-run' in c.flags)
      .map(([id, c]) => [id, 'yes' in c.flags]),
  )
}

describe('e2e: a read-only token plans with every --dry-run and changes nothing', function () {
  this.timeout(180_000)
  let server: E2eServer
  let admin: string
  let ci: Record<string, string>
  let lease = ''
  let activation = ''
  const members = ['m1@acme.test', 'm2@acme.test', 'm3@acme.test']
  const ok = (r: CliResult) => {
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`)
    return r
  }
  const asAdmin = (args: string[]) => runCli(args, { env: server.env(admin, 'acme') })
  const asOperator = (args: string[]) => server.asOperator([...args, '--org', 'acme'])

  before(async () => {
    ;({ server, admin } = await startAcme('2026-03-01T09:00:00Z', members))
    await provisionAddon(server, 'cloud-processing', { total: 10, expires: daysFromToday(365) })
    ok(await asAdmin(['cloud', 'assign', 'cloud-processing', 'm1@acme.test']))
    ok(await server.asOperator(['devices', 'categories', 'add', 'router', '--models', 'R-1000']))
    for (const { key } of await issueRouterKeys(server, 2))
      ok(await asAdmin(['devices', 'keys', 'add', key, '--accept-terms']))
    ok(await asAdmin(['devices', 'add', 'R-1', 'R-2', '--model', 'R-1000']))
    ok(await asAdmin(['devices', 'assign', 'R-1']))
    ok(await asOperator(['seats', 'provision', 'cad', '--seats', '5', '--expires', daysFromToday(365)]))
    const out = ['seats', 'checkout', 'cad', '--user', 'm1@acme.test', '--host', 'ws-1', '--json']
    lease = (JSON.parse(ok(await asAdmin(out)).stdout) as { id: string }).id
    activation = await generateActivationId(server, admin, {
      product: 'sim',
      seats: 10,
      quantity: 2,
      expires: daysFromToday(365),
    })
    const created = ok(await asAdmin(['orgs', 'tokens', 'create', '--read-only', '--name', 'ci', '--json']))
    ci = server.env((JSON.parse(created.stdout) as { token: string }).token, 'acme')
  })
  after(async () => server?.stop())

  it('dry-runs each of them (exit 0) and is refused each real change (exit 4, read_only_token)', async () => {
    // One change each would make (nothing here is already so), by command id.
    const changes: Record<string, string[]> = {
      'activations:resize': ['activations', 'resize', activation, '--quantity', '3'],
      'cloud:assign': ['cloud', 'assign', 'cloud-processing', 'm2@acme.test'],
      'cloud:revoke': ['cloud', 'revoke', 'cloud-processing', 'm1@acme.test'],
      'devices:add': ['devices', 'add', 'R-9', '--model', 'R-1000'],
      'devices:assign': ['devices', 'assign', 'R-2'],
      'devices:detach': ['devices', 'detach', 'R-1'],
      'devices:remove': ['devices', 'remove', 'R-2'],
      'orgs:users:add': ['orgs', 'users', 'add', 'new@acme.test'],
      'orgs:users:remove': ['orgs', 'users', 'remove', 'm3@acme.test'],
      // The lease is in use (a recent heartbeat): --yes plans its release, as it releases it.
      'seats:release': ['seats', 'release', lease, '--yes'],
    }
    const commands = dryRunCommands()
    assert.deepEqual(Object.keys(changes).sort(), [...commands.keys()].sort())
    const audit = async () => ok(await asAdmin(['orgs', 'audit', '--all', '--json'])).stdout
    const before = await audit()
    for (const [id, args] of Object.entries(changes)) {
      const plan = await runCli([...args, '--dry-run', '--json'], { env: ci })
      assert.equal(plan.code, 0, `${id} --dry-run: exit ${plan.code}: ${plan.stderr}${plan.stdout}`)
      assert.equal(plan.stderr, '', id)
      const doc = JSON.parse(plan.stdout) as {
        applied?: boolean
        changed?: boolean
        dryRun?: boolean
        results?: Array<{ status: string }>
      }
      // A bulk plan (one row that would change), or the resize's own (not applied, would change).
      const planned = doc.results
        ? [doc.dryRun, doc.results.map((r) => r.status)]
        : [doc.applied === false, doc.changed === true ? ['will-change'] : []]
      assert.deepEqual(planned, [true, ['will-change']], `${id}: ${plan.stdout}`)
      const real = await runCli(
        [...args, ...(commands.get(id) && !args.includes('--yes') ? ['--yes'] : []), '--json'],
        { env: ci },
      )
      assert.equal(real.code, 4, `${id}: exit ${real.code}: ${real.stderr}`)
      assert.deepEqual(JSON.parse(real.stderr.trim().split('\n').pop()!), {
        error: { code: 'read_only_token', message: 'this token is read-only' },
      })
    }
    assert.equal(await audit(), before, 'nothing was changed')
  })
})
