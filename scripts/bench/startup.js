// Start-up time of the CLI against bare Node on the same binary: the median of RUNS runs of each
// command, as milliseconds and as a ratio to `node -e 0`. The foundation's bar: `licctl --version`
// within 4.5× bare Node. Run alone with `npm run bench -- startup` (builds first), or
// `node scripts/bench/startup.js` against the current dist/.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const RUNS = Number(process.env.LICCTL_BENCH_RUNS ?? 21)
const LIMIT = 4.5

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
  const cases = [
    ['node -e 0', ['-e', '0'], 0],
    ['licctl --version', [bin, '--version'], 0],
    ['licctl orgs show --help', [bin, 'orgs', 'show', '--help'], 0],
    ['licctl orgs profiles --json', [bin, 'orgs', 'profiles', '--json'], 0],
  ]
  try {
    // Warm the file cache and Node's compile cache first: the figures are for a warm machine.
    for (const [, args, code] of cases) for (let i = 0; i < 3; i++) time(args, env, code)
    const samples = new Map(cases.map(([name]) => [name, []]))
    // Interleaved rounds, so a noisy moment affects every case alike.
    for (let i = 0; i < RUNS; i++)
      for (const [name, args, code] of cases) samples.get(name).push(time(args, env, code))
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
    const versionRatio = figures.version_ratio
    process.stdout.write(
      `licctl --version: ${versionRatio}× bare node (limit ${LIMIT}×): ${versionRatio <= LIMIT ? 'ok' : 'TOO SLOW'}\n`,
    )
    return { name: 'startup', figures }
  } finally {
    rmSync(config, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await run({ root: join(fileURLToPath(import.meta.url), '../../..') })
}
