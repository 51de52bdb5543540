// Seat checkouts per second on PostgreSQL with 1, 2 and 4 `licctl server start` processes sharing
// one database (a schema of its own), CONCURRENCY requests in flight per process, each process's
// share of the load sent to it directly (what a load balancer does). The baseline is one process:
// the figures show whether throughput grows with processes. Needs PostgreSQL at
// LICCTL_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test); skipped when unreachable.
// Run alone with `npm run bench -- postgres`.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { startServer } from '../lib/server.js'

const PHASE_MS = Number(process.env.LICCTL_BENCH_PG_MS ?? 2000)
const CONCURRENCY = 16
const PROCESSES = [1, 2, 4]
const ORGS = Number(process.env.LICCTL_BENCH_PG_ORGS ?? 8)

async function rate(ms, workers, once) {
  let n = 0
  const start = performance.now()
  const deadline = start + ms
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (performance.now() < deadline) await once(w, n++)
    }),
  )
  return n / ((performance.now() - start) / 1000)
}

export async function run({ root }) {
  const base = process.env.LICCTL_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
  const { default: pg } = await import('pg')
  const admin = new pg.Client({ connectionString: base })
  try {
    await admin.connect()
  } catch (err) {
    process.stdout.write(`skipped: PostgreSQL unreachable at ${base} (${err.message})\n`)
    return { name: 'postgres', figures: {} }
  }
  const schema = `licctl_bench_${randomBytes(4).toString('hex')}`
  await admin.query(`create schema ${schema}`)
  const url = new URL(base)
  url.searchParams.set('schema', schema)
  const db = url.toString()
  const bin = join(root, 'bin/run.js')
  const { LicctlClient } = await import(pathToFileURL(join(root, 'dist/client/index.js')).href)
  const servers = []
  const clients = []
  try {
    const init = JSON.parse(
      execFileSync(process.execPath, [bin, 'server', 'init', '--db', db, '--json'], { encoding: 'utf8' }),
    )
    for (let i = 0; i < Math.max(...PROCESSES); i++) servers.push(await startServer(bin, db))
    const op = LicctlClient.create({ baseUrl: servers[0].url, token: init.operatorToken })
    // ORGS organizations, a pool each: a license server serves many. Within one organization every
    // checkout takes the pool row and the organization's audit-chain head (exactly-once counting and
    // a gap-free hash chain), so one organization's checkouts commit one after another whatever the
    // number of processes; the single-organization figure is printed beside, for that reason.
    const orgs = []
    for (let o = 0; o < ORGS; o++) {
      const slug = `bench-${o}`
      const created = await op.orgs.create(
        {},
        { slug, name: `Bench ${o}`, admin: { email: `admin@${slug}.test` } },
      )
      await op.seats.provision({ org: slug }, { product: 'cad', seats: 1_000_000, expires: '2099-12-31' })
      orgs.push({
        slug,
        clients: servers.map((s) =>
          LicctlClient.create({ baseUrl: s.url, token: created.admin.token, retries: 0 }),
        ),
      })
      clients.push(...orgs[o].clients)
    }
    await op.close()
    const figures = {}
    process.stdout.write(`PostgreSQL, ${CONCURRENCY} in flight per process, ${PHASE_MS} ms per phase\n`)
    for (const [label, spread] of [
      [`${ORGS} organizations`, ORGS],
      ['1 organization', 1],
    ]) {
      let one
      for (const n of PROCESSES) {
        const checkout = (w, i) => {
          const org = orgs[w % spread]
          return org.clients[Math.floor(w / spread) % n].seats.checkout(
            { org: org.slug, product: 'cad' },
            { host: `p${n}-${spread}-${i}` },
          )
        }
        for (let i = 0; i < 50; i++) await checkout(i, `warm-${n}-${spread}-${i}`)
        const r = await rate(PHASE_MS, CONCURRENCY * n, checkout)
        one ??= r
        const key = spread === 1 ? `${n}proc_1org` : `${n}proc`
        figures[`checkoutsPerSec_${key}`] = Math.round(r)
        figures[`scaling_${key}`] = Number((r / one).toFixed(2))
        process.stdout.write(
          `  ${label}, ${n} process${n > 1 ? 'es' : ''}: ${Math.round(r)} checkouts/s (${(r / one).toFixed(2)}× one process)\n`,
        )
      }
    }
    return { name: 'postgres', figures }
  } finally {
    await Promise.all(clients.map((c) => c.close()))
    for (const s of servers) s.proc.kill('SIGTERM')
    await Promise.all(
      servers.map((s) => new Promise((r) => (s.proc.exitCode !== null ? r() : s.proc.on('exit', r)))),
    )
    await admin.query(`drop schema if exists ${schema} cascade`)
    await admin.end()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await run({ root: join(fileURLToPath(import.meta.url), '../../..') })
}
