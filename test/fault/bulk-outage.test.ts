import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { daysFromToday } from '../../scripts/lib/dates.js'
import { openStorage, type Storage } from '../../src/storage/open.js'
import { addonAssignments } from '../helpers/addon-assignments.js'
import { PG_URL, freshDb, type TestDb } from '../helpers/dialects.js'
import { E2eServer, runCli } from '../helpers/e2e.js'
import { spawnCli } from '../helpers/spawn.js'
import { TcpProxy } from './tcp-proxy.js'

const ROWS = 3000
const BATCH = 100
/** Rows reported before the database goes away: the job is certainly under way, far from done. */
const CUT_AFTER = 500
/** How long the database stays away in the job that waits it out: longer than the ~4 s that the
 * transport's three retries (a second apart, as the 503's Retry-After asks) wait out. */
const OUTAGE_MS = 8000

/**
 * A bulk job meets a database outage (PostgreSQL unreachable: the server answers 503 unavailable).
 * Each batch keeps trying for LICCTL_BULK_RETRY_FOR (60 s by default), with its Idempotency-Key: an
 * outage of a few seconds costs the job a pause, not a re-run, and no row is applied twice. Past
 * the budget the job stops, says how far it got, exits 1, and running it again finishes it.
 */
describe('fault: PostgreSQL goes away in the middle of a bulk job', function () {
  this.timeout(120_000)
  let dir: string
  let db: TestDb
  let proxy: TcpProxy
  let server: E2eServer
  let storage: Storage
  let admin: string
  let file: string
  const emails = Array.from({ length: ROWS }, (_, i) => `user${String(i).padStart(5, '0')}@dept.test`)

  before(async function () {
    if (!PG_URL) return this.skip()
    dir = mkdtempSync(join(tmpdir(), 'licctl-outage-'))
    db = await freshDb('postgres', dir)
    const target = new URL(PG_URL)
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432))
    // The server reaches PostgreSQL only through the proxy, which the test cuts and restores.
    const proxied = new URL(db.url)
    proxied.hostname = '127.0.0.1'
    proxied.port = String(proxy.port)
    server = await E2eServer.start({ dbUrl: proxied.toString() })
    storage = await openStorage(db.url)
    admin = await server.createOrg('acme', 'alice@acme.test')
    file = join(dir, 'department.csv')
    writeFileSync(file, 'email\n' + emails.map((e) => `${e}\n`).join(''))
    const add = await runCli(['orgs', 'users', 'add', '--file', file], { env: server.env(admin, 'acme') })
    assert.equal(add.code, 0, add.stderr)
  })
  after(async () => {
    await proxy?.restore()
    await storage?.close()
    await server?.stop()
    await proxy?.close()
    await db?.drop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  async function provision(key: string) {
    const res = await server.asOperator([
      'cloud',
      'provision',
      key,
      '--name',
      key,
      '--total',
      String(ROWS),
      '--expires',
      daysFromToday(400),
      '--org',
      'acme',
    ])
    assert.equal(res.code, 0, res.stderr)
  }

  /**
   * Runs `cloud assign <key> --file` and cuts the database once CUT_AFTER rows are reported;
   * `restoreAfterMs` later it is back (undefined: only once the CLI has exited).
   */
  async function jobWithOutage(key: string, env: Record<string, string>, restoreAfterMs?: number) {
    const cli = spawnCli(['cloud', 'assign', key, '--file', file], {
      env: {
        ...process.env,
        NO_COLOR: '1',
        ...server.env(admin, 'acme'),
        LICCTL_BULK_BATCH_SIZE: String(BATCH),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    let cutAt: number | undefined
    let restoredAt: number | undefined
    let cut: Promise<void> | undefined
    const exited = new Promise<number | null>((ok) => cli.on('exit', (code) => ok(code)))
    cli.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    cli.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (cut || out.split('\n').length <= CUT_AFTER) return
      cut = proxy.cut().then(async () => {
        cutAt = out.split('\n').length - 1
        if (restoreAfterMs === undefined) return
        await new Promise((r) => setTimeout(r, restoreAfterMs))
        await proxy.restore()
        restoredAt = Date.now()
      })
    })
    const code = await exited
    const exitedAt = Date.now()
    await cut
    await proxy.restore()
    assert.ok(cutAt !== undefined && cutAt < ROWS, `the database went away mid-job (after ${cutAt} rows)`)
    return { code, out, err, cutAt, exitedAt, restoredAt }
  }

  it('an outage of a few seconds: the batches wait for the database, and the job completes, each row once', async () => {
    await provision('waits')
    const job = await jobWithOutage('waits', {}, OUTAGE_MS)
    assert.equal(job.code, 0, job.err)
    assert.ok(job.restoredAt !== undefined && job.exitedAt >= job.restoredAt, 'it waited for the database')
    const lines = job.out.trimEnd().split('\n')
    assert.equal(lines.length, ROWS + 1)
    // Every row applied once: a batch retried after its commit was answered from its key.
    assert.equal(lines.at(-1), `Done (assign waits): ${ROWS} changed, 0 unchanged, 0 failed.`)
    assert.deepEqual(
      lines.slice(0, -1).map((l) => l.replace(/\s+/g, ' ')),
      emails.map((e) => `✓ changed ${e}`),
    )
    const done = await addonAssignments(storage, 'waits')
    assert.deepEqual([done.rows, done.distinct, done.assigned], [ROWS, ROWS, ROWS])
    assert.deepEqual(done.emails, emails)
  })

  it('an outage longer than LICCTL_BULK_RETRY_FOR: stops with how far it got (exit 1); running it again finishes it', async () => {
    await provision('gives-up')
    const job = await jobWithOutage('gives-up', { LICCTL_BULK_RETRY_FOR: '2' })
    assert.equal(job.code, 1, job.err)
    const stopped =
      /^Stopped after (\d+) of 3000 rows: \1 changed, 0 unchanged, 0 failed\. Re-run the same command to finish\.$/m.exec(
        job.out,
      )
    assert.ok(stopped, job.out.slice(-300))
    const reported = Number(stopped[1])
    assert.ok(reported >= job.cutAt && reported < ROWS && reported % BATCH === 0, `${reported} rows reported`)
    assert.equal(
      job.err.split('\n')[0],
      `Error: the server was unavailable for 2s; stopped after ${reported} of ${ROWS} rows; run the same command again to finish`,
    )
    assert.match(job.err, /^Hint: last answer: the database is unavailable .*LICCTL_BULK_RETRY_FOR/m)
    // What was reported is applied, and nothing else: the batch that met the outage was not.
    const partial = await addonAssignments(storage, 'gives-up')
    assert.deepEqual([partial.rows, partial.distinct, partial.assigned], [reported, reported, reported])
    assert.deepEqual(partial.emails, emails.slice(0, reported))

    const rerun = await runCli(['cloud', 'assign', 'gives-up', '--file', file, '--json'], {
      env: { ...server.env(admin, 'acme'), LICCTL_BULK_BATCH_SIZE: String(BATCH) },
    })
    assert.equal(rerun.code, 0, rerun.stderr)
    assert.deepEqual(JSON.parse(rerun.stdout).summary, {
      changed: ROWS - reported,
      unchanged: reported,
      failed: 0,
    })
    const done = await addonAssignments(storage, 'gives-up')
    assert.deepEqual([done.rows, done.distinct, done.assigned], [ROWS, ROWS, ROWS])
  })
})
