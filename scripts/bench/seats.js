// Seat checkouts and heartbeats per second on SQLite, each beside what the same machine can do:
// (1) checkouts through HTTP: the real app from dist/ listening on 127.0.0.1, driven by the licctl
//     client (node:http, keep-alive, Idempotency-Key) with CONCURRENCY requests in flight, against a
//     bare route on the same server stack with auth (it looks the token up and answers 200);
// (2) checkouts through the checkout service directly, against a raw better-sqlite3 transaction
//     doing the same statements on the same file;
// (3) heartbeats through HTTP (the call a license server gets most), against the same bare route.
// Every path is warmed first (WARMUP calls each, CONCURRENCY in flight: a server that has been up a
// while, not its first requests), then the phases run in ROUNDS interleaved rounds of PHASE_MS each,
// each path right after its baseline. A rate is the median of its rounds; a share is the median of
// the rounds' shares (path and baseline of one round, back to back), so a slow moment of a shared
// machine weighs on both sides of a share alike. Run alone with `npm run bench -- seats`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const PHASE_MS = Number(process.env.LICCTL_BENCH_SEATS_MS ?? 1000)
const WARMUP = 1000
const ROUNDS = Number(process.env.LICCTL_BENCH_SEATS_ROUNDS ?? 7)
const CONCURRENCY = 16
/** Goals from the performance issue: shares of the baseline's rate. */
const HTTP_GOAL = 0.35
const SERVICE_GOAL = 0.25

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

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
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
  // As `server start` opens it: WAL checkpoints on a worker thread.
  const storage = await openStorage(join(dir, 'bench.sqlite'), { checkpointInBackground: true })
  const { token: operatorToken } = await initializeServer(storage.db, Date.now())
  const app = await build({ storage })
  // The HTTP baseline: the same Fastify app, plugins and auth hook (the token is looked up), and a
  // handler that does nothing else.
  app.get('/bench/auth-only', { schema: { hide: true } }, async () => ({ ok: true }))
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
    // Baseline for (1) and (3): the bare authenticated route, through the same client transport.
    const bare = (i) => client.transport.request('GET', '/bench/auth-only', { query: { i } })
    // Baseline for (2): the checkout's statements as one raw better-sqlite3 transaction.
    const { BACKSTOP_PAGES } = await load('storage/sqlite/checkpointer.js')
    const raw = await rawCheckout(join(dir, 'bench.sqlite'), admin, BACKSTOP_PAGES)
    const rawOnce = async (i) => raw.once(`raw-${i}`)
    // Heartbeats: leases checked out over HTTP, round-robin.
    const leases = []
    for (let i = 0; i < 200; i++)
      leases.push(
        (await client.seats.checkout({ org: 'bench', product: 'via-http' }, { host: `hb-${i}` })).id,
      )
    const beat = (i) => client.seats.heartbeat({ org: 'bench', id: leases[i % leases.length] })

    // Each path right after its baseline, so a round's share compares like with like.
    const phases = { bareHttp: bare, http: overHttp, heartbeats: beat, rawRate: rawOnce, service: direct }
    // One counter over every call of every round: each checkout is on a new host (a new lease).
    let call = 0
    const next = (once) => () => once(call++)
    for (const once of Object.values(phases)) {
      let done = 0
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (done++ < WARMUP) await next(once)()
        }),
      )
    }
    const rounds = Object.fromEntries(Object.keys(phases).map((k) => [k, []]))
    for (let r = 0; r < ROUNDS; r++)
      for (const [name, once] of Object.entries(phases)) rounds[name].push(await rate(PHASE_MS, next(once)))
    raw.close()
    const { http, service, bareHttp, rawRate, heartbeats } = Object.fromEntries(
      Object.entries(rounds).map(([k, v]) => [k, median(v)]),
    )
    // Each share is the median of its rounds' shares: a path and its baseline measured back to back
    // in one round see the same machine, where the machine's speed drifts between rounds (shared
    // hosts: the bare route's own rate moved by a third from one round to the next).
    const share = (path, baseline) => median(rounds[path].map((rate, r) => rate / rounds[baseline][r]))

    const figures = {
      httpCheckoutsPerSec: Math.round(http),
      bareAuthRoutePerSec: Math.round(bareHttp),
      httpShareOfBare: Number(share('http', 'bareHttp').toFixed(2)),
      serviceCheckoutsPerSec: Math.round(service),
      rawSqliteCheckoutsPerSec: Math.round(rawRate),
      serviceShareOfRaw: Number(share('service', 'rawRate').toFixed(2)),
      httpHeartbeatsPerSec: Math.round(heartbeats),
      heartbeatShareOfBare: Number(share('heartbeats', 'bareHttp').toFixed(2)),
    }
    const pct = (x) => `${Math.round(x * 100)} %`
    process.stdout.write(
      `SQLite, ${CONCURRENCY} in flight, ${WARMUP} warm-up calls per path, ${ROUNDS} interleaved rounds of ${PHASE_MS} ms (rates: medians; shares: medians of each round's share), Node ${process.version}\n` +
        `  checkouts through HTTP:     ${figures.httpCheckoutsPerSec}/s — ${pct(figures.httpShareOfBare)} of a bare authenticated route (${figures.bareAuthRoutePerSec}/s; goal ≥ ${pct(HTTP_GOAL)})\n` +
        `  checkouts through service:  ${figures.serviceCheckoutsPerSec}/s — ${pct(figures.serviceShareOfRaw)} of raw better-sqlite3 (${figures.rawSqliteCheckoutsPerSec}/s; goal ≥ ${pct(SERVICE_GOAL)})\n` +
        `  heartbeats through HTTP:    ${figures.httpHeartbeatsPerSec}/s — ${pct(figures.heartbeatShareOfBare)} of the bare route\n`,
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

/**
 * The checkout's statements (organization, membership, pool, existing lease, guarded seat update,
 * lease insert, audit entry) as one BEGIN IMMEDIATE transaction of prepared better-sqlite3
 * statements on a second connection to the same file: what the database alone can do.
 */
async function rawCheckout(file, admin, backstopPages) {
  const { default: SQLite } = await import('better-sqlite3')
  const db = new SQLite(file)
  db.pragma('busy_timeout = 5000')
  db.pragma('synchronous = NORMAL')
  // As the server's own connection: the worker thread checkpoints the file (startCheckpointer), so
  // the commits of the baseline do not copy the WAL themselves either.
  db.pragma(`wal_autocheckpoint = ${backstopPages}`)
  const org = db.prepare('select * from organizations where slug = ?')
  const member = db.prepare(
    'select users.id, users.email, memberships.role from memberships join users on users.id = memberships.user_id where memberships.org_id = ? and users.email = ?',
  )
  const pool = db.prepare('select * from seat_pools where org_id = ? and product = ?')
  const existing = db.prepare('select * from leases where pool_id = ? and user_id = ? and host = ?')
  const take = db.prepare(
    'update seat_pools set used = used + 1, updated_at = ? where id = ? and used < seats and expires_at > ? returning used',
  )
  const insert = db.prepare(
    'insert into leases (id, pool_id, user_id, host, started_at, last_heartbeat_at, roaming_until) values (?, ?, ?, ?, ?, ?, null) on conflict do nothing returning id',
  )
  const auditCols = db
    .prepare('select name, "notnull" as nn, dflt_value from pragma_table_info(\'audit_events\')')
    .all()
  const base = { actor: admin.email, action: 'seats.checkout', before: '{}', after: '{}' }
  const auditInsert = db.prepare(
    `insert into audit_events (${auditCols.map((c) => c.name).join(', ')}) values (${auditCols.map((c) => '@' + c.name).join(', ')})`,
  )
  let n = 0
  const tx = db.transaction((host) => {
    const now = Date.now()
    const o = org.get('bench')
    const m = member.get(o.id, admin.email)
    const p = pool.get(o.id, 'via-raw')
    if (existing.get(p.id, m.id, host)) return
    if (!take.get(now, p.id, now)) throw new Error('no free seat')
    const id = `ls_raw_${n++}`
    insert.get(id, p.id, m.id, host, now, now)
    const row = {}
    for (const c of auditCols) row[c.name] = c.nn && c.dflt_value === null ? 0 : null
    Object.assign(row, base, { id: `ev_raw_${n}`, org_id: o.id, target: `via-raw/${id}`, created_at: now })
    for (const c of auditCols)
      if (typeof row[c.name] === 'number' && /hash|request/.test(c.name)) row[c.name] = ''
    auditInsert.run(row)
  })
  const o = org.get('bench')
  const now = Date.now()
  db.prepare(
    "insert into seat_pools (id, org_id, product, seats, used, expires_at, lease_ttl_seconds, max_roaming_seconds, created_at, updated_at) values ('sp_raw', ?, 'via-raw', 1000000, 0, ?, 900, null, ?, ?)",
  ).run(o.id, Date.parse('2099-12-31T00:00:00Z'), now, now)
  return { once: (host) => tx.immediate(host), close: () => db.close() }
}

// `node scripts/bench/seats.js` runs it alone against the current dist/.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { fileURLToPath } = await import('node:url')
  await run({ root: join(fileURLToPath(import.meta.url), '../../..') })
}
