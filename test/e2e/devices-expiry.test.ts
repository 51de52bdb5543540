import { strict as assert } from 'node:assert'
import { E2eServer, jsonError, runCli, type CliResult } from '../helpers/e2e.js'
import { issueRouterKeys } from '../helpers/e2e-acme.js'

/** R1 is licensed on 2025-01-20 for 365 days (valid through 2026-01-20); the check runs 2025-12-25. */
describe('e2e: expiry check and explain of devices', function () {
  let server: E2eServer
  let admin: string
  let later = ''
  const as = (args: string[], url?: string) =>
    runCli(args, { env: { ...server.env(admin, 'acme'), ...(url ? { LICCTL_URL: url } : {}) } })
  const ok = (r: CliResult) => {
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`)
    return r
  }

  let soon = ''
  before(async () => {
    server = await E2eServer.start({ clock: '2025-01-20T09:00:00Z' })
    later = await server.listen('2025-12-25T15:00:00Z')
    admin = await server.createOrg('acme', 'ann@acme.test')
    ok(await server.asOperator(['devices', 'categories', 'add', 'router', '--models', 'R-1000']))
    ok(await as(['devices', 'keys', 'add', (await issueRouterKeys(server, 1))[0]!.key, '--accept-terms']))
    ok(await as(['devices', 'add', 'R1', '--model', 'R-1000']))
    ok(await as(['devices', 'assign', 'R1']))
    const [k] = await issueRouterKeys(server, 1, '2026-01-10')
    soon = k!.serial
    ok(await as(['devices', 'keys', 'add', k!.key, '--accept-terms']))
  })
  after(async () => server.stop())

  it('finds the assigned license naming the device, and the pool license and its key, then exits 7', async () => {
    const r = await as(['expiry', 'check', '--within', '30d', '--json'], later)
    assert.equal(r.code, 7, r.stderr)
    const doc = JSON.parse(r.stdout) as {
      items: Array<{
        kind: string
        name: string
        owner: string | null
        validThrough: string
        daysLeft: number
      }>
    }
    assert.deepEqual(
      doc.items.map((i) => [i.kind, i.name, i.owner, i.validThrough, i.daysLeft]),
      [
        ['device-key', `${soon} (router 1y)`, null, '2026-01-10', 16],
        ['device-pool-license', `${soon}-1 (router 1y)`, null, '2026-01-10', 16],
        ['device-license', 'R1', 'R1', '2026-01-20', 26],
      ],
    )
    // One license is "1 license", on the terminal and in a GitHub annotation; the row's name is the
    // device, so Affects does not name it again (as seats and add-ons say only what lapses).
    const table = await as(['expiry', 'check', '--within', '30d', '--kind', 'device-license'], later)
    assert.equal(table.code, 7, table.stderr)
    assert.match(table.stdout, /\n failing +device license +R1 +acme +2026-01-20 +26 +1 license\n$/)
    const annotation = await as(
      ['expiry', 'check', '--within', '30d', '--kind', 'device-license', '--format', 'github'],
      later,
    )
    assert.equal(
      annotation.stdout,
      "::error title=License expiring::device license 'R1' (acme) is valid through 2026-01-20 (26 days left): 1 license\n",
    )
    const out = await as(
      ['expiry', 'check', '--within', '15d', '--kind', 'device-license,device-pool-license'],
      later,
    )
    assert.equal(out.code, 0, out.stderr)
    assert.equal(out.stdout, 'Nothing expires within the window.\n')
  })

  it("keeps failing on pool licenses past their key's last day until an admin retires the key", async () => {
    const lapsed = await server.listen('2026-01-22T12:00:00Z') // the key's last day was 2026-01-10
    const pool = ['expiry', 'check', '--kind', 'device-key,device-pool-license']
    const stuck = await as([...pool, '--within', '1d'], lapsed)
    assert.equal(stuck.code, 7, stuck.stderr)
    assert.match(stuck.stdout, new RegExp(`expired +device key +${soon} \\(router 1y\\)`))
    // The remedy, once, though the key and its license are both reported.
    const hint = `Hint: the licenses of key ${soon} lapsed unassigned and can never be assigned: \`licctl devices keys retire ${soon}\` writes them off and clears them from the check\n`
    assert.equal(stuck.stderr, `expiry check: 2 expired within 1d in acme\n${hint}`)
    const github = await as([...pool, '--format', 'github'], lapsed)
    assert.match(github.stdout, new RegExp(`lapsed; the licenses of key ${soon} lapsed unassigned`))

    // Before the last day has passed, retiring is refused: the licenses can still be assigned.
    const early = await as(['devices', 'keys', 'retire', soon, '--json'], later)
    assert.equal(early.code, 3, early.stderr)
    assert.deepEqual(jsonError(early), {
      code: 'key_not_expired',
      message: `the licenses of key ${soon} can be assigned through 2026-01-10: assign or transfer them before then; they can be retired after`,
      details: { expiresAt: '2026-01-11T00:00:00.000Z' },
    })

    const retired = ok(await as(['devices', 'keys', 'retire', soon], lapsed))
    assert.equal(
      retired.stdout,
      `Retired 1 license of key ${soon}, unassignable since 2026-01-11T00:00:00.000Z: ${soon}-1\n`,
    )
    const green = await as(pool, lapsed)
    assert.equal(green.code, 0, green.stderr)
    assert.equal(green.stdout, 'Nothing expires within the window.\n')
    assert.equal(green.stderr, 'expiry check: nothing expires within 30d in acme\n')

    const keys = JSON.parse(ok(await as(['devices', 'keys', 'list', '--json'], lapsed)).stdout) as {
      items: Array<{ serial: string; inPool: number; retired: number; state: string }>
    }
    assert.deepEqual(
      keys.items.filter((k) => k.serial === soon).map((k) => [k.inPool, k.retired, k.state]),
      [[0, 1, 'retired']],
    )
    const again = ok(await as(['devices', 'keys', 'retire', soon], lapsed))
    assert.equal(again.stdout, `Key ${soon}: no license of it left in the pool; nothing to retire.\n`)
    assert.deepEqual(JSON.parse(ok(await as(['devices', 'keys', 'retire', soon, '--json'], lapsed)).stdout), {
      key: soon,
      expiresAt: '2026-01-11T00:00:00.000Z',
      licenses: [],
    })
    const audit = JSON.parse(ok(await as(['orgs', 'audit', '--json'], lapsed)).stdout) as {
      items: Array<{ action: string; target: string; actor: string }>
    }
    assert.deepEqual(
      audit.items.filter((e) => e.action === 'devices.keys.retire').map((e) => [e.target, e.actor]),
      [[soon, 'ann@acme.test']],
    )
    const typo = await as(['devices', 'keys', 'retire', 'not-a-key'], lapsed)
    assert.equal(typo.code, 2, typo.stderr)
    const unknown = await as(['devices', 'keys', 'retire', '0000000000AA'], lapsed)
    assert.equal(unknown.code, 5, unknown.stderr)
  })

  it('explains the device: licensed through its last day', async () => {
    const r = ok(await as(['explain', 'ann@acme.test', '--device', 'R1', '--json'], later))
    const e = JSON.parse(r.stdout) as { licensed: boolean; code: string; summary: string }
    assert.deepEqual(
      [e.licensed, e.code, e.summary],
      [true, 'ok', 'Device R1 (router) is licensed through 2026-01-20 (26 days left).'],
    )
  })
})
