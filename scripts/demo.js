#!/usr/bin/env node
// `npm run demo`: builds (npm script), then starts a real license server on a temporary SQLite file and
// a free port, initializes it, creates an organization and its admin, logs a profile in, and drives
// every topic with real commands (scripts/demo/*.js, in name order). Stops the server cleanly.
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { startServer } from './lib/server.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = join(root, 'bin/run.js')
const dir = mkdtempSync(join(tmpdir(), 'licctl-demo-'))
const configDir = join(dir, 'config')
const tty = process.stdout.isTTY
const bold = (s) => (tty ? `\x1b[1m${s}\x1b[0m` : s)
const dim = (s) => (tty ? `\x1b[2m${s}\x1b[0m` : s)
const MAX_LINES = Number(process.env.DEMO_MAX_LINES ?? 30)

function run(args, { env = {}, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: {
        ...process.env,
        LICCTL_CONFIG_DIR: configDir,
        LICCTL_CACHE_DIR: join(dir, 'cache'),
        LICCTL_URL: '',
        LICCTL_TOKEN: '',
        LICCTL_ORG: '',
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(input ?? '')
  })
}

function trimmed(text) {
  const lines = text.replace(/\n$/, '').split('\n')
  if (lines.length <= MAX_LINES) return lines.join('\n')
  return [
    ...lines.slice(0, MAX_LINES - 5),
    dim(`  … ${lines.length - MAX_LINES + 2} more lines …`),
    ...lines.slice(-3),
  ].join('\n')
}

const quote = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)

const demo = {
  org: 'acme',
  dir,
  url: '',
  operatorToken: '',
  adminToken: '',
  section(title) {
    process.stdout.write(`\n${bold(`━━ ${title} ━━`)}\n`)
  },
  say(text) {
    process.stdout.write(`${dim('#')} ${text}\n`)
  },
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  /**
   * Runs `licctl …` as the operator, the admin (the current profile) or a given token, prints the
   * command and its output, and fails the demo when the exit code is not the expected one.
   */
  async cli(args, { as = 'admin', input, expectExit = 0, env = {}, quiet = false } = {}) {
    const who =
      as === 'admin'
        ? {}
        : {
            LICCTL_URL: demo.url,
            LICCTL_TOKEN: as === 'operator' ? demo.operatorToken : as,
            LICCTL_ORG: demo.org,
          }
    const shown = as === 'admin' ? '' : dim(as === 'operator' ? '[operator] ' : '[member token] ')
    process.stdout.write(`\n${shown}${bold('$ licctl ' + args.map(quote).join(' '))}\n`)
    const res = await run(args, { env: { ...who, ...env }, input })
    if (!quiet && res.stdout.trim()) process.stdout.write(trimmed(res.stdout) + '\n')
    if (res.stderr.trim()) process.stdout.write(dim(trimmed(res.stderr)) + '\n')
    if (res.code !== 0) process.stdout.write(dim(`(exit ${res.code})`) + '\n')
    if (res.code !== expectExit) {
      throw new Error(
        `demo step failed: licctl ${args.join(' ')} exited ${res.code}, expected ${expectExit}\n${res.stderr}`,
      )
    }
    return res
  },
}

const db = join(dir, 'licctl.sqlite')
let server
try {
  demo.section('Start a license server on an embedded SQLite file')
  const init = await demo.cli(['server', 'init', '--db', db, '--json'], { quiet: true })
  demo.operatorToken = JSON.parse(init.stdout).operatorToken
  demo.say('server init printed the operator token once (kept by the demo, not shown again).')
  server = await startServer(bin, db)
  demo.url = server.url
  demo.say(`licctl server start --db ${db} --port 0  →  listening on ${demo.url}`)
  await demo.cli(['orgs', 'login', '--url', demo.url, '--with-token'], { input: demo.operatorToken })

  demo.section('Create an organization with its first admin, and log the admin in')
  const created = await demo.cli(
    ['orgs', 'create', 'acme', '--name', 'Acme Surveying', '--admin-email', 'alice@acme.test', '--json'],
    {
      as: 'operator',
      quiet: true,
    },
  )
  demo.adminToken = JSON.parse(created.stdout).admin.token
  demo.say(
    'orgs create returned the admin token once; it goes to the admin through stdin, never an argument:',
  )
  await demo.cli(['orgs', 'login', '--url', demo.url, '--org', 'acme', '--with-token'], {
    input: demo.adminToken,
  })

  const modules = readdirSync(join(root, 'scripts/demo'))
    .filter((f) => f.endsWith('.js'))
    .sort()
  for (const file of modules) {
    const mod = await import(pathToFileURL(join(root, 'scripts/demo', file)).href)
    await mod.run(demo)
  }

  demo.section('Stop the server cleanly')
  const exited = new Promise((r) => server.proc.once('exit', (code) => r(code)))
  server.proc.kill('SIGTERM')
  const code = await exited
  demo.say(`server exited with code ${code} after SIGTERM (in-flight requests finished, database closed)`)
  server = undefined
  if (code !== 0) throw new Error(`server exited ${code}`)
  process.stdout.write(`\n${bold('Demo finished: every step exited as expected.')}\n`)
} catch (err) {
  process.stderr.write(`\nDEMO FAILED: ${err.message}\n`)
  process.exitCode = 1
} finally {
  server?.proc.kill('SIGTERM')
  rmSync(dir, { recursive: true, force: true })
}
