// Seat checkouts per second on SQLite, (1) through HTTP: the real app from dist/ listening on
// 127.0.0.1, driven by the licctl client (undici, keep-alive, Idempotency-Key) with CONCURRENCY
// requests in flight; (2) through the checkout service directly, same database, same concurrency.
// The ratio is what HTTP, routing, auth, validation and idempotency cost on top of the transaction.
// Each phase runs for PHASE_MS after a warm-up. Run alone with `npm run bench -- seats`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const PHASE_MS = Number(process.env.LICCTL_BENCH_SEATS_MS ?? 1500)
const WARMUP = 100
const CONCURRENCY = 16

/** Runs `once(i)` from CONCURRENCY workers until `ms` have passed; returns completed calls per second. */
async function rate(ms, once) {
  let n = 0
  const start = performance.now()
  const deadline = start + ms
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) await once(n++)
    }),
  )
  return n / ((performance.now() - start) / 1000)
}

export async function run({ root }) {
  const load = (path) => import(pathToFileURL(join(root, 'dist', path)).href)
  const [{ build }, { openStorage }, { initializeServer }, { checkout }, { LicctlClient }] =
    await Promise.all([
      load('server/app.js'),
      load('storage/open.js'),
      load('server/services/operator.js'),
      load('server/services/seats.js'),
      load('client/index.js'),
    ])
  const dir = mkdtempSync(join(tmpdir(), 'licctl-bench-seats-'))
  const storage = await openStorage(join(dir, 'bench.sqlite'))
  const { token: operatorToken } = await initializeServer(storage.db, Date.now())
  const app = await build({ storage })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const op = LicctlClient.create({ baseUrl: url, token: operatorToken })
  let client
  try {
    const created = await op.orgs.create(
      {},
      {
        slug: 'bench',
        name: 'Bench',
        admin: { email: 'admin@bench.test' },
      },
    )
    client = LicctlClient.create({ baseUrl: url, token: created.admin.token, retries: 0 })
    // Seats enough for every checkout: the figure is the cost of a granted checkout, not a refusal.
    for (const product of ['via-http', 'via-service'])
      await op.seats.provision({ org: 'bench' }, { product, seats: 1_000_000, expires: '2099-12-31' })

    // Each checkout is a new lease: the same admin on a new host every time.
    const overHttp = (i) =>
      client.seats.checkout({ org: 'bench', product: 'via-http' }, { host: `http-${i}` })
    for (let i = 0; i < WARMUP; i++) await overHttp(`warm-${i}`)
    const http = await rate(PHASE_MS, overHttp)

    const admin = await storage.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
      .select(['users.id as userId', 'users.email', 'organizations.id as orgId'])
      .where('organizations.slug', '=', 'bench')
      .executeTakeFirstOrThrow()
    const ctx = {
      db: storage.db,
      dialect: storage.dialect,
      clock: { now: () => Date.now() },
      principal: {
        kind: 'user',
        tokenId: 'bench',
        ...admin,
        orgSlug: 'bench',
        role: 'admin',
        readOnly: false,
      },
    }
    const direct = (i) => checkout(ctx, 'bench', 'via-service', { host: `svc-${i}` })
    for (let i = 0; i < WARMUP; i++) await direct(`warm-${i}`)
    const service = await rate(PHASE_MS, direct)

    const figures = {
      httpCheckoutsPerSec: Math.round(http),
      serviceCheckoutsPerSec: Math.round(service),
      serviceToHttpRatio: Number((service / http).toFixed(2)),
    }
    process.stdout.write(
      `SQLite, ${CONCURRENCY} in flight, ${PHASE_MS} ms per phase, Node ${process.version}\n` +
        `  through HTTP:        ${figures.httpCheckoutsPerSec} checkouts/s\n` +
        `  through the service: ${figures.serviceCheckoutsPerSec} checkouts/s\n` +
        `  service / HTTP:      ${figures.serviceToHttpRatio}×\n`,
    )
    return { name: 'seats', figures }
  } finally {
    await client?.close()
    await op.close()
    await app.close()
    await storage.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

// `node scripts/bench/seats.js` runs it alone against the current dist/.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { fileURLToPath } = await import('node:url')
  await run({ root: join(fileURLToPath(import.meta.url), '../../..') })
}
