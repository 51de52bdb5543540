import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, sql, type ControlledTransaction } from 'kysely'
import { inTransaction } from '../../src/server/transaction.js'
import { GroupCommitSqliteDialect } from '../../src/storage/sqlite/group-commit-driver.js'
import { withStatementCache } from '../../src/storage/sqlite/statement-cache.js'

interface Db {
  parent: { id: number }
  child: { id: number; parent_id: number }
}

/** Resolves after `n` turns of the event loop (each past its I/O and immediate callbacks). */
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
}

function gate() {
  let open!: () => void
  const opened = new Promise<void>((r) => (open = r))
  return { open, opened }
}

describe('storage: SQLite group commit (GroupCommitDriver)', () => {
  let dir: string
  let db: Kysely<Db>
  let dialect: GroupCommitSqliteDialect

  function open(file: string, maxMembers?: number) {
    const writer = new SQLite(file)
    writer.pragma('journal_mode = WAL')
    writer.pragma('foreign_keys = ON')
    writer.pragma('temp_store = MEMORY')
    const reader = file === ':memory:' ? undefined : new SQLite(file, { readonly: true })
    dialect = new GroupCommitSqliteDialect({
      writer: withStatementCache(writer),
      reader: reader && withStatementCache(reader),
      maxMembers,
    })
    db = new Kysely<Db>({ dialect })
  }

  async function schema() {
    await sql`create table parent (id integer primary key)`.execute(db)
    await sql`create table child (id integer primary key, parent_id integer not null references parent (id))`.execute(
      db,
    )
  }

  /** A transaction as the services open theirs. */
  const tx = (fn: (trx: ControlledTransaction<Db>) => Promise<void>) =>
    inTransaction({ db: db as never, dialect: 'sqlite' }, fn as never)

  const parents = async () =>
    (await db.selectFrom('parent').select('id').orderBy('id').execute()).map((r) => r.id)

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'licctl-group-'))
    open(join(dir, 'db.sqlite'))
    await schema()
  })

  afterEach(async () => {
    await db.destroy()
    rmSync(dir, { recursive: true, force: true })
  })

  /** `n` transactions begun together, transaction i inserting parent i: the groups they took. */
  async function insertTogether(n: number): Promise<number> {
    const before = { ...dialect.driver.stats }
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        tx(async (trx) => {
          await trx.insertInto('parent').values({ id: i }).execute()
        }),
      ),
    )
    assert.equal(dialect.driver.stats.members - before.members, n)
    return dialect.driver.stats.groups - before.groups
  }

  it('commits transactions that begin together once, all of them', async () => {
    assert.equal(await insertTogether(10), 1, 'one COMMIT for the ten')
    assert.deepEqual(await parents(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('lets a transaction that begins later in the same turn of the event loop join the group', async () => {
    // Requests reach the server in separate callbacks, and a member runs from BEGIN to its end in
    // one of them (better-sqlite3 is synchronous): the group waits for the loop's turn to end
    // before it commits, so the transactions of requests that arrived together commit together.
    const before = { ...dialect.driver.stats }
    let later: Promise<unknown> | undefined
    setImmediate(() => {
      later = tx(async (trx) => {
        await trx.insertInto('parent').values({ id: 2 }).execute()
      })
    })
    await tx(async (trx) => {
      await trx.insertInto('parent').values({ id: 1 }).execute()
    })
    await later
    assert.deepEqual(await parents(), [1, 2])
    assert.equal(dialect.driver.stats.members - before.members, 2)
    assert.equal(dialect.driver.stats.groups - before.groups, 1, 'one COMMIT for both')
  })

  it('rolls back a failing member alone: the others of its group commit', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        tx(async (trx) => {
          await trx.insertInto('parent').values({ id: i }).execute()
          if (i === 2) throw new Error('member 2 fails')
        }),
      ),
    )
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
    )
    assert.match(String((results[2] as PromiseRejectedResult).reason), /member 2 fails/)
    assert.deepEqual(await parents(), [0, 1, 3, 4])
  })

  it('answers a member only once its group has committed, and reads never see a group in progress', async () => {
    const held = gate()
    let firstDone = false
    const first = tx(async (trx) => {
      await trx.insertInto('parent').values({ id: 1 }).execute()
    }).then(() => (firstDone = true))
    const second = tx(async (trx) => {
      await trx.insertInto('parent').values({ id: 2 }).execute()
      await held.opened
    })
    await turns(5)
    // The first member is done, but its group goes on with the second, still at work.
    assert.equal(firstDone, false, 'the first member was answered before its change was committed')
    // A read outside a transaction does not wait for the writer, and sees what is committed only.
    assert.deepEqual(await parents(), [])
    held.open()
    await Promise.all([first, second])
    assert.equal(firstDone, true)
    assert.deepEqual(await parents(), [1, 2])
  })

  it('fails every member of a group whose COMMIT fails, and keeps nothing of it', async () => {
    await db.insertInto('parent').values({ id: 1 }).execute()
    const results = await Promise.allSettled([
      tx(async (trx) => {
        await trx.insertInto('child').values({ id: 10, parent_id: 1 }).execute()
      }),
      tx(async (trx) => {
        // Checked at COMMIT only: the group's COMMIT fails on this member's dangling row.
        await sql`pragma defer_foreign_keys = on`.execute(trx)
        await trx.insertInto('child').values({ id: 11, parent_id: 99 }).execute()
      }),
      tx(async (trx) => {
        await trx.insertInto('parent').values({ id: 2 }).execute()
      }),
    ])
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected', 'rejected'],
    )
    for (const r of results) assert.match(String((r as PromiseRejectedResult).reason), /FOREIGN KEY/)
    assert.deepEqual(await parents(), [1])
    assert.deepEqual(await db.selectFrom('child').selectAll().execute(), [])
    // The writer is usable again.
    await tx(async (trx) => {
      await trx.insertInto('parent').values({ id: 3 }).execute()
    })
    assert.deepEqual(await parents(), [1, 3])
  })

  it('commits a write outside a transaction before it returns', async () => {
    await db.insertInto('parent').values({ id: 7 }).execute()
    assert.deepEqual(await parents(), [7])
    const other = new SQLite(join(dir, 'db.sqlite'), { readonly: true })
    assert.deepEqual(other.prepare('select id from parent').all(), [{ id: 7 }])
    other.close()
  })

  it('keeps nested savepoints working inside a member', async () => {
    await tx(async (trx) => {
      await trx.insertInto('parent').values({ id: 1 }).execute()
      const sp = await trx.savepoint('inner').execute()
      await sp.insertInto('parent').values({ id: 2 }).execute()
      await sp.rollbackToSavepoint('inner').execute()
      await trx.insertInto('parent').values({ id: 3 }).execute()
    })
    assert.deepEqual(await parents(), [1, 3])
  })

  it('caps a group at its largest size', async () => {
    await db.destroy()
    open(join(dir, 'capped.sqlite'), 3)
    await schema()
    assert.equal(await insertTogether(7), 3, 'groups of 3, 3 and 1')
    assert.deepEqual(await parents(), [0, 1, 2, 3, 4, 5, 6])
  })

  it('commits each transaction on its own on an in-memory database (one connection)', async () => {
    await db.destroy()
    open(':memory:')
    await schema()
    assert.equal(await insertTogether(4), 4)
    assert.deepEqual(await parents(), [0, 1, 2, 3])
  })
})
