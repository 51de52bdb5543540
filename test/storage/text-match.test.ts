import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql, type Kysely } from 'kysely'
import type { Storage } from '../../src/storage/open.js'
import { contains, endsWith, startsWith } from '../../src/storage/text-match.js'
import { DIALECTS, freshDb, openTestStorage, type TestDb } from '../helpers/dialects.js'

/** Texts where LIKE would differ from an exact match: case, `_` and `%`, `\`, letters beyond ASCII. */
const TEXTS = [
  'cad-pro/ls_1',
  'CAD-PRO/ls_1',
  'cad_pro/x',
  'cadXpro/x',
  'cad%pro/x',
  'x/cad-pro',
  'x/Cad-Pro',
  'x/cad_pro',
  'x/cadypro',
  'a\\b',
  'a\\\\b',
  'Ärger/é',
  'ärger/É',
  '𝒜b/c𝒜',
  'b/c',
  '',
]

const NEEDLES = [
  'cad-pro/',
  'cad_pro/',
  'cad%pro/',
  'CAD-PRO/',
  '/cad-pro',
  '/cad_pro',
  '/CAD-PRO',
  '%',
  '_',
  'a\\b',
  '\\\\',
  'Ärger/',
  '/é',
  '𝒜b',
  'c𝒜',
  '/',
  '',
]

type Db = Kysely<any>

for (const dialect of DIALECTS) {
  describe(`storage: exact text matches in SQL on ${dialect}`, function () {
    let dir: string
    let db: TestDb
    let storage: Storage
    let k: Db

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'licctl-text-'))
      db = await freshDb(dialect, dir)
      storage = await openTestStorage(db)
      k = storage.db as unknown as Db
      await k.schema
        .createTable('text_match')
        .addColumn('n', 'integer', (c) => c.primaryKey())
        .addColumn('x', 'text')
        .execute()
      await k
        .insertInto('text_match')
        .values([...TEXTS, null].map((x, n) => ({ n, x })))
        .execute()
    })
    after(async () => {
      await storage.close()
      await db.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    const cases = [
      { name: 'startsWith', sql: startsWith, js: (x: string, t: string) => x.startsWith(t) },
      { name: 'endsWith', sql: endsWith, js: (x: string, t: string) => x.endsWith(t) },
      { name: 'contains', sql: contains, js: (x: string, t: string) => x.includes(t) },
    ]
    for (const c of cases)
      it(`${c.name} is exact: case, _ and % and \\ as typed, characters beyond ASCII and the BMP, null never`, async () => {
        for (const needle of NEEDLES) {
          const rows = await k
            .selectFrom('text_match')
            .select('x')
            .where(c.sql(dialect, sql.ref<string | null>('x'), needle))
            .orderBy('n')
            .execute()
          assert.deepEqual(
            rows.map((r: { x: string }) => r.x),
            TEXTS.filter((x) => c.js(x, needle)),
            `${c.name}(x, ${JSON.stringify(needle)})`,
          )
        }
      })
  })
}
