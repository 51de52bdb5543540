// Start-up time of the CLI against bare Node on the same binary: the median of RUNS runs of each
// command, as milliseconds and as a ratio to `node -e 0`. Goals (issue 12): `licctl --version`
// ≤ 2.5×, a one-request command (`orgs show --json`, env vars, no profile file) ≤ 4×,
// `orgs profiles --json` ≤ 3×. The one-request cases go to a small local server the bench starts in
// a child process (a fixed organization for GET /v1/orgs/acme), so that the CLI and a bare Node
// script doing the same request with the built-in fetch pay the same server time. Run alone with `npm run bench -- startup` (builds first), or
// `node scripts/bench/startup.js` against the current dist/.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SAMPLE_ORG } from '../lib/sample-org.js'

const RUNS = Number(process.env.LICCTL_BENCH_RUNS ?? 21)
const GOALS = { version: 2.5, orgs_show_json: 4, orgs_profiles_json: 3 }

const SERVER = `
const org = ${JSON.stringify(JSON.stringify(SAMPLE_ORG))}
const server = require('node:http').createServer((req, res) => {
  const found = req.method === 'GET' && req.url === '/v1/orgs/acme'
  res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' })
  res.end(found ? org : '{"error":{"code":"not_found","message":"not found"}}')
})
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'))
`
// What the CLI does for `orgs show --json`, with nothing but Node: one authorized GET, JSON out.
const BARE_FETCH = `
const res = await fetch(process.env.LICCTL_URL + '/v1/orgs/acme', {
  headers: { authorization: 'Bearer ' + process.env.LICCTL_TOKEN, accept: 'application/json' },
})
if (res.status !== 200) process.exit(1)
process.stdout.write(JSON.stringify(await res.json(), null, 2) + '\\n')
`

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Wall time of one child process, in ms; fails loudly if the command does not exit as expected. */
function time(args, env, expectCode) {
  const start = process.hrtime.bigint()
  const res = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (res.status !== expectCode)
    throw new Error(`${args.join(' ')} exited ${res.status}, expected ${expectCode}: ${res.stderr}`)
  return ms
}

export async function run({ root }) {
  const bin = join(root, 'bin/run.js')
  const config = mkdtempSync(join(tmpdir(), 'licctl-bench-'))
  // No profile, no server: what a fresh machine pays before any network call.
  const env = {
    ...process.env,
    LICCTL_CONFIG_DIR: config,
    LICCTL_URL: '',
    LICCTL_TOKEN: '',
    LICCTL_ORG: '',
    NO_COLOR: '1',
  }
  const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] })
  const [port] = await once(server.stdout, 'data')
  const remote = {
    ...env,
    LICCTL_URL: `http://127.0.0.1:${String(port).trim()}`,
    LICCTL_TOKEN: 'lic_u_benchBenchBenchBenchBenchBenchBench0000',
  }
  const cases = [
    ['node -e 0', ['-e', '0'], 0, env],
    ['licctl --version', [bin, '--version'], 0, env],
    ['licctl orgs show --help', [bin, 'orgs', 'show', '--help'], 0, env],
    ['licctl orgs profiles --json', [bin, 'orgs', 'profiles', '--json'], 0, env],
    ['licctl orgs show --json', [bin, 'orgs', 'show', 'acme', '--json'], 0, remote],
    ['node fetch, same request', ['--input-type=module', '-e', BARE_FETCH], 0, remote],
  ]
  try {
    // Warm the file cache and Node's compile cache first: the figures are for a warm machine.
    for (const [, args, code, caseEnv] of cases) for (let i = 0; i < 3; i++) time(args, caseEnv, code)
    const samples = new Map(cases.map(([name]) => [name, []]))
    // Interleaved rounds, so a noisy moment affects every case alike.
    for (let i = 0; i < RUNS; i++)
      for (const [name, args, code, caseEnv] of cases) samples.get(name).push(time(args, caseEnv, code))
    const bare = median(samples.get('node -e 0'))
    const figures = {}
    process.stdout.write(`Node ${process.version}, median of ${RUNS} runs\n`)
    for (const [name] of cases) {
      const ms = median(samples.get(name))
      const ratio = ms / bare
      process.stdout.write(`${name.padEnd(30)} ${ms.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}×\n`)
      const key = name
        .replace(/^licctl /, '')
        .replace(/[^a-z]+/g, '_')
        .replace(/^_|_$/g, '')
      figures[`${key}_ms`] = Number(ms.toFixed(1))
      if (name !== 'node -e 0') figures[`${key}_ratio`] = Number(ratio.toFixed(2))
    }
    for (const [key, goal] of Object.entries(GOALS)) {
      const ratio = figures[`${key}_ratio`]
      process.stdout.write(
        `${key}: ${ratio}× bare node (goal ≤ ${goal}×): ${ratio <= goal ? 'ok' : 'NOT MET'}\n`,
      )
    }
    return { name: 'startup', figures }
  } finally {
    server.kill()
    rmSync(config, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await run({ root: join(fileURLToPath(import.meta.url), '../../..') })
}
