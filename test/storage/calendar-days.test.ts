import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { addDays, shownValidUntil } from '../../src/domain/device-days.js'
import { daysAfter } from '../../src/storage/calendar-days.js'
import type { Storage } from '../../src/storage/open.js'
import { DIALECTS, freshDb, openTestStorage, type TestDb } from '../helpers/dialects.js'

/** Month ends, leap days and the SPEC's worked example, with the terms keys carry and their sums. */
const CASES: Array<[string, number]> = [
  ['2024-01-31', 365], // valid until 2025-01-30 (SPEC §1)
  ['2024-03-07', 327], // valid until 2025-01-28 (SPEC §1)
  ['2024-02-28', 1],
  ['2024-02-29', 365],
  ['2023-02-28', 1],
  ['2023-03-01', 366],
  ['2024-12-31', 1],
  ['2025-01-20', 365],
  ['2099-12-31', 1825],
  ['2100-02-28', 1],
  ['2000-02-28', 1],
  ['2026-10-25', 1095],
  ['2024-01-01', 5475],
  ['9994-12-30', 1825], // valid until 9999-12-29, the latest date licctl accepts
  ['2024-01-31', 2_956_500], // stored past it by an older version: shown (and filtered) at it
  ['9999-12-29', 1],
]

for (const dialect of DIALECTS) {
  describe(`storage: calendar days in SQL on ${dialect}`, function () {
    let dir: string
    let db: TestDb
    let storage: Storage

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'licctl-days-'))
      db = await freshDb(dialect, dir)
      storage = await openTestStorage(db)
    })
    after(async () => {
      await storage.close()
      await db.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    it('adds days to a day exactly as the domain shows it (shownValidUntil), at most 9999-12-29', async () => {
      for (const [day, days] of CASES) {
        const { rows } = await sql<{
          d: string
        }>`select ${daysAfter(dialect, sql.val(day), sql.val(days))} as d`.execute(storage.db)
        assert.equal(rows[0]!.d, shownValidUntil(day, days), `${day} + ${days}`)
      }
      const { rows } = await sql<{
        d: string | null
      }>`select ${daysAfter(dialect, sql.val(null), sql.val(5))} as d`.execute(storage.db)
      assert.equal(rows[0]!.d, null, 'an unlicensed device has no valid-until day')
      assert.equal(addDays('2024-01-31', 365), '2025-01-30')
    })
  })
}
