import { strict as assert } from 'node:assert'
import { runCli, type CliResult, type E2eServer } from '../helpers/e2e.js'
import { generateActivationId, provisionAddon, startAcme } from '../helpers/e2e-acme.js'

describe('e2e: explain', function () {
  let server: E2eServer
  let admin: string
  const cli = (args: string[]) => runCli(args, { env: server.env(admin, 'acme') })
  const op = (args: string[], url?: string) =>
    server.asOperator([...args, '--org', 'acme'], url ? { env: { LICCTL_URL: url } } : {})
  const ok = (r: CliResult) => {
    assert.equal(r.code, 0, r.stderr)
    return r
  }
  const explain = async (args: string[]) => JSON.parse(ok(await cli(['explain', ...args, '--json'])).stdout)

  before(async function () {
    this.timeout(120_000)
    ;({ server, admin } = await startAcme('2026-01-15T10:00:00Z', [
      'bob@acme.test',
      'carol@acme.test',
      'dave@acme.test',
      'erin@acme.test',
    ]))
    // What has expired by now was provisioned before it did: by a server process whose clock reads then.
    const then = await server.listen('2026-01-05T10:00:00Z')
    await provisionAddon(server, 'cp', { total: 2, expires: '2027-01-01' })
    await provisionAddon(server, 'gone', { name: 'Gone', total: 5, expires: '2026-01-10', url: then })
    ok(await op(['seats', 'provision', 'cad', '--seats', '1', '--expires', '2027-01-01']))
    ok(await op(['seats', 'provision', 'old', '--seats', '5', '--expires', '2026-01-10'], then))
    ok(await cli(['cloud', 'assign', 'cp', 'bob@acme.test', 'carol@acme.test']))
    ok(await cli(['cloud', 'revoke', 'cp', 'carol@acme.test']))
    ok(await cli(['cloud', 'assign', 'cp', 'dave@acme.test']))
    ok(await cli(['seats', 'checkout', 'cad', '--user', 'bob@acme.test', '--host', 'ws-1']))
    ok(await cli(['orgs', 'users', 'remove', 'erin@acme.test', '--yes']))
  })
  after(async () => server.stop())

  it('a user with the add-on: one paragraph, then the evidence and the changes, on the terminal', async () => {
    const r = ok(await cli(['explain', 'bob@acme.test', '--addon', 'cp']))
    const lines = r.stdout.trimEnd().split('\n')
    assert.deepEqual(lines.slice(0, 6), [
      '✔ bob@acme.test can use Cloud Processing: it was assigned to them by alice@acme.test on 2026-01-15, and the add-on is valid through 2027-01-01.',
      '',
      'Evidence',
      '  membership: member of acme since 2026-01-15',
      '  assignment: holds Cloud Processing, assigned by alice@acme.test on 2026-01-15',
      '  pool: 2 of 2 assigned (0 free), valid through 2027-01-01',
    ])
    assert.equal(lines[7], 'Last changes')
    assert.match(
      lines[8]!,
      /^ {2}2026-01-15 10:\d\dZ {2}alice@acme\.test {2}cloud\.assign cp\/bob@acme\.test {2}\{"assigned":0\} → \{"assigned":1\}$/,
    )
  })

  it('a user without it, the pool full', async () => {
    const e = await explain(['carol@acme.test', '--addon', 'cp'])
    assert.deepEqual([e.licensed, e.code], [false, 'no_free_license'])
    assert.match(
      e.summary,
      /^carol@acme\.test cannot use Cloud Processing: it is not assigned to them \(Cloud Processing License Required\)\. No license is free/,
    )
  })

  it('a user whose add-on was revoked: the revocation, its actor and time come first', async () => {
    const e = await explain(['carol@acme.test', '--addon', 'cp'])
    assert.deepEqual(
      e.history.map((h: { action: string; actor: string }) => [h.action, h.actor]),
      [
        ['cloud.revoke', 'alice@acme.test'],
        ['cloud.assign', 'alice@acme.test'],
        ['user.add', 'alice@acme.test'],
      ],
    )
    assert.match(e.history[0].at, /^2026-01-15T10:/)
  })

  it('not a member: says who removed them', async () => {
    const e = await explain(['erin@acme.test', '--addon', 'cp'])
    assert.deepEqual([e.licensed, e.code], [false, 'not_a_member'])
    assert.equal(
      e.summary,
      'erin@acme.test is not a member of acme, so no license of the organization can be theirs; alice@acme.test removed them on 2026-01-15. An admin can add them: licctl orgs users add erin@acme.test.',
    )
  })

  it('the pool expired: add-on and seat pool', async () => {
    const addon = await explain(['dave@acme.test', '--addon', 'gone'])
    assert.deepEqual([addon.licensed, addon.code], [false, 'pool_expired'])
    const pool = await explain(['dave@acme.test', '--pool', 'old'])
    assert.deepEqual([pool.licensed, pool.code], [false, 'pool_expired'])
    assert.equal(
      pool.summary,
      'dave@acme.test cannot check out a seat of old: the subscription expired after 2026-01-10, and expired pools refuse checkout until the operator renews them.',
    )
  })

  it('the seat pool full, and a held lease with its state', async () => {
    const full = await explain(['dave@acme.test', '--pool', 'cad'])
    assert.deepEqual([full.licensed, full.code], [false, 'no_free_seat'])
    assert.deepEqual(full.evidence[1], { fact: 'leases', detail: 'holds no seat' })
    const held = await explain(['bob@acme.test', '--pool', 'cad'])
    assert.deepEqual([held.licensed, held.code], [true, 'ok'])
    assert.match(held.evidence[1].detail, /^ws-1: active \(lease ls_[0-9a-z]+\)$/)
  })

  it('an add-on, pool or device that does not exist is not found (5), naming it; one that refuses is an answer (0, ✘)', async () => {
    for (const [flag, name, message] of [
      ['--addon', 'nope', "add-on 'nope' not found in acme: the operator provisions add-ons"],
      ['--pool', 'nope', "seat pool 'nope' not found in acme: the operator provisions pools"],
      [
        '--device',
        'SN-404',
        "device 'SN-404' not found in acme: an admin adds it (licctl devices add 'SN-404' --model …) before licensing it",
      ],
    ] as const) {
      const text = await cli(['explain', 'dave@acme.test', flag, name])
      assert.deepEqual([text.code, text.stdout, text.stderr], [5, '', `Error: ${message}\n`], flag)
      const json = await cli(['explain', 'dave@acme.test', flag, name, '--json'])
      assert.deepEqual(
        [json.code, json.stdout, JSON.parse(json.stderr)],
        [5, '', { error: { code: 'not_found', message } }],
        flag,
      )
    }
    // Known, and refused: the explanation is the answer.
    const refused = await cli(['explain', 'dave@acme.test', '--addon', 'gone'])
    assert.equal(refused.code, 0, refused.stderr)
    assert.match(refused.stdout, /^✘ dave@acme\.test cannot use Gone: /)
  })

  it('only one subject at a time (2)', async () => {
    const two = await cli(['explain', 'bob@acme.test', '--addon', 'cp', '--pool', 'cad'])
    assert.equal(two.code, 2)
  })

  it('an activation ID: usable while active with free seats; once returned, inactive and named so', async () => {
    const id = await generateActivationId(server, admin, {
      product: 'flow',
      seats: 4,
      quantity: 2,
      expires: '2027-01-01',
    })
    const usable = await explain(['bob@acme.test', '--activation', id])
    assert.deepEqual([usable.licensed, usable.code], [true, 'ok'])
    assert.equal(
      usable.summary,
      `${id} (flow) can be activated: 2 of 2 seats are free and it is valid through 2027-01-01.`,
    )
    ok(await cli(['activations', 'return', id, '--yes']))
    const returned = await explain(['bob@acme.test', '--activation', id])
    assert.deepEqual([returned.licensed, returned.code], [false, 'activation_inactive'])
    assert.match(
      returned.evidence.map((e: { detail: string }) => e.detail).join('\n'),
      /CC ID for flow: inactive/,
    )
    // An ID the organization does not have is not found (5), as in every other command.
    const missing = await cli(['explain', 'bob@acme.test', '--activation', 'act_nope'])
    assert.deepEqual(
      [missing.code, missing.stdout, missing.stderr],
      [
        5,
        '',
        "Error: activation ID 'act_nope' not found in acme: admins generate IDs from an entitlement (licctl activations generate)\n",
      ],
    )
  })
})
