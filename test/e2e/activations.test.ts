import { strict as assert } from 'node:assert'
import { jsonOutputs } from '../../src/cli/json-schemas.js'
import { E2eServer, jsonError, runCli, type CliResult } from '../helpers/e2e.js'
import { runInPty } from '../helpers/pty.js'
import { daysFromToday } from '../../scripts/lib/dates.js'

/** The entitlements' last valid day: on the real clock, so counted from today (a literal one passes). */
const EXPIRES = daysFromToday(400)

interface IdJson {
  id: string
  product: string
  type: string
  quantity: number
  used: number
  free: number
  status: string
}
interface EntJson {
  product: string
  seats: number
  inIds: number
  free: number
}

// The real server and the real CLI: an operator, an admin, and the licensing administrator on a machine.
describe('e2e: activations', function () {
  this.timeout(120_000)
  let server: E2eServer
  let admin: string
  let eng: string
  let nl: string
  let cc: string

  /** Commands whose --json output was checked against its registered schema. */
  const conformed = new Set<string>()
  const as = async (token: string, args: string[]) => {
    const res = await runCli(['activations', ...args], { env: server.env(token, 'acme') })
    if (res.code === 0 && args.includes('--json')) conforms(`activations:${args[0]}`, res)
    return res
  }
  /** A --json document matches its schema in src/cli/json-schemas.ts, and has no undeclared field. */
  const conforms = (id: string, res: CliResult) => {
    const output = jsonOutputs[id]
    assert.ok(output && 'schema' in output, `${id} has no schema`)
    const document = JSON.parse(res.stdout) as unknown
    const parsed = output.schema.safeParse(document)
    assert.ok(parsed.success, `${id}: ${JSON.stringify(parsed.error?.issues)}`)
    assert.deepEqual(parsed.data, document, `${id} prints fields its schema does not declare`)
    conformed.add(id)
  }
  const adm = (...args: string[]) => as(admin, args)
  const ok = (r: CliResult) => {
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`)
    return r
  }
  const json = <T>(r: CliResult): T => JSON.parse(ok(r).stdout) as T
  const refused = (r: CliResult, exit: number, code: string) => {
    assert.equal(r.code, exit, `expected exit ${exit}, got ${r.code}: ${r.stdout}${r.stderr}`)
    assert.equal(jsonError(r).code, code)
    assert.equal(r.stdout, '', 'nothing on stdout when refused')
    return jsonError(r).message
  }
  const ids = async () => json<{ items: IdJson[] }>(await adm('list', '--json')).items
  const ent = async (product: string) =>
    json<{ items: EntJson[] }>(await adm('entitlements', '--json')).items.find((e) => e.product === product)!
  const show = async (id: string) =>
    json<{ status: string; used: number; hosts: Array<{ host: string; seats: number }> }>(
      await adm('show', id, '--json'),
    )

  before(async () => {
    server = await E2eServer.start()
    admin = await server.createOrg('acme', 'admin@acme.test')
    ok(await runCli(['orgs', 'users', 'add', 'eng@acme.test'], { env: server.env(admin, 'acme') }))
    const tok = await runCli(['orgs', 'tokens', 'create', '--user', 'eng@acme.test', '--json'], {
      env: server.env(admin, 'acme'),
    })
    eng = json<{ token: string }>(tok).token
  })
  after(async () => server?.stop())

  it('provision is the operator’s; entitlements show seats, in IDs and free', async () => {
    const byAdmin = await adm('provision', 'cad-desk', '--type', 'NL', '--seats', '10', '--expires', EXPIRES)
    assert.equal(byAdmin.code, 4)
    assert.equal(
      byAdmin.stderr.trim(),
      'Error: only the server operator can do this: use the operator token that `licctl server init` printed (LICCTL_TOKEN=<operator token> licctl …)',
    )
    const bad = await server.asOperator([
      'activations',
      'provision',
      'x',
      '--type',
      'XX',
      '--seats',
      '1',
      '--expires',
      EXPIRES,
      '--org',
      'acme',
    ])
    assert.equal(bad.code, 2)
    for (const [product, type, seats] of [
      ['cad-desk', 'NL', '10'],
      ['sim-server', 'CC', '20'],
    ])
      ok(
        await server.asOperator([
          'activations',
          'provision',
          product!,
          '--type',
          type!,
          '--seats',
          seats!,
          '--expires',
          EXPIRES,
          '--org',
          'acme',
        ]),
      )
    const table = ok(await adm('entitlements')).stdout
    assert.equal(
      table,
      [
        ' Product       Type    Seats    In IDs    Free    Valid through',
        ` cad-desk      NL         10         0      10    ${EXPIRES}`,
        ` sim-server    CC         20         0      20    ${EXPIRES}`,
        '',
      ].join('\n'),
    )
  })

  it('generate prints the new ID (and --json field id); past the free seats is exit 3', async () => {
    const printed = ok(await adm('generate', 'cad-desk', '--quantity', '3')).stdout
    const m = /^Generated activation ID (act_[0-9a-z]{26})$/m.exec(printed)
    assert.ok(m, printed)
    nl = m[1]!
    cc = json<{ id: string }>(await adm('generate', 'sim-server', '--quantity', '10', '--json')).id
    const msg = refused(
      await adm('generate', 'cad-desk', '--quantity', '8', '--json'),
      3,
      'entitlement_exhausted',
    )
    assert.equal(msg, "cannot make an ID of 8 seats of 'cad-desk': only 7 of 10 are free")
    assert.deepEqual(
      (await ids()).map((i) => [i.id, i.product, i.type, i.quantity, i.used, i.free, i.status]),
      [
        [nl, 'cad-desk', 'NL', 3, 0, 3, 'active'],
        [cc, 'sim-server', 'CC', 10, 0, 10, 'active'],
      ],
    )
  })

  it('activates on hosts; NL refuses --seats above 1 and activating past the quantity (exit 3)', async () => {
    const one = ok(await as(eng, ['activate', nl, '--host', 'ws-01']))
    assert.equal(one.stdout.trim(), `ws-01 holds 1 seat of ${nl} (cad-desk, NL); 1 of 3 in use.`)
    refused(await as(eng, ['activate', nl, '--host', 'ws-02', '--seats', '2', '--json']), 3, 'nl_one_seat')
    ok(await as(eng, ['activate', nl, '--host', 'ws-02']))
    ok(await as(eng, ['activate', nl, '--host', 'ws-03']))
    const over = await as(eng, ['activate', nl, '--host', 'ws-04'])
    assert.equal(over.code, 3)
    assert.equal(
      over.stderr.trim(),
      `Error: activation ID ${nl} has 3 seats, 3 in use: cannot activate 1 seat more on host 'ws-04'`,
    )
    ok(await as(eng, ['activate', cc, '--host', 'lic-a', '--seats', '6']))
    ok(await as(eng, ['activate', cc, '--host', 'lic-b', '--seats', '3']))
  })

  it('deactivate, then reactivate on another host, succeeds', async () => {
    const d = ok(await as(eng, ['deactivate', nl, '--host', 'ws-02']))
    assert.equal(d.stdout.trim(), `ws-02 gave back 1 seat of ${nl}; the ID stays valid (2 of 3 in use).`)
    // A second time (a script re-run) is already so: exit 0, changed false.
    const twice = ok(await as(eng, ['deactivate', nl, '--host', 'WS-02']))
    assert.equal(twice.stdout, `ws-02 gave back its seats of ${nl} before: already so (2 of 3 in use).\n`)
    const again = json<{ changed: boolean; seats: number }>(
      await as(eng, ['deactivate', nl, '--host', 'ws-02', '--json']),
    )
    assert.deepEqual([again.changed, again.seats], [false, 0])
    ok(await as(eng, ['activate', nl, '--host', 'ws-05']))
    assert.deepEqual(
      (await show(nl)).hosts.map((h) => h.host),
      ['ws-01', 'ws-03', 'ws-05'],
    )
  })

  it('host names ignore case: BUILD-01 activated, build-01 is the same host (no second seat, deactivates it)', async () => {
    ok(
      await server.asOperator(
        ['activations', 'provision', 'case-desk', '--type', 'NL', '--seats', '5', '--expires', EXPIRES],
        { env: { LICCTL_ORG: 'acme' } },
      ),
    )
    const id = json<{ id: string }>(await adm('generate', 'case-desk', '--quantity', '2', '--json')).id
    ok(await as(eng, ['activate', id, '--host', 'BUILD-01']))
    const again = ok(await as(eng, ['activate', id, '--host', 'build-01']))
    assert.equal(again.stdout, `BUILD-01 already holds ${id}: nothing changed (1 of 2 in use).\n`)
    assert.deepEqual(
      (await show(id)).hosts.map((h) => [h.host, h.seats]),
      [['BUILD-01', 1]],
    )
    const off = ok(await as(eng, ['deactivate', id, '--host', 'build-01']))
    assert.equal(off.stdout, `BUILD-01 gave back 1 seat of ${id}; the ID stays valid (0 of 2 in use).\n`)
    assert.deepEqual((await show(id)).hosts, [])
  })

  it('refuses an NL return with the advice to deactivate on the host', async () => {
    const r = await adm('return', nl, '--force', '--yes')
    assert.equal(r.code, 3)
    assert.equal(
      r.stderr.trim(),
      `Error: ${nl} is node-locked: only concurrent (CC) IDs can be returned on the portal. Deactivate it on each host instead (\`licctl activations deactivate ${nl} --host <host>\`): the ID stays valid and can be activated again`,
    )
  })

  it('a CC return while hosts hold it: refused without --force, nothing changes; without --yes off a terminal, exit 2', async () => {
    const before = [await ids(), await ent('sim-server'), await show(cc)]
    const r = await adm('return', cc, '--yes', '--json')
    const msg = refused(r, 3, 'hosts_would_be_orphaned')
    assert.equal(
      msg,
      `2 hosts still hold ${cc}: lic-a (6 seats), lic-b (3 seats). Deactivate it there first (\`licctl activations deactivate ${cc} --host <host>\`)`,
    )
    // On a terminal, the hint adds the other way, naming the flag; the deactivate advice is said once.
    const human = await adm('return', cc, '--yes')
    assert.equal(human.code, 3)
    assert.equal(
      human.stderr,
      `Error: ${msg}\nHint: when a host cannot be reached: licctl activations return ${cc} --force (its copy becomes an orphan)\n`,
    )
    const noYes = await adm('return', cc, '--force')
    assert.equal(noYes.code, 2)
    assert.match(noYes.stderr, /refusing without --yes \(not on a terminal, so no prompt\)/)
    assert.deepEqual([await ids(), await ent('sim-server'), await show(cc)], before)
  })

  it('with --force the ID is inactive, its hosts are orphans, and the free seats grew by its quantity', async () => {
    const free = (await ent('sim-server')).free
    const r = json<{ status: string; orphaned: Array<{ host: string }> }>(
      await adm('return', cc, '--force', '--yes', '--json'),
    )
    assert.deepEqual([r.status, r.orphaned.map((o) => o.host)], ['inactive', ['lic-a', 'lic-b']])
    assert.equal((await show(cc)).status, 'inactive')
    assert.equal((await ent('sim-server')).free, free + 10)
    const orphans = json<{ items: Array<{ host: string; id: string; reason: string }> }>(
      await adm('orphans', '--json'),
    )
    assert.deepEqual(
      orphans.items.map((o) => [o.host, o.id, o.reason]),
      [
        ['lic-a', cc, 'return'],
        ['lic-b', cc, 'return'],
      ],
    )
    refused(await as(eng, ['activate', cc, '--host', 'lic-c', '--json']), 3, 'activation_inactive')
  })

  it('a rehost off a dead host leaves an orphan on the old host', async () => {
    for (const [host, refusal] of [
      ['lic-b\u200b', /--host: must not contain invisible characters \(U\+200B, zero-width\)/],
      ['a b', /--host.*not a host name/],
      ['\u212Aiosk', /--host.*not a host name/],
    ] as const) {
      const bad = await as(eng, ['activate', nl, '--host', host])
      assert.equal(bad.code, 2, bad.stderr)
      assert.match(bad.stderr, refusal, bad.stderr)
    }
    const spaced = await as(eng, ['activate', nl, '--host', 'ws-09 '])
    assert.equal(spaced.code, 2, spaced.stderr)
    assert.match(spaced.stderr, /--host: starts or ends with a space: host names are taken as typed/)
    const r = ok(await adm('rehost', nl, '--from', 'ws-01', '--to', 'ws-09'))
    assert.equal(
      r.stdout,
      `Moved ${nl} from ws-01 to ws-09 (ws-09 holds 1 seat).\nws-01 keeps an orphaned copy: clean it off, then \`licctl activations orphans --clear ws-01\`.\n`,
    )
    const orphans = json<{ items: Array<{ host: string; id: string; reason: string }> }>(
      await adm('orphans', '--host', 'ws-01', '--json'),
    )
    assert.deepEqual(
      orphans.items.map((o) => [o.host, o.id, o.reason]),
      [['ws-01', nl, 'rehost']],
    )
    refused(await adm('rehost', nl, '--from', 'ws-01', '--to', 'ws-10', '--json'), 5, 'not_found')
    // Deactivating there removes the orphaned copy from the host: it is recorded as cleaned off.
    const gone = ok(await as(eng, ['deactivate', nl, '--host', 'WS-01']))
    assert.match(
      gone.stdout,
      new RegExp(
        `^ws-01 held an orphaned copy of ${nl} and no seat: recorded as cleaned off \\(\\d of 3 in use\\)\\.\n$`,
      ),
    )
    assert.equal(ok(await adm('orphans', '--host', 'ws-01')).stdout.trim(), 'No orphaned activations.')
    // A cleanup script that runs again: already so, exit 0; a host never seen is still not found.
    const again = ok(await adm('orphans', '--clear', 'ws-01'))
    assert.equal(again.stdout, 'ws-01 was already recorded as cleaned: no orphan left to clear.\n')
    refused(await adm('orphans', '--clear', 'never-seen', '--json'), 5, 'not_found')
  })

  it('split moves unused seats to a new, printed ID; more than the unused seats is exit 3', async () => {
    const id = json<{ id: string }>(await adm('generate', 'sim-server', '--quantity', '8', '--json')).id
    ok(await as(eng, ['activate', id, '--host', 'lic-c', '--seats', '5']))
    const over = refused(await adm('split', id, '--quantity', '4', '--json'), 3, 'split_exceeds_unused')
    assert.equal(
      over,
      `${id} has 3 unused seats (8 seats, 5 in use): cannot move 4; deactivate on hosts first`,
    )
    const out = ok(await adm('split', id, '--quantity', '3')).stdout
    const m = new RegExp(`^Split 3 seats of ${id} into a new ID: (act_[0-9a-z]{26})$`, 'm').exec(out)
    assert.ok(m, out)
    const byId = new Map((await ids()).map((i) => [i.id, i]))
    assert.deepEqual([byId.get(id)!.quantity, byId.get(m[1]!)!.quantity], [5, 3])
    // The new ID finds the split that made it, in the log and in explain.
    const made = m[1]!
    const audit = ok(
      await runCli(['orgs', 'audit', '--target', made, '--all', '--json'], {
        env: server.env(admin, 'acme'),
      }),
    )
    assert.deepEqual(
      audit.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { action: string; target: string; after: object })
        .map((e) => [e.action, e.target, e.after]),
      [['activations.split', `${id}/${made}`, { quantity: 5, newId: made, newQuantity: 3 }]],
    )
    const why = json<{
      evidence: Array<{ fact: string; detail: string }>
      history: Array<{ target: string }>
    }>(
      await runCli(['explain', 'eng@acme.test', '--activation', made, '--json'], {
        env: server.env(admin, 'acme'),
      }),
    )
    const day = new Date().toISOString().slice(0, 10)
    assert.deepEqual(
      [why.evidence.find((f) => f.fact === 'origin')?.detail, why.history.map((h) => h.target)],
      [`split off ${id} (3 of its 8 seats) by admin@acme.test on ${day}`, [`${id}/${made}`]],
    )
    // One seat is '1 seat', not '1 seats'.
    const one = ok(await adm('split', made, '--quantity', '1')).stdout
    assert.match(one, new RegExp(`^Split 1 seat of ${made} into a new ID: act_[0-9a-z]{26}$`, 'm'))
  })

  it('resize with active hosts prints the safe order and changes nothing without --force', async () => {
    const id = json<{ id: string }>(await adm('generate', 'sim-server', '--quantity', '4', '--json')).id
    ok(await as(eng, ['activate', id, '--host', 'lic-z', '--seats', '2']))
    const before = [await ids(), await ent('sim-server')]
    const r = await adm('resize', id, '--quantity', '6', '--yes')
    assert.equal(r.code, 3)
    assert.equal(
      r.stdout,
      [
        `Resize ${id} (sim-server) from 4 to 6 seats, in this order:`,
        `  1. deactivate on lic-z (2 seats): licctl activations deactivate ${id} --host lic-z`,
        `  2. return ${id} on the portal (4 seats back to the entitlement)`,
        '  3. generate a new ID of 6 seats of sim-server',
        '',
      ].join('\n'),
    )
    assert.match(
      r.stderr,
      /^Error: 1 host still holds act_\w+: lic-z \(2 seats\)\. Deactivate it there first/,
    )
    assert.ok(
      r.stderr.includes(
        `Hint: when a host cannot be reached: licctl activations resize ${id} --quantity 6 --force (its copy becomes an orphan)\n`,
      ),
      r.stderr,
    )
    // A dry run plans what the run does: the same plan, refusal, hint and exit code.
    const dry = await adm('resize', id, '--quantity', '6', '--dry-run')
    assert.deepEqual([dry.code, dry.stdout, dry.stderr], [3, r.stdout, r.stderr])
    const forced = await adm('resize', id, '--quantity', '6', '--dry-run', '--force')
    assert.deepEqual([forced.code, forced.stdout], [0, r.stdout])
    assert.deepEqual([await ids(), await ent('sim-server')], before)

    // Done in the safe order, it needs no force and orphans nothing.
    ok(await as(eng, ['deactivate', id, '--host', 'lic-z']))
    const done = json<{ applied: boolean; id: string; orphaned: unknown[] }>(
      await adm('resize', id, '--quantity', '6', '--yes', '--json'),
    )
    assert.deepEqual([done.applied, done.orphaned], [true, []])
    const after = new Map((await ids()).map((i) => [i.id, i]))
    assert.deepEqual([after.get(id)!.status, after.get(done.id)!.quantity], ['inactive', 6])
  })

  it('one seat is "1 seat" when returning and resizing, not "1 seats"', async () => {
    ok(
      await server.asOperator(
        ['activations', 'provision', 'one-seat', '--type', 'CC', '--seats', '5', '--expires', EXPIRES],
        { env: { LICCTL_ORG: 'acme' } },
      ),
    )
    const gen = async (n: string) =>
      json<{ id: string }>(await adm('generate', 'one-seat', '--quantity', n, '--json')).id
    const one = await gen('1')
    // Off a terminal the question is in the refusal without --yes.
    const asked = await adm('return', one)
    assert.equal(asked.code, 2)
    assert.ok(
      asked.stderr.includes(
        `Return ${one}: it becomes inactive for good, 1 seat goes back to one-seat. Continue?`,
      ),
      asked.stderr,
    )
    assert.equal(
      ok(await adm('return', one, '--yes')).stdout,
      `Returned ${one}: inactive; 1 seat back to one-seat (5 free).\n`,
    )
    const two = await gen('2')
    const asks = await adm('resize', two, '--quantity', '1')
    assert.equal(asks.code, 2)
    assert.ok(asks.stderr.includes(`Return ${two} and generate a new ID of 1 seat. Continue?`), asks.stderr)
    const resized = ok(await adm('resize', two, '--quantity', '1', '--yes')).stdout
    assert.match(resized, new RegExp(`^Returned ${two}; the new ID of 1 seat is act_[0-9a-z]{26}$`, 'm'))
  })

  it('resize to the quantity the ID already has says so and exits 0: no --yes needed, nothing changed or audited', async () => {
    ok(
      await server.asOperator(
        ['activations', 'provision', 'same-size', '--type', 'CC', '--seats', '5', '--expires', EXPIRES],
        { env: { LICCTL_ORG: 'acme' } },
      ),
    )
    const id = json<{ id: string }>(await adm('generate', 'same-size', '--quantity', '3', '--json')).id
    ok(await as(eng, ['activate', id, '--host', 'lic-same', '--seats', '2']))
    const audited = async () =>
      ok(await adm('show', id, '--json')).stdout +
      ok(await runCli(['orgs', 'audit', '--all', '--json'], { env: server.env(admin, 'acme') })).stdout
    const before = [await ids(), await ent('same-size'), await audited()]
    // Off a terminal and without --yes or --force: nothing is retired, so nothing needs confirming.
    const said = ok(await adm('resize', id, '--quantity', '3'))
    assert.equal(said.stdout, `${id} (same-size) already has 3 seats: nothing to change.\n`)
    assert.equal(said.stderr, '')
    assert.equal(
      ok(await adm('resize', id, '--quantity', '3', '--dry-run')).stdout,
      `${id} (same-size) already has 3 seats: nothing to change.\n`,
    )
    const res = json<{ applied: boolean; changed: boolean; id: string; generated: null; orphaned: [] }>(
      await adm('resize', id, '--quantity', '3', '--json'),
    )
    assert.deepEqual(
      [res.applied, res.changed, res.id, res.generated, res.orphaned],
      [true, false, id, null, []],
    )
    assert.deepEqual([await ids(), await ent('same-size'), await audited()], before)
  })

  it('a read-only token plans a resize with --dry-run (exit 0) and is refused carrying it out (exit 4)', async () => {
    ok(
      await server.asOperator(
        ['activations', 'provision', 'plan-only', '--type', 'CC', '--seats', '5', '--expires', EXPIRES],
        { env: { LICCTL_ORG: 'acme' } },
      ),
    )
    const id = json<{ id: string }>(await adm('generate', 'plan-only', '--quantity', '2', '--json')).id
    const ci = json<{ token: string }>(
      await runCli(['orgs', 'tokens', 'create', '--read-only', '--name', 'ci-plan', '--json'], {
        env: server.env(admin, 'acme'),
      }),
    ).token
    const before = [await ids(), await ent('plan-only')]
    const plan = ok(await as(ci, ['resize', id, '--quantity', '3', '--dry-run']))
    assert.equal(
      plan.stdout,
      [
        `Resize ${id} (plan-only) from 2 to 3 seats, in this order:`,
        `  1. return ${id} on the portal (2 seats back to the entitlement)`,
        '  2. generate a new ID of 3 seats of plan-only',
        '',
      ].join('\n'),
    )
    assert.equal(plan.stderr, '')
    const dry = json<{ applied: boolean; changed: boolean; id: string | null }>(
      await as(ci, ['resize', id, '--quantity', '3', '--dry-run', '--json']),
    )
    assert.deepEqual([dry.applied, dry.changed, dry.id], [false, true, null])
    // The change itself: the plan is shown, then the server refuses the token (exit 4).
    const real = await as(ci, ['resize', id, '--quantity', '3', '--yes'])
    assert.equal(real.code, 4, real.stderr)
    assert.equal(real.stdout, plan.stdout)
    assert.equal(real.stderr, 'Error: this token is read-only\n')
    assert.equal(
      refused(await as(ci, ['resize', id, '--quantity', '3', '--yes', '--json']), 4, 'read_only_token'),
      'this token is read-only',
    )
    assert.deepEqual([await ids(), await ent('plan-only')], before)
  })

  it('refuses an expired ID with activation_expired (exit 3)', async () => {
    // An instant a few seconds ahead: the ID is generated before it, activated after it.
    const expires = new Date(Date.now() + 10_000).toISOString()
    ok(
      await server.asOperator([
        'activations',
        'provision',
        'trial',
        '--type',
        'NL',
        '--seats',
        '2',
        '--expires',
        expires,
        '--org',
        'acme',
      ]),
    )
    const id = json<{ id: string }>(await adm('generate', 'trial', '--quantity', '2', '--json')).id
    while (Date.now() <= Date.parse(expires) + 50) await new Promise((r) => setTimeout(r, 100))
    const msg = refused(await as(eng, ['activate', id, '--host', 'ws-t', '--json']), 3, 'activation_expired')
    // It ended at a time of day: the message says when, never "expired after <today>"
    const time = expires.endsWith(':00.000Z') ? expires.slice(11, 16) : expires.slice(11, 19)
    assert.match(
      msg,
      new RegExp(`^activation ID ${id} expired (today|on \\d{4}-\\d{2}-\\d{2}) at ${time} \\(UTC\\)$`),
    )
  })

  it('the operator renews the expired entitlement: its ID activates again (`activations update`)', async () => {
    const none = await server.asOperator(['activations', 'update', 'trial', '--org', 'acme'])
    assert.equal(none.code, 2, none.stderr)
    assert.match(none.stderr, /^Error: nothing to update\n/)
    const renewed = json<{ seats: number; validThrough: string; expired: boolean }>(
      await server.asOperator([
        'activations',
        'update',
        'trial',
        '--expires',
        '2099-12-31',
        '--add-seats',
        '1',
        '--org',
        'acme',
        '--json',
      ]),
    )
    assert.deepEqual([renewed.seats, renewed.validThrough, renewed.expired], [3, '2099-12-31', false])
    // The same expiration again (a provisioning script re-run) changes nothing: it wrote an audit
    // entry whose before and after were the same, and moved updatedAt.
    const updates = async () =>
      json<{ items: unknown[] }>(
        await server.asOperator([
          'orgs',
          'audit',
          '--action',
          'activations.update',
          '--org',
          'acme',
          '--json',
        ]),
      ).items.length
    const logged = await updates()
    const again = json(
      await server.asOperator([
        'activations',
        'update',
        'trial',
        '--expires',
        '2099-12-31',
        '--org',
        'acme',
        '--json',
      ]),
    )
    assert.deepEqual(again, renewed)
    assert.equal(await updates(), logged)
    const over = await server.asOperator([
      'activations',
      'update',
      'trial',
      '--add-seats',
      '1000000',
      '--org',
      'acme',
    ])
    assert.equal(over.code, 2, over.stderr)
    assert.match(over.stderr, /--add-seats.*limit of 1,000,000 seats/)
    const [id] = json<{ items: Array<{ id: string }> }>(
      await adm('list', '--product', 'trial', '--json'),
    ).items
    ok(await as(eng, ['activate', id!.id, '--host', 'ws-t']))
    const byAdmin = await adm('update', 'trial', '--expires', '2099-12-31')
    assert.equal(byAdmin.code, 4, byAdmin.stderr)
  })

  it('every command’s --json document conforms to its registered schema', async () => {
    const provisioned = await server.asOperator([
      'activations',
      'provision',
      'json-check',
      '--type',
      'CC',
      '--seats',
      '9',
      '--expires',
      EXPIRES,
      '--org',
      'acme',
      '--json',
    ])
    conforms('activations:provision', provisioned)
    conforms(
      'activations:update',
      await server.asOperator([
        'activations',
        'update',
        'json-check',
        '--add-seats',
        '1',
        '--org',
        'acme',
        '--json',
      ]),
    )
    const id = json<{ id: string }>(await adm('generate', 'json-check', '--quantity', '3', '--json')).id
    json(await as(eng, ['activate', id, '--host', 'j-1', '--seats', '2', '--json']))
    json(await adm('rehost', id, '--from', 'j-1', '--to', 'j-2', '--json'))
    json(await adm('show', id, '--json'))
    json(await adm('split', id, '--quantity', '1', '--json'))
    json(await adm('resize', id, '--quantity', '3', '--dry-run', '--force', '--json'))
    json(await as(eng, ['deactivate', id, '--host', 'j-2', '--json']))
    json(await adm('orphans', '--clear', 'j-1', '--json'))
    json(await adm('orphans', '--all', '--json'))
    json(await adm('return', id, '--yes', '--json'))
    json(await adm('list', '--status', 'inactive', '--json'))
    // Retiring needs the entitlement expired: a server process whose clock reads a day past it.
    const after = new Date(Date.parse(`${EXPIRES}T00:00:00Z`) + 2 * 86_400_000).toISOString()
    const later = await server.listen(after)
    const retired = await runCli(['activations', 'retire', 'json-check', '--json'], {
      env: { ...server.env(admin, 'acme'), LICCTL_URL: later },
    })
    conforms('activations:retire', retired)
    const expected = Object.keys(jsonOutputs).filter((k) => k.startsWith('activations:'))
    assert.deepEqual([...conformed].sort(), expected.sort())
  })

  it('on a terminal a forced return names the hosts it would orphan and asks; no changes nothing', async () => {
    ok(
      await server.asOperator([
        'activations',
        'provision',
        'tty-check',
        '--type',
        'CC',
        '--seats',
        '2',
        '--expires',
        EXPIRES,
        '--org',
        'acme',
      ]),
    )
    const id = json<{ id: string }>(await adm('generate', 'tty-check', '--quantity', '2', '--json')).id
    ok(await as(eng, ['activate', id, '--host', 'tty-1', '--seats', '2']))
    const question = /Continue\?/
    const no = await runInPty(['activations', 'return', id, '--force'], {
      env: server.env(admin, 'acme'),
      answers: [{ after: question, type: 'n\r' }],
      timeoutMs: 60_000,
    })
    assert.equal(no.code, 2, no.stdout)
    assert.match(no.stdout, /Error: cancelled/)
    assert.ok(
      // The terminal wraps the question at 80 columns, mid-word.
      no.stdout
        .replaceAll('\n', '')
        .includes(
          `Return ${id}: it becomes inactive for good, 2 seats go back to tty-check and leave orphaned copies on tty-1. Continue?`,
        ),
      no.stdout,
    )
    assert.equal((await show(id)).status, 'active')
    const yes = await runInPty(['activations', 'return', id, '--force'], {
      env: server.env(admin, 'acme'),
      answers: [{ after: question, type: 'y\r' }],
      timeoutMs: 60_000,
    })
    assert.equal(yes.code, 0, yes.stdout)
    assert.match(yes.stdout, new RegExp(`Returned ${id}: inactive; 2 seats back to tty-check`))
  })
})
