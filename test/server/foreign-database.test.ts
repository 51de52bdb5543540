import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { runCli } from '../helpers/e2e.js'
import { DIALECTS, freshDb, openTestStorage, type TestDb } from '../helpers/dialects.js'
import { UsageError } from '../../src/cli/errors.js'
import { openLicctlDatabase } from '../../src/cli/server-database.js'
import { foreignTables } from '../../src/storage/migrate.js'

for (const dialect of DIALECTS)
  describe(`server init and migrate refuse another application's database (${dialect})`, function () {
    this.timeout(60_000)
    let dir: string
    let db: TestDb

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'licctl-foreign-'))
      db = await freshDb(dialect, dir)
      const storage = await openTestStorage(db)
      try {
        await sql`create table notes (body text)`.execute(storage.db)
        await sql`create table invoices (total integer)`.execute(storage.db)
      } finally {
        await storage.close()
      }
    })
    after(async () => {
      await db?.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    it('names its tables (exit 2) and adds none of licctl’s to it', async () => {
      for (const command of ['migrate', 'init']) {
        const res = await runCli(['server', command, '--db', db.url])
        assert.equal(res.code, 2, `${command}: ${res.stderr}`)
        assert.equal(res.stdout, '')
        assert.match(
          res.stderr.split('\n')[0]!,
          /^Error: --db: .+ is not a licctl database: it holds other tables \('invoices', 'notes'\) and no licctl migrations$/,
          command,
        )
      }
      const storage = await openTestStorage(db)
      try {
        assert.deepEqual(await foreignTables(storage.db), ['invoices', 'notes'])
      } finally {
        await storage.close()
      }
    })

    it('is one check: the open both commands go through refuses it, for init (create) and migrate alike', async () => {
      for (const create of [true, false])
        await assert.rejects(openLicctlDatabase(db.url, { create }), (err: unknown) => {
          assert.ok(err instanceof UsageError, String(err))
          assert.match(err.message, /is not a licctl database: it holds other tables \('invoices', 'notes'\)/)
          assert.equal(err.exitCode, 2)
          return true
        })
    })
  })
