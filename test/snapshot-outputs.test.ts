import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { jsonOutputs } from '../src/cli/json-schemas.js'
import { E2eServer, ROOT, runCli, type CliResult } from './helpers/e2e.js'

/**
 * The snapshot of --json schemas is only worth something if the schemas are true: run each
 * command for real and check its stdout against its registered schema, field for field (a field
 * the schema does not declare fails too, so a new field shows up in the snapshot).
 */
function conforms(id: string, res: CliResult): void {
  assert.equal(res.code, 0, `${id} exited ${res.code}: ${res.stderr}`)
  const output = jsonOutputs[id]
  assert.ok(output && 'schema' in output, `${id} has no schema in src/cli/json-schemas.ts`)
  const document = JSON.parse(res.stdout) as unknown
  const parsed = output.schema.safeParse(document)
  assert.ok(parsed.success, `${id}: ${JSON.stringify(parsed.error?.issues)}`)
  // z.object drops undeclared keys: what it keeps must be the whole document.
  assert.deepEqual(parsed.data, document, `${id} prints fields its schema does not declare`)
}

describe('--json outputs conform to their registered schemas', function () {
  // Some thirty CLI runs in a row: on a loaded 2-core machine that is over half a minute.
  this.timeout(180_000)
  let server: E2eServer
  let admin: string
  const checked = new Set<string>()
  const run = async (id: string, args: string[], env: Record<string, string>, input?: string) => {
    const res = await runCli([...id.split(':'), ...args, '--json'], { env, ...(input ? { input } : {}) })
    conforms(id, res)
    checked.add(id)
    return JSON.parse(res.stdout) as Record<string, unknown>
  }

  before(async () => {
    server = await E2eServer.start()
  })
  after(async () => server?.stop())

  it('orgs and server commands', async () => {
    const operator = server.env(server.operatorToken)
    const created = await run(
      'orgs:create',
      ['acme', '--name', 'Acme', '--admin-email', 'alice@acme.test'],
      operator,
    )
    admin = (created.admin as { token: string }).token
    const asAdmin = server.env(admin, 'acme')
    await run('orgs:list', [], operator)
    await run('orgs:show', [], asAdmin)
    await run('orgs:update', ['--contact-phone', '+49 30 1234'], asAdmin)
    await run('orgs:users:add', ['bob@acme.test', 'carol@acme.test'], asAdmin)
    await run('orgs:users:add', ['dave@acme.test', '--dry-run'], asAdmin)
    await run('orgs:users:list', [], asAdmin)
    await run('orgs:users:set-role', ['bob@acme.test', 'admin'], asAdmin)
    await run('orgs:users:remove', ['carol@acme.test', '--yes'], asAdmin)
    const token = await run('orgs:tokens:create', ['--read-only', '--name', 'ci'], asAdmin)
    await run('orgs:tokens:list', [], asAdmin)
    await run('orgs:tokens:revoke', [String(token.id), '--yes'], asAdmin)
    const log = (await run('orgs:audit', [], asAdmin)) as { items: Array<{ id: string; action: string }> }
    await run('orgs:audit:verify', [], asAdmin)
    await run('orgs:audit:show', [log.items.find((e) => e.action === 'user.add.bulk')!.id], asAdmin)

    const profiles = { LICCTL_CONFIG_DIR: join(server.dir, 'conformance-config') }
    await run('orgs:login', ['--url', server.url, '--org', 'acme', '--with-token'], profiles, admin + '\n')
    await run('orgs:profiles', [], profiles)
    await run('orgs:use', ['acme'], profiles)
    await run('orgs:logout', [], profiles)

    const db = join(server.dir, 'conformance.sqlite')
    await run('server:init', ['--db', db], {})
    await run('server:migrate', ['--db', db], {})
    await run('server:backup', [join(server.dir, 'conformance-backup.sqlite'), '--db', db], {})

    const expected = Object.entries(jsonOutputs)
      .filter(([id, o]) => /^(orgs|server):/.test(id) && 'schema' in o)
      .map(([id]) => id)
      .sort()
    assert.deepEqual([...checked].sort(), expected, 'every orgs/server command with a schema is checked here')
  })

  it('plugins commands (oclif’s description of each plugin)', async () => {
    const data = { LICCTL_DATA_DIR: join(server.dir, 'conformance-data') }
    const link = await runCli(['plugins', 'link', join(ROOT, 'test/fixtures/plugin-hr'), '--no-install'], {
      env: data,
    })
    assert.equal(link.code, 0, link.stderr)
    const listed = (await run('plugins', [], data)) as unknown as Array<{ name: string }>
    assert.ok(listed.some((p) => p.name === 'licctl-plugin-hr'))
    const inspected = (await run('plugins:inspect', ['licctl-plugin-hr'], data)) as unknown as Array<{
      commandIDs: string[]
    }>
    assert.deepEqual(inspected[0]?.commandIDs, ['hr:check'])
    const expected = Object.entries(jsonOutputs)
      .filter(([id, o]) => /^plugins(:|$)/.test(id) && 'schema' in o)
      .map(([id]) => id)
      .sort()
    assert.deepEqual(
      [...checked].filter((id) => /^plugins(:|$)/.test(id)).sort(),
      expected,
      'every plugins command with a schema is checked here',
    )
  })
})
