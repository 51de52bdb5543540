import { strict as assert } from 'node:assert'
import SQLite from 'better-sqlite3'
import { withStatementCache } from '../../src/storage/sqlite/statement-cache.js'

describe('storage: the SQLite statement cache', () => {
  function counting() {
    const database = new SQLite(':memory:')
    let prepared = 0
    const prepare = database.prepare.bind(database)
    const counted = Object.assign(database, {
      prepare: (sql: string) => {
        prepared++
        return prepare(sql)
      },
    })
    return { database: counted, prepared: () => prepared }
  }

  it('prepares a SQL text once and reuses the statement', () => {
    const { database, prepared } = counting()
    const db = withStatementCache(database)
    for (let i = 0; i < 5; i++) assert.deepEqual(db.prepare('select ? as x').all([i]), [{ x: i }])
    assert.equal(prepared(), 1)
    db.close()
  })

  it('keeps at most its capacity, dropping the least recently used', () => {
    const { database, prepared } = counting()
    const db = withStatementCache(database, 2)
    db.prepare('select 1')
    db.prepare('select 2')
    db.prepare('select 1') // 1 is now the most recent
    db.prepare('select 3') // drops 2
    assert.equal(prepared(), 3)
    db.prepare('select 1')
    assert.equal(prepared(), 3, 'select 1 was kept')
    db.prepare('select 2')
    assert.equal(prepared(), 4, 'select 2 was dropped')
    db.close()
  })

  it('never hands out a statement that is still iterating', () => {
    const { database } = counting()
    database.exec('create table t (x); insert into t values (1), (2)')
    const db = withStatementCache(database)
    const rows = (db.prepare('select x from t') as unknown as SQLite.Statement).iterate()
    rows.next()
    assert.deepEqual(db.prepare('select x from t').all([]), [{ x: 1 }, { x: 2 }])
    rows.return?.()
    db.close()
  })
})
