import { strict as assert } from 'node:assert'
import { issueKeysArgs, issuedKeys } from '../../scripts/lib/device-keys.js'
import { E2eServer, runCli, type CliResult } from './e2e.js'

/**
 * The setup the topic e2e tests share: the organization acme with alice@acme.test its admin, and
 * what the operator provisions for it. Every step must succeed (exit 0, else its stderr is shown).
 */
function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, r.stderr)
  return r
}

/** A server at `clock` with acme, alice@acme.test its admin and `members` added; the admin's token. */
export async function startAcme(
  clock: string,
  members: string[] = [],
): Promise<{ server: E2eServer; admin: string }> {
  const server = await E2eServer.start({ clock })
  try {
    const admin = await server.createOrg('acme', 'alice@acme.test')
    if (members.length > 0)
      ok(await runCli(['orgs', 'users', 'add', ...members], { env: server.env(admin, 'acme') }))
    return { server, admin }
  } catch (err) {
    // The test's after() never sees this server: a process left running would keep mocha alive.
    await server.stop()
    throw err
  }
}

/**
 * The operator provisions the add-on `key` of acme: `total` licenses, named "Cloud Processing" unless
 * told; through the server process at `url` when given (one started with an earlier clock, to
 * provision an add-on that has expired since: the server refuses an expiration already past).
 */
export async function provisionAddon(
  server: E2eServer,
  key: string,
  opts: { total: number; expires: string; name?: string; url?: string },
): Promise<void> {
  const name = opts.name ?? 'Cloud Processing'
  const args = ['--name', name, '--total', String(opts.total), '--expires', opts.expires]
  const env = opts.url ? { env: { LICCTL_URL: opts.url } } : {}
  ok(await server.asOperator(['cloud', 'provision', key, ...args, '--org', 'acme'], env))
}

/**
 * The operator provisions a concurrent (CC) entitlement of `product` for acme with `seats`; the
 * admin generates an activation ID of `quantity` seats from it. Returns the ID.
 */
export async function generateActivationId(
  server: E2eServer,
  admin: string,
  opts: { product: string; seats: number; quantity: number; expires: string },
): Promise<string> {
  const { product, seats, quantity, expires } = opts
  const entitlement = ['--type', 'CC', '--seats', String(seats), '--expires', expires]
  ok(await server.asOperator(['activations', 'provision', product, ...entitlement, '--org', 'acme']))
  const generate = ['activations', 'generate', product, '--quantity', String(quantity), '--json']
  const res = ok(await runCli(generate, { env: server.env(admin, 'acme') }))
  return (JSON.parse(res.stdout) as { id: string }).id
}

/** The operator issues `count` one-year keys of the router category (expiring when told). */
export async function issueRouterKeys(
  server: E2eServer,
  count: number,
  expires?: string,
): Promise<Array<{ key: string; serial: string }>> {
  const args = issueKeysArgs({ category: 'router', term: '1y', count, expires })
  return issuedKeys(ok(await server.asOperator(args)).stdout)
}
