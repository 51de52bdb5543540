// Bulk assignment on SQLite, through a real `licctl server start` process:
// (1) 10,000 cloud add-on assignments from a CSV through the real CLI (`licctl cloud assign --file`,
//     process start-up included; the median of CLI_RUNS runs, each to a fresh add-on) versus the same
//     10,000 made one request at a time through the same client (LicctlClient, one user per
//     request, each awaited) — printed as a ratio (issue 12's goal: ≥ 40×);
// (2) a 100,000-row file through the CLI (goal ≤ 2 s), measuring the CLI process's peak RSS (goal < 150 MB), from
//     /usr/bin/time -v when present, else by polling the child's VmHWM in /proc.
// Both paths are warmed first (server JIT, the CLI's compile cache). Takes about a minute, most of
// it adding 100,000 members. Run alone with `npm run bench -- cloud`, or `node scripts/bench/cloud.js`
// against the current dist/.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { startServer } from '../lib/server.js'

const SMALL = Number(process.env.LICCTL_BENCH_CLOUD_ROWS ?? 10_000)
const LARGE = Number(process.env.LICCTL_BENCH_CLOUD_LARGE_ROWS ?? 100_000)
const CLI_RUNS = 3
const WARMUP_ROWS = 3000
const WARMUP_REQUESTS = 300
const TIME = '/usr/bin/time'

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** Runs a command to completion: exit code, output, wall time and (when asked) its peak RSS in MB. */
function runChild(command, args, env, { measureRss = false } = {}) {
  const viaTime = measureRss && existsSync(TIME)
  const [cmd, argv] = viaTime ? [TIME, ['-v', command, ...args]] : [command, args]
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let polledKb = 0
    const poll =
      measureRss && !viaTime && existsSync('/proc/self/status')
        ? setInterval(() => {
            try {
              const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
              if (m) polledKb = Math.max(polledKb, Number(m[1]))
            } catch {
              // the child has exited
            }
          }, 20)
        : undefined
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (poll) clearInterval(poll)
      const ms = performance.now() - start
      const timed = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)
      const rssKb = timed ? Number(timed[1]) : polledKb || null
      resolve({ code, stdout, stderr, ms, rssMb: rssKb === null ? null : rssKb / 1024 })
    })
  })
}

/** An HR-style export: a header row, quoted names with commas. */
function csv(emails) {
  return 'email,name\n' + emails.map((e, i) => `${e},"Person, ${i}"\n`).join('')
}

export async function run({ root }) {
  const bin = join(root, 'bin/run.js')
  const { LicctlClient } = await import(pathToFileURL(join(root, 'dist/client/index.js')).href)
  const dir = mkdtempSync(join(tmpdir(), 'licctl-bench-cloud-'))
  const db = join(dir, 'bench.sqlite')
  let server
  let op
  let admin
  try {
    const init = await runChild(process.execPath, [bin, 'server', 'init', '--db', db, '--json'], process.env)
    if (init.code !== 0) throw new Error(`server init failed: ${init.stderr}`)
    server = await startServer(bin, db)
    op = LicctlClient.create({ baseUrl: server.url, token: JSON.parse(init.stdout).operatorToken })
    const created = await op.orgs.create(
      {},
      {
        slug: 'bench',
        name: 'Bench',
        admin: { email: 'admin@bench.test' },
      },
    )
    admin = LicctlClient.create({ baseUrl: server.url, token: created.admin.token })
    const emails = Array.from({ length: LARGE + 2 * WARMUP_ROWS }, (_, i) => `user${i}@bench.test`)
    // Members first (an add-on goes to members only), in the API's own batches.
    for (let i = 0; i < emails.length; i += 1000) {
      const res = await admin.users.add(
        { org: 'bench' },
        emails.slice(i, i + 1000).map((email) => ({ email })),
        { dryRun: false },
      )
      if (res.summary.failed > 0) throw new Error('adding members failed')
    }
    const pools = [
      ['warm-up', 2 * WARMUP_ROWS],
      ...Array.from({ length: CLI_RUNS }, (_, i) => [`via-cli-${i}`, SMALL]),
      ['via-requests', SMALL],
      ['large', LARGE],
    ]
    for (const [key, total] of pools)
      await op.cloud.provision({ org: 'bench' }, { key, name: key, total, expires: '2099-12-31' })
    const env = {
      ...process.env,
      LICCTL_URL: server.url,
      LICCTL_TOKEN: created.admin.token,
      LICCTL_ORG: 'bench',
      LICCTL_CONFIG_DIR: join(dir, 'config'),
      NO_COLOR: '1',
    }

    // Warm both paths, on users outside the measured ones: the figures are for a server that has
    // been up a while, not for its first requests.
    const warmUsers = emails.slice(LARGE)
    const warm = join(dir, 'warm.csv')
    writeFileSync(warm, csv(warmUsers.slice(0, WARMUP_ROWS)))
    const warmed = await runChild(process.execPath, [bin, 'cloud', 'assign', 'warm-up', '--file', warm], env)
    if (warmed.code !== 0) throw new Error(`warm-up exited ${warmed.code}: ${warmed.stderr}`)
    for (const email of warmUsers.slice(WARMUP_ROWS, WARMUP_ROWS + WARMUP_REQUESTS))
      await admin.cloud.assign({ org: 'bench', addon: 'warm-up' }, [{ email }], { dryRun: false })

    // (1) The same 10,000 assignments, both ways.
    const small = join(dir, 'small.csv')
    writeFileSync(small, csv(emails.slice(0, SMALL)))
    const cliRuns = []
    for (let i = 0; i < CLI_RUNS; i++) {
      const res = await runChild(
        process.execPath,
        [bin, 'cloud', 'assign', `via-cli-${i}`, '--file', small, '--json'],
        env,
      )
      if (res.code !== 0) throw new Error(`cloud assign exited ${res.code}: ${res.stderr}`)
      const { changed } = JSON.parse(res.stdout).summary
      if (changed !== SMALL) throw new Error(`CLI changed ${changed} of ${SMALL}`)
      cliRuns.push(res.ms)
    }
    const cliMs = median(cliRuns)

    const start = performance.now()
    for (const email of emails.slice(0, SMALL)) {
      const res = await admin.cloud.assign({ org: 'bench', addon: 'via-requests' }, [{ email }], {
        dryRun: false,
      })
      if (res.summary.changed !== 1) throw new Error(`one-by-one: ${email} not assigned`)
    }
    const oneByOneMs = performance.now() - start
    const ratio = oneByOneMs / cliMs

    // (2) 100,000 rows: the CLI's peak memory.
    const large = join(dir, 'large.csv')
    writeFileSync(large, csv(emails.slice(0, LARGE)))
    const big = await runChild(process.execPath, [bin, 'cloud', 'assign', 'large', '--file', large], env, {
      measureRss: true,
    })
    if (big.code !== 0) throw new Error(`cloud assign (large) exited ${big.code}: ${big.stderr.slice(-500)}`)
    if (!big.stdout.includes(`${LARGE} changed, 0 unchanged, 0 failed`))
      throw new Error('large job incomplete')

    const figures = {
      cli_file_rows: SMALL,
      cli_file_ms: Math.round(cliMs),
      one_by_one_ms: Math.round(oneByOneMs),
      one_by_one_per_request_ms: Number((oneByOneMs / SMALL).toFixed(2)),
      bulk_speedup_ratio: Number(ratio.toFixed(1)),
      large_file_rows: LARGE,
      large_file_ms: Math.round(big.ms),
      large_file_cli_peak_rss_mb: big.rssMb === null ? null : Math.round(big.rssMb),
    }
    const verdict = (good) => (good ? 'ok' : 'MISSED')
    const runs = cliRuns.map((ms) => Math.round(ms)).join(', ')
    process.stdout.write(
      [
        `${SMALL} assignments from a CSV through the CLI: ${figures.cli_file_ms} ms (median of ${runs})`,
        `the same ${SMALL}, one request at a time:   ${figures.one_by_one_ms} ms (${figures.one_by_one_per_request_ms} ms each)`,
        `bulk is ${figures.bulk_speedup_ratio}× faster (goal ≥ 40×: ${verdict(ratio >= 40)})`,
        `${LARGE} rows through the CLI: ${figures.large_file_ms} ms (goal ≤ 2000 ms: ${verdict(big.ms <= 2000)}), CLI peak RSS ${figures.large_file_cli_peak_rss_mb ?? 'not measured'} MB` +
          (big.rssMb === null ? '' : ` (goal < 150 MB: ${verdict(big.rssMb < 150)})`),
        '',
      ].join('\n'),
    )
    return { name: 'cloud', figures }
  } finally {
    await admin?.close()
    await op?.close()
    if (server) {
      const exited = new Promise((r) => server.proc.once('exit', r))
      server.proc.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await run({ root: join(fileURLToPath(import.meta.url), '../../..') })
}
