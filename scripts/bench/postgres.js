// Seat checkouts per second on PostgreSQL with 1, 2 and 4 `licctl server start` processes sharing
// one database (a schema of its own), CONCURRENCY requests in flight per process, each process's
// share of the load sent to it directly (what a load balancer does). The baseline is one process:
// the figures show whether throughput grows with processes. Needs PostgreSQL at
// LICCTL_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test); skipped when unreachable.
// Run alone with `npm run bench -- postgres`.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { startServer } from '../lib/server.js'

const PHASE_MS = Number(process.env.LICCTL_BENCH_PG_MS ?? 3000)
/** Every server process serves this long before anything is measured (its JIT warm, its pool full). */
const WARMUP_MS = Number(process.env.LICCTL_BENCH_PG_WARMUP_MS ?? 4000)
const CONCURRENCY = 16
const PROCESSES = [1, 2, 4]
const ORGS = Number(process.env.LICCTL_BENCH_PG_ORGS ?? 8)

/** Runs `once` from `workers` loops until `ms` have passed: calls per second, and how many completed. */
async function rate(ms, workers, once) {
  let n = 0
  const start = performance.now()
  const deadline = start + ms
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (performance.now() < deadline) await once(w, n++)
    }),
  )
  return { perSec: n / ((performance.now() - start) / 1000), count: n }
}

/** CPU time (user + system) of a process in ms, from /proc; 0 once it has exited. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 // clock ticks of 1/100 s
  } catch {
    return 0
  }
}

/**
 * Where the CPU goes (Linux only, else undefined): the server processes, every PostgreSQL process
 * (its backends, WAL writer, checkpointer), this process (the load generator), and the share of the
 * machine's CPU time that was busy. On a machine whose cores are all busy, more server processes
 * cannot add throughput: this says whether that is the case.
 */
function cpuSnapshot(serverPids) {
  if (!existsSync('/proc/stat')) return undefined
  const postgres = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'postgres'
      } catch {
        return false
      }
    })
  const jiffies = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number)
  const idle = jiffies[3] + jiffies[4]
  return {
    servers: serverPids.reduce((sum, pid) => sum + cpuMs(pid), 0),
    postgres: postgres.reduce((sum, pid) => sum + cpuMs(pid), 0),
    generator: cpuMs(process.pid),
    busy: jiffies.reduce((a, b) => a + b, 0) - idle,
    all: jiffies.reduce((a, b) => a + b, 0),
  }
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
    process.stdout.write(
      `PostgreSQL, ${CONCURRENCY} in flight per process, ${WARMUP_MS} ms of warm-up over every process, then ${PHASE_MS} ms per phase\n`,
    )
    // A server that has been up a while, not its first requests: all of them at once, every
    // organization on every process.
    await rate(WARMUP_MS, CONCURRENCY * servers.length, (w, i) => {
      const org = orgs[w % ORGS]
      return org.clients[Math.floor(w / ORGS) % servers.length].seats.checkout(
        { org: org.slug, product: 'cad' },
        { host: `warm-${i}` },
      )
    })
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
        const serverPids = servers.slice(0, n).map((s) => s.proc.pid)
        const before = cpuSnapshot(serverPids)
        const { perSec: r, count } = await rate(PHASE_MS, CONCURRENCY * n, checkout)
        const after = cpuSnapshot(serverPids)
        one ??= r
        const key = spread === 1 ? `${n}proc_1org` : `${n}proc`
        figures[`checkoutsPerSec_${key}`] = Math.round(r)
        figures[`scaling_${key}`] = Number((r / one).toFixed(2))
        let cpu = ''
        if (before && after) {
          const per = (k) => Math.round(((after[k] - before[k]) * 1000) / count)
          const busy = Math.round(((after.busy - before.busy) / (after.all - before.all)) * 100)
          figures[`cpuBusyPercent_${key}`] = busy
          cpu = `; CPU per checkout: servers ${per('servers')} µs, PostgreSQL ${per('postgres')} µs, load generator ${per('generator')} µs; machine ${busy} % busy`
        }
        process.stdout.write(
          `  ${label}, ${n} process${n > 1 ? 'es' : ''}: ${Math.round(r)} checkouts/s (${(r / one).toFixed(2)}× one process)${cpu}\n`,
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
