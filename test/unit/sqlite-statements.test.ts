import { strict as assert } from 'node:assert'
import Database from 'better-sqlite3'
import { cachingStatements } from '../../src/storage/sqlite/immediate-dialect.js'

describe('SQLite prepared statements kept by SQL text', () => {
  let raw: Database.Database
  beforeEach(() => {
    raw = new Database(':memory:')
    raw.exec('create table t (n integer)')
    raw.exec('insert into t values (1), (2), (3)')
  })
  afterEach(() => raw.close())

  it('hands out the same prepared statement for the same SQL, and another for other SQL', () => {
    const db = cachingStatements(raw)
    const a = db.prepare('select n from t')
    assert.equal(db.prepare('select n from t'), a)
    assert.notEqual(db.prepare('select n from t where n > 1'), a)
    assert.deepEqual(a.all([]), [{ n: 1 }, { n: 2 }, { n: 3 }])
  })

  it('gives a fresh statement while the cached one is still being iterated', () => {
    const db = cachingStatements(raw)
    const sql = 'select n from t where n >= ?'
    const outer = db.prepare(sql) as unknown as Database.Statement
    const seen: number[] = []
    for (const row of outer.iterate(2) as Iterable<{ n: number }>) {
      const inner = db.prepare(sql)
      assert.notEqual(inner, outer)
      seen.push(row.n, ...inner.all([3]).map((r) => (r as { n: number }).n))
    }
    assert.deepEqual(seen, [2, 3, 3, 3])
    // Once the iteration is over the cached one is handed out again.
    assert.equal(db.prepare(sql), outer)
  })

  it('drops the least recently used statement beyond its size', () => {
    const db = cachingStatements(raw, 2)
    const one = db.prepare('select 1')
    const two = db.prepare('select 2')
    assert.equal(db.prepare('select 1'), one) // now "select 2" is the least recently used
    db.prepare('select 3')
    assert.equal(db.prepare('select 1'), one)
    assert.notEqual(db.prepare('select 2'), two)
  })

  it('still sees schema changes made after a statement was prepared', () => {
    const db = cachingStatements(raw)
    assert.deepEqual(Object.keys(db.prepare('select * from t').all([])[0] as object), ['n'])
    raw.exec('alter table t add column m integer')
    assert.deepEqual(Object.keys(db.prepare('select * from t').all([])[0] as object), ['n', 'm'])
  })
})
