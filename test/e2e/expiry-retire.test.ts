import { strict as assert } from 'node:assert'
import { E2eServer, jsonError, runCli, type CliResult } from '../helpers/e2e.js'

/**
 * A seat pool, an add-on pool and a node-locked entitlement (with an ID activated on a host), all
 * valid through 2026-01-10 and not renewed: `expiry check` fails on them until an admin retires each.
 */
describe('e2e: retiring what expired and is not renewed clears expiry check', function () {
  let server: E2eServer
  let admin: string
  let lapsed = ''
  let id = ''
  const as = (args: string[], url?: string) =>
    runCli(args, { env: { ...server.env(admin, 'acme'), ...(url ? { LICCTL_URL: url } : {}) } })
  const ok = (r: CliResult) => {
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`)
    return r
  }
  const op = (args: string[]) => server.asOperator(args, { env: { LICCTL_ORG: 'acme' } })

  before(async () => {
    server = await E2eServer.start({ clock: '2026-01-05T12:00:00Z' })
    lapsed = await server.listen('2026-01-20T12:00:00Z')
    admin = await server.createOrg('acme', 'ann@acme.test')
    const expires = ['--expires', '2026-01-10']
    ok(await op(['seats', 'provision', 'cad-pro', '--seats', '2', ...expires]))
    ok(
      await op([
        'cloud',
        'provision',
        'cloud-processing',
        '--name',
        'Cloud Processing',
        '--total',
        '2',
        ...expires,
      ]),
    )
    ok(await op(['activations', 'provision', 'cad-desk', '--type', 'NL', '--seats', '2', ...expires]))
    id = JSON.parse(
      ok(await as(['activations', 'generate', 'cad-desk', '--quantity', '1', '--json'])).stdout,
    ).id
    ok(await as(['activations', 'activate', id, '--host', 'ws-1']))
  })
  after(async () => server.stop())

  it('exits 7 on them, with the commands as hints, until each is retired; then 0', async () => {
    const check = ['expiry', 'check', '--within', '1d']
    const red = await as(check, lapsed)
    assert.equal(red.code, 7, red.stderr)
    assert.equal(
      red.stderr,
      [
        'expiry check: 4 expired within 1d in acme',
        // One hint for the entitlement and its ID.
        "Hint: the entitlement for 'cad-desk' has expired: if it is not to be renewed, `licctl activations retire cad-desk` retires it and its activation IDs and clears them from the check",
        "Hint: add-on pool 'cloud-processing' has expired: if it is not to be renewed, `licctl cloud retire cloud-processing` retires it and clears it from the check",
        "Hint: seat pool 'cad-pro' has expired: if it is not to be renewed, `licctl seats retire cad-pro` retires it and clears it from the check",
        '',
      ].join('\n'),
    )
    const annotations = await as([...check, '--kind', 'seat-pool', '--format', 'github'], lapsed)
    assert.equal(
      annotations.stdout,
      "::error title=License expired::seat pool 'cad-pro' (acme) expired after 2026-01-10: 2 seats lapsed; seat pool 'cad-pro' has expired: if it is not to be renewed, `licctl seats retire cad-pro` retires it and clears it from the check\n",
    )
    // The node-locked ID cannot be returned on the portal, the entitlement's retirement is the action.
    const nl = await as(['activations', 'return', id, '--force', '--yes', '--json'], lapsed)
    assert.equal(nl.code, 3, nl.stderr)
    assert.equal(jsonError(nl).code, 'return_not_supported')

    // Before the last day has passed, retiring is refused (exit 3), and needs an admin's token.
    const early = await as(['seats', 'retire', 'cad-pro', '--json'], server.url)
    assert.equal(early.code, 3, early.stderr)
    assert.deepEqual(jsonError(early), {
      code: 'not_expired',
      message:
        "seat pool 'cad-pro' is valid through 2026-01-10: it can be retired once it has expired, if it is not renewed",
      details: { expiresAt: '2026-01-11T00:00:00.000Z' },
    })

    // CI's read-only admin token reads the check, and may not retire (exit 4).
    const ci = JSON.parse(
      ok(await as(['orgs', 'tokens', 'create', '--read-only', '--name', 'ci', '--json'], lapsed)).stdout,
    ).token as string
    const readOnly = await runCli(['seats', 'retire', 'cad-pro', '--json'], {
      env: { ...server.env(ci, 'acme'), LICCTL_URL: lapsed },
    })
    assert.equal(readOnly.code, 4, readOnly.stderr)
    assert.equal(jsonError(readOnly).code, 'read_only_token')

    const pool = ok(await as(['seats', 'retire', 'cad-pro'], lapsed))
    assert.equal(
      pool.stdout,
      "Retired seat pool 'cad-pro' (expired after 2026-01-10): `expiry check` no longer reports it.\n",
    )
    const addon = ok(await as(['cloud', 'retire', 'cloud-processing'], lapsed))
    assert.equal(
      addon.stdout,
      "Retired add-on pool 'cloud-processing' (expired after 2026-01-10): `expiry check` no longer reports it.\n",
    )
    const still = await as(check, lapsed)
    assert.equal(still.code, 7, still.stderr)
    assert.equal(still.stderr.split('\n')[0], 'expiry check: 2 expired within 1d in acme')
    const ent = ok(await as(['activations', 'retire', 'cad-desk'], lapsed))
    assert.equal(
      ent.stdout,
      `Retired the entitlement for 'cad-desk' (expired after 2026-01-10) and its 1 activation ID (${id}): \`expiry check\` no longer reports them.\n`,
    )

    const green = await as(check, lapsed)
    assert.equal(green.code, 0, green.stderr)
    assert.equal(green.stdout, 'Nothing expires within the window.\n')

    // Again: already so, exit 0.
    const again = ok(await as(['seats', 'retire', 'cad-pro'], lapsed))
    // The server's clock runs on from the instant it was started at.
    assert.match(
      again.stdout,
      /^Seat pool 'cad-pro' was already retired \(at 2026-01-20 12:00Z\): nothing to do\.\n$/,
    )
    const doc = JSON.parse(ok(await as(['cloud', 'retire', 'cloud-processing', '--json'], lapsed)).stdout)
    assert.equal(doc.changed, false)
    assert.match(doc.retiredAt, /^2026-01-20T12:00:/)

    // Still listed, as retired; still refusing checkout; the history is audited.
    const pools = ok(await as(['seats', 'pools'], lapsed))
    assert.match(pools.stdout, /cad-pro .* 2026-01-10 \(retired\)/)
    const checkout = await as(['seats', 'checkout', 'cad-pro', '--host', 'ws-1', '--json'], lapsed)
    assert.equal(checkout.code, 3, checkout.stderr)
    assert.equal(jsonError(checkout).code, 'pool_expired')
    const audit = JSON.parse(ok(await as(['orgs', 'audit', '--json'], lapsed)).stdout) as {
      items: Array<{ action: string; target: string; actor: string }>
    }
    assert.deepEqual(
      audit.items.filter((e) => e.action.endsWith('.retire')).map((e) => [e.action, e.target, e.actor]),
      [
        ['activations.retire', 'cad-desk', 'ann@acme.test'],
        ['cloud.retire', 'cloud-processing', 'ann@acme.test'],
        ['seats.retire', 'cad-pro', 'ann@acme.test'],
      ],
    )
  })
})
