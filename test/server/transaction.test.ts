import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { AppError } from '../../src/server/errors.js'
import { beforeCommit, inTransaction, withSavepoint, type Tx } from '../../src/server/transaction.js'
import { type Storage } from '../../src/storage/open.js'
import { DIALECTS, freshDb, openTestStorage, type TestDb } from '../helpers/dialects.js'

const fake = (code: string) => Object.assign(new Error(`fake ${code}`), { code })

for (const dialect of DIALECTS) {
  describe(`transaction runner on ${dialect}`, () => {
    let dir: string
    let db: TestDb
    let storage: Storage
    const fast = { backoffMs: 1 }

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'licctl-trx-'))
      db = await freshDb(dialect, dir)
      storage = await openTestStorage(db)
      await sql`create table notes (n integer not null)`.execute(storage.db)
    })
    after(async () => {
      await storage?.close()
      await db?.drop()
      rmSync(dir, { recursive: true, force: true })
    })
    beforeEach(() => sql`delete from notes`.execute(storage.db))

    const insert = (trx: Tx, n: number) => sql`insert into notes (n) values (${n})`.execute(trx)
    const notes = async () =>
      (await sql<{ n: number }>`select n from notes order by n`.execute(storage.db)).rows.map((r) =>
        Number(r.n),
      )

    it('retries a deadlock on a fresh transaction until it succeeds, keeping only the last attempt', async () => {
      let attempts = 0
      const result = await inTransaction(
        storage,
        async (trx) => {
          attempts++
          await insert(trx, attempts)
          if (attempts <= 2) throw fake('40P01')
          return 'done'
        },
        fast,
      )
      assert.equal(result, 'done')
      assert.equal(attempts, 3)
      assert.deepEqual(await notes(), [3])
    })

    it('retries serialization failures and SQLite BUSY/LOCKED too', async () => {
      for (const code of ['40001', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED']) {
        let attempts = 0
        await inTransaction(
          storage,
          async () => {
            if (++attempts === 1) throw fake(code)
          },
          fast,
        )
        assert.equal(attempts, 2, code)
      }
    })

    it('surfaces exhausted retries as a 503 contention AppError, never the raw error', async () => {
      let attempts = 0
      const err = await inTransaction(
        storage,
        async (trx) => {
          attempts++
          await insert(trx, attempts)
          throw fake('40P01')
        },
        { ...fast, retries: 4 },
      ).catch((e: unknown) => e)
      assert.ok(err instanceof AppError)
      assert.deepEqual(
        [err.code, err.status, err.details],
        ['contention', 503, { attempts: 5, reason: 'deadlock' }],
      )
      assert.equal(
        err.message,
        'the database was too busy with concurrent changes (deadlock, 5 attempts): retry the request',
      )
      assert.equal(attempts, 5)
      assert.deepEqual(await notes(), [])
    })

    it('does not retry other errors: they roll back and are thrown as they are', async () => {
      let attempts = 0
      const refusal = new AppError('not_found', 'nothing here')
      await assert.rejects(
        inTransaction(storage, async (trx) => {
          attempts++
          await insert(trx, 1)
          throw refusal
        }),
        (e) => e === refusal,
      )
      assert.equal(attempts, 1)
      assert.deepEqual(await notes(), [])
    })

    it('commits, or with rollback returns the result and keeps nothing (dry runs)', async () => {
      assert.equal(await inTransaction(storage, async (trx) => (await insert(trx, 1), 'kept')), 'kept')
      const dry = await inTransaction(storage, async (trx) => (await insert(trx, 2), 'planned'), {
        rollback: true,
      })
      assert.equal(dry, 'planned')
      assert.deepEqual(await notes(), [1])
    })

    it('runs beforeCommit hooks last, in order, inside the transaction; a rolled-back savepoint drops its hooks', async () => {
      const order: string[] = []
      await inTransaction(storage, async (trx) => {
        beforeCommit(trx, async (t) => {
          order.push('first hook')
          await insert(t, 10)
          beforeCommit(t, async () => void order.push('hook added by a hook'))
        })
        await withSavepoint(trx, 'ok', async (sp) => {
          beforeCommit(sp, async () => void order.push('hook from a kept savepoint'))
        })
        await withSavepoint(trx, 'bad', async (sp) => {
          beforeCommit(sp, async () => void order.push('hook from a rolled-back savepoint'))
          await insert(sp, 99)
          throw new AppError('rule_violation', 'row refused')
        }).catch(() => {})
        order.push('body done')
      })
      assert.deepEqual(order, [
        'body done',
        'first hook',
        'hook from a kept savepoint',
        'hook added by a hook',
      ])
      assert.deepEqual(await notes(), [10])
    })

    it('a failing hook rolls the whole transaction back', async () => {
      await assert.rejects(
        inTransaction(storage, async (trx) => {
          await insert(trx, 1)
          beforeCommit(trx, async () => {
            throw new AppError('rule_violation', 'audit refused')
          })
        }),
        /audit refused/,
      )
      assert.deepEqual(await notes(), [])
    })
  })
}
