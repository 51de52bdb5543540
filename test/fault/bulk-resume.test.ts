import { strict as assert } from 'node:assert'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStorage, type Storage } from '../../src/storage/open.js'
import { DIALECTS, freshDb, type TestDb } from '../helpers/dialects.js'
import { BIN, E2eServer, runCli, type CliResult } from '../helpers/e2e.js'
import { FaultProxy } from './proxy.js'

const USERS = 5000

/**
 * The admin re-running a job after a network drop must get no duplicates and no half job. Two
 * ways a job breaks: the CLI is killed mid-job (SIGKILL: no clean-up at all), and the connection is
 * cut after the server applied a batch but before its answer arrived.
 */
for (const dialect of DIALECTS) {
  describe(`fault: a bulk job interrupted mid-way completes on re-run, on ${dialect}`, function () {
    this.timeout(180_000)
    let dir: string
    let db: TestDb
    let storage: Storage
    let server: E2eServer
    let admin: string
    let proxy: FaultProxy
    let file: string
    const emails = Array.from({ length: USERS }, (_, i) => `user${String(i).padStart(5, '0')}@dept.test`)

    const env = (url: string, batch: number) => ({
      ...server.env(admin, 'acme'),
      LICCTL_URL: url,
      LICCTL_BULK_BATCH_SIZE: String(batch),
    })

    /** The database's own view of an add-on: rows, distinct users, and the pool's count. */
    async function counts(key: string) {
      const pool = await storage.db
        .selectFrom('addon_pools')
        .select(['id', 'assigned'])
        .where('key', '=', key)
        .executeTakeFirstOrThrow()
      const rows = await storage.db
        .selectFrom('addon_assignments')
        .innerJoin('users', 'users.id', 'addon_assignments.user_id')
        .select('users.email')
        .where('addon_id', '=', pool.id)
        .execute()
      return {
        rows: rows.length,
        distinct: new Set(rows.map((r) => r.email)).size,
        assigned: pool.assigned,
        emails: rows,
      }
    }

    async function provision(key: string) {
      const res = await server.asOperator([
        'cloud',
        'provision',
        key,
        '--name',
        key,
        '--total',
        String(USERS),
        '--expires',
        '2030-12-31',
        '--org',
        'acme',
      ])
      assert.equal(res.code, 0, res.stderr)
    }

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'licctl-fault-'))
      db = await freshDb(dialect, dir)
      server = await E2eServer.start({ dbUrl: db.url })
      storage = await openStorage(db.url)
      admin = await server.createOrg('acme', 'alice@acme.test')
      file = join(dir, 'department.csv')
      writeFileSync(file, 'email,name\r\n' + emails.map((e, i) => `${e},"Person, ${i}"\r\n`).join(''))
      const add = await runCli(['orgs', 'users', 'add', '--file', file], { env: server.env(admin, 'acme') })
      assert.equal(add.code, 0, add.stderr)
      proxy = await FaultProxy.start(server.url)
    })
    after(async () => {
      await proxy?.close()
      await storage?.close()
      await server?.stop()
      await db?.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    it('the CLI killed with SIGKILL after some batches: re-running assigns exactly the file’s users, once each', async () => {
      await provision('killed')
      // Slow answers so the job is certainly in flight when the kill lands.
      proxy.delayMs = 40
      const child = spawn(process.execPath, [BIN, 'cloud', 'assign', 'killed', '--file', file], {
        env: { ...process.env, NO_COLOR: '1', ...env(proxy.url, 500) },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      const exited = new Promise<NodeJS.Signals | null>((ok) =>
        child.on('exit', (_code, signal) => ok(signal)),
      )
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        // The first batch is reported: kill while the next ones are on their way.
        if (out.split('\n').length > 500 && !child.killed) child.kill('SIGKILL')
      })
      assert.equal(await exited, 'SIGKILL')
      proxy.delayMs = 0
      // The server finishes the batch it was given (its transaction commits or not, as a whole).
      await new Promise((r) => setTimeout(r, 500))
      const partial = await counts('killed')
      assert.ok(partial.rows >= 500 && partial.rows < USERS, `half a job: ${partial.rows} of ${USERS}`)
      assert.equal(partial.rows % 500, 0, 'batches are all or nothing')
      assert.equal(partial.assigned, partial.rows)

      const rerun = await runCli(['cloud', 'assign', 'killed', '--file', file, '--json'], {
        env: env(server.url, 500),
      })
      assert.equal(rerun.code, 0, rerun.stderr)
      const doc = JSON.parse(rerun.stdout) as {
        summary: { changed: number; unchanged: number; failed: number }
      }
      assert.deepEqual(doc.summary, { changed: USERS - partial.rows, unchanged: partial.rows, failed: 0 })
      const done = await counts('killed')
      assert.deepEqual([done.rows, done.distinct, done.assigned], [USERS, USERS, USERS])
      assert.deepEqual(done.emails.map((r) => r.email).sort(), emails)
    })

    it('an answer lost to a cut connection: the batch is retried with the same Idempotency-Key and applied once', async () => {
      await provision('cut')
      proxy.bulkRequests = 0
      proxy.cutAnswerOf.add(2)
      const res: CliResult = await runCli(['cloud', 'assign', 'cut', '--file', file, '--json'], {
        env: env(proxy.url, 1000),
      })
      assert.equal(res.code, 0, res.stderr)
      assert.equal(proxy.bulkRequests, USERS / 1000 + 1, 'one batch was sent twice')
      const doc = JSON.parse(res.stdout) as {
        results: Array<{ status: string }>
        summary: { changed: number; unchanged: number; failed: number }
      }
      // The retry got the first answer replayed ("changed"), not a second application ("already-so").
      assert.deepEqual(doc.summary, { changed: USERS, unchanged: 0, failed: 0 })
      assert.equal(doc.results.length, USERS)
      const done = await counts('cut')
      assert.deepEqual([done.rows, done.distinct, done.assigned], [USERS, USERS, USERS])
      const again = await runCli(['cloud', 'assign', 'cut', '--file', file, '--json'], {
        env: env(server.url, 1000),
      })
      assert.equal(again.code, 0, again.stderr)
      assert.deepEqual(JSON.parse(again.stdout).summary, { changed: 0, unchanged: USERS, failed: 0 })
    })
  })
}
