import { strict as assert } from 'node:assert'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { jsonError, runCli, type CliResult, type E2eServer } from '../helpers/e2e.js'
import { startAcme } from '../helpers/e2e-acme.js'

describe('e2e: cloud add-ons', function () {
  let server: E2eServer
  let admin: string
  let bobToken: string
  const cli = (args: string[], token = admin) => runCli(args, { env: server.env(token, 'acme') })
  const ok = (r: CliResult) => assert.equal(r.code, 0, r.stderr)

  before(async () => {
    ;({ server, admin } = await startAcme('2026-03-02T09:00:00Z', [
      'bob@acme.test',
      'carol@acme.test',
      'dave@acme.test',
      'erin@acme.test',
    ]))
    const tok = await cli(['orgs', 'tokens', 'create', '--user', 'bob@acme.test', '--json'])
    ok(tok)
    bobToken = JSON.parse(tok.stdout).token
  })
  after(async () => server.stop())

  it('lets the operator provision an add-on and refuses an admin with exit 4', async () => {
    const args = ['cloud', 'provision', 'cloud-processing', '--name', 'Cloud Processing', '--total', '3']
    const byAdmin = await cli([...args, '--expires', '2027-12-31'])
    assert.equal(byAdmin.code, 4)
    assert.equal(
      byAdmin.stderr.trim(),
      'Error: only the server operator can do this: use the operator token that `licctl server init` printed (LICCTL_TOKEN=<operator token> licctl …)',
    )
    const res = await server.asOperator([...args, '--expires', '2027-12-31', '--org', 'acme'])
    ok(res)
    assert.deepEqual(res.stdout.split('\n'), [
      ' Add-on              Name                Total    Assigned    Free    Valid through',
      ' cloud-processing    Cloud Processing        3           0       3    2027-12-31',
      '',
    ])
    const other = await server.asOperator([
      'cloud',
      'provision',
      'ai-assist',
      '--name',
      'AI Assist',
      '--total',
      '10',
      '--expires',
      '2027-06-30',
      '--org',
      'acme',
      '--json',
    ])
    ok(other)
    assert.equal(JSON.parse(other.stdout).validThrough, '2027-06-30')
  })

  it('names the argument or flag the server refused under another name: ADDON (key), EMAIL (user), --user (userEmail)', async () => {
    const res = await server.asOperator([
      'cloud',
      'provision',
      'Cloud X',
      '--name',
      'X',
      '--total',
      '1',
      '--expires',
      '2027-06-30',
      '--org',
      'acme',
    ])
    assert.equal(res.code, 2)
    assert.equal(
      res.stderr,
      "Error: ADDON: lowercase letters and digits, separated by - _ or ., got 'Cloud X'\n",
    )
    const check = await cli(['cloud', 'check', 'cloud-processing', 'not-an-email'])
    assert.equal(check.code, 2)
    assert.equal(check.stderr, "Error: EMAIL: Invalid email address, got 'not-an-email'\n")
    const token = await cli(['orgs', 'tokens', 'create', '--user', 'not-an-email'])
    assert.equal(token.code, 2)
    assert.equal(token.stderr, "Error: --user: Invalid email address, got 'not-an-email'\n")
  })

  it('assigns to members named as arguments, and lists the pools with total, assigned and free', async () => {
    const res = await cli(['cloud', 'assign', 'cloud-processing', 'bob@acme.test', 'carol@acme.test'])
    ok(res)
    assert.equal(
      res.stdout,
      '✓ changed     bob@acme.test\n✓ changed     carol@acme.test\nDone (assign cloud-processing): 2 changed, 0 unchanged, 0 failed.\n',
    )
    assert.equal(res.stderr, '')
    const list = await cli(['cloud', 'list', '--json'])
    ok(list)
    assert.deepEqual(
      JSON.parse(list.stdout).items.map((a: Record<string, unknown>) => [a.key, a.total, a.assigned, a.free]),
      [
        ['ai-assist', 10, 0, 10],
        ['cloud-processing', 3, 2, 1],
      ],
    )
  })

  it('fails the check with exit 3, code cloud_license_required and "Cloud Processing License Required", even with other add-ons', async () => {
    ok(await cli(['cloud', 'assign', 'ai-assist', 'dave@acme.test']))
    const res = await cli(['cloud', 'check', 'cloud-processing', 'dave@acme.test'])
    assert.equal(res.code, 3)
    assert.equal(res.stdout, '')
    assert.equal(res.stderr, 'Error: Cloud Processing License Required\n')
    const json = await cli(['cloud', 'check', 'cloud-processing', 'dave@acme.test', '--json'])
    assert.equal(json.code, 3)
    assert.equal(json.stdout, '')
    assert.deepEqual(JSON.parse(json.stderr), {
      error: {
        code: 'cloud_license_required',
        message: 'Cloud Processing License Required',
        details: { addon: 'cloud-processing', email: 'dave@acme.test' },
      },
    })
  })

  it('passes the check with exit 0 for a holder; a member checks themself with their own token', async () => {
    const res = await cli(['cloud', 'check', 'cloud-processing', 'bob@acme.test'])
    ok(res)
    assert.equal(
      res.stdout,
      'bob@acme.test holds Cloud Processing (cloud-processing), valid through 2027-12-31.\n',
    )
    // Piped stdin is not taken for the missing email argument (oclif would by default).
    const self = await runCli(['cloud', 'check', 'cloud-processing', '--json'], {
      env: server.env(bobToken, 'acme'),
      input: 'carol@acme.test\n',
    })
    ok(self)
    assert.deepEqual(JSON.parse(self.stdout), {
      addon: 'cloud-processing',
      addonName: 'Cloud Processing',
      email: 'bob@acme.test',
      licensed: true,
      assignedAt: JSON.parse(self.stdout).assignedAt,
      expiresAt: '2028-01-01T00:00:00.000Z',
      validThrough: '2027-12-31',
    })
    const other = await cli(['cloud', 'check', 'cloud-processing', 'carol@acme.test'], bobToken)
    assert.equal(other.code, 4)
    // The operator holds no add-on of its own: it names the member, as the argument EMAIL.
    const operator = await server.asOperator(['cloud', 'check', 'cloud-processing', '--org', 'acme'])
    assert.deepEqual(
      [operator.code, operator.stderr],
      [
        2,
        "Error: EMAIL: required with the operator's token: name the member to check, or check with the member's own token\n",
      ],
    )
  })

  it('past the total: the free license goes to the first row, the others fail, exit 6', async () => {
    const res = await cli([
      'cloud',
      'assign',
      'cloud-processing',
      'dave@acme.test',
      'stranger@acme.test',
      'erin@acme.test',
      'bob@acme.test',
    ])
    assert.equal(res.code, 6, res.stderr)
    assert.deepEqual(res.stdout.trimEnd().split('\n'), [
      '✓ changed     dave@acme.test',
      '✗ failed      stranger@acme.test — not_a_member: stranger@acme.test is not a member of this organization',
      '✗ failed      erin@acme.test — no_free_license: no free Cloud Processing license: all 3 are assigned',
      '= already-so  bob@acme.test',
      'Done (assign cloud-processing): 1 changed, 1 unchanged, 2 failed.',
    ])
    const held = await cli(['cloud', 'assignments', '--addon', 'cloud-processing', '--json'])
    ok(held)
    assert.deepEqual(
      JSON.parse(held.stdout).items.map((a: { email: string }) => a.email),
      ['bob@acme.test', 'carol@acme.test', 'dave@acme.test'],
    )
    const single = await cli(['cloud', 'assign', 'cloud-processing', 'erin@acme.test'])
    assert.equal(single.code, 3, 'every row failed for one rule: that rule’s exit code')
  })

  it('refuses an unknown add-on as a whole with exit 5 and nothing on stdout', async () => {
    const res = await cli(['cloud', 'assign', 'nope', 'bob@acme.test'])
    assert.equal(res.code, 5)
    assert.equal(res.stdout, '')
    assert.equal(res.stderr.trim(), "Error: add-on 'nope' not found")
    const json = await cli(['cloud', 'assign', 'nope', 'bob@acme.test', '--json'])
    assert.equal(json.code, 5)
    assert.equal(json.stdout, '')
    assert.deepEqual(jsonError(json), { code: 'not_found', message: "add-on 'nope' not found" })
  })

  it('revokes (a non-holder is already so), after which the check fails again', async () => {
    const res = await cli(['cloud', 'revoke', 'cloud-processing', 'carol@acme.test', 'erin@acme.test'])
    ok(res)
    assert.deepEqual(res.stdout.trimEnd().split('\n'), [
      '✓ changed     carol@acme.test',
      '= already-so  erin@acme.test',
      'Done (revoke cloud-processing): 1 changed, 1 unchanged, 0 failed.',
    ])
    const check = await cli(['cloud', 'check', 'cloud-processing', 'carol@acme.test'])
    assert.equal(check.code, 3)
  })

  it('lets the operator change the total, never below those assigned (exit 3)', async () => {
    const low = await server.asOperator([
      'cloud',
      'update',
      'cloud-processing',
      '--total',
      '1',
      '--org',
      'acme',
    ])
    assert.equal(low.code, 3)
    assert.equal(
      low.stderr.trim(),
      "Error: cannot lower the total of 'cloud-processing' to 1: 2 are assigned; revoke some first",
    )
    const update = ['cloud', 'update', 'cloud-processing', '--total', '5', '--expires', '2028-12-31']
    const up = await server.asOperator([...update, '--org', 'acme', '--json'])
    ok(up)
    const pool = JSON.parse(up.stdout)
    assert.deepEqual([pool.total, pool.assigned, pool.free, pool.validThrough], [5, 2, 3, '2028-12-31'])
    // The same update again (a provisioning script re-run) changes nothing: it wrote an audit entry
    // whose before and after were the same, and moved updatedAt.
    const updates = async () =>
      (
        JSON.parse((await cli(['orgs', 'audit', '--action', 'cloud.update', '--json'])).stdout) as {
          items: unknown[]
        }
      ).items.length
    const logged = await updates()
    const again = await server.asOperator([...update, '--org', 'acme', '--json'])
    ok(again)
    assert.deepEqual(JSON.parse(again.stdout), pool)
    assert.equal(await updates(), logged)
    const nothing = await server.asOperator(['cloud', 'update', 'cloud-processing', '--org', 'acme'])
    assert.equal(nothing.code, 2)
  })

  it('lists assignments as a table, filtered by user', async () => {
    const res = await cli(['cloud', 'assignments', '--user', 'dave@acme.test'])
    ok(res)
    const lines = res.stdout.trimEnd().split('\n')
    assert.match(lines[0]!, /^ Add-on\s+User\s+Name\s+Assigned\s+By$/)
    assert.deepEqual(
      lines.slice(1).map((l) => l.trim().split(/\s+/)[0]),
      ['ai-assist', 'cloud-processing'],
    )
    assert.ok(lines.slice(1).every((l) => l.includes('dave@acme.test') && l.endsWith('alice@acme.test')))
  })

  it('refuses a file whose addon column names another add-on (the whole list fed back), exit 2, nothing revoked', async () => {
    // `cloud assignments` lists every add-on: dave's rows name ai-assist and cloud-processing.
    const all = await cli(['cloud', 'assignments', '--user', 'dave@acme.test', '--output', 'csv'])
    ok(all)
    const file = join(server.dir, 'dave-assignments.csv')
    writeFileSync(file, all.stdout)
    const res = await cli(['cloud', 'revoke', 'ai-assist', '--file', file])
    assert.equal(res.code, 2, res.stderr)
    assert.equal(res.stdout, '')
    assert.equal(
      res.stderr.split('\n')[0],
      `Error: invalid input, nothing was applied: ${file}: row 3, column addon: 'cloud-processing', but this command acts on 'ai-assist' only: remove the row, or list only 'ai-assist' (--addon ai-assist)`,
    )
    const held = await cli(['cloud', 'assignments', '--user', 'dave@acme.test', '--json'])
    assert.deepEqual(
      JSON.parse(held.stdout).items.map((a: { addon: string }) => a.addon),
      ['ai-assist', 'cloud-processing'],
    )
    // The rows of its own add-on read back as before.
    const own = await cli(['cloud', 'assignments', '--addon', 'ai-assist', '--json'])
    const ownFile = join(server.dir, 'ai-assist.json')
    writeFileSync(ownFile, own.stdout)
    const plan = await cli(['cloud', 'revoke', 'ai-assist', '--file', ownFile, '--dry-run'])
    ok(plan)
    assert.match(plan.stdout, /\+ will-change dave@acme\.test/)
  })

  it('an add-on filter naming no add-on of the organization exits 5, naming it, as `cloud check` does', async () => {
    const res = await cli(['cloud', 'assignments', '--addon', 'nope'])
    assert.equal(res.code, 5, res.stderr)
    assert.equal(res.stderr.split('\n')[0], "Error: add-on 'nope' not found")
    const json = await cli(['cloud', 'assignments', '--user', 'nobody@nowhere.test', '--json'])
    assert.deepEqual(
      [json.code, jsonError(json)],
      [5, { code: 'not_found', message: "member 'nobody@nowhere.test' not found" }],
    )
  })

  it('removing a member revokes their add-ons and frees the licenses', async () => {
    const res = await cli(['orgs', 'users', 'remove', 'dave@acme.test', '--yes', '--json'])
    ok(res)
    assert.deepEqual(JSON.parse(res.stdout).results[0].details.addonsRevoked, [
      'ai-assist',
      'cloud-processing',
    ])
    const list = await cli(['cloud', 'list', '--json'])
    assert.deepEqual(
      JSON.parse(list.stdout).items.map((a: Record<string, unknown>) => [a.key, a.assigned]),
      [
        ['ai-assist', 0],
        ['cloud-processing', 1],
      ],
    )
  })
})
