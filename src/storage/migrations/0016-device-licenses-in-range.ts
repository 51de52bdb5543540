import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely'
import { daysBetween, validUntil } from '../../domain/device-days.js'
import { LATEST_DATE } from '../../domain/time-range.js'
import { appendAudit } from './audit-append.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>

/**
 * Cumulative device licenses stacked past 9999-12-29 (LATEST_DATE) before assigning refused it
 * (2f8f8c2) are brought to that bound: their term is cut to the days from their first day through
 * it. Past year 9999 a license never lapses in practice, so what the device is licensed for is
 * unchanged; but a detach now returns days that can be assigned again, rather than millions that
 * no assignment could ever take. Each cut is an audit entry (`devices.license.cap`, actor
 * `migration`, target the device's serial) with the term and valid-until day before and after.
 * The devices' history (device_events) is left as it was written: presenters show a valid-until
 * day past the bound at it (domain/device-days.ts `shownDay`), as they do for a row an older
 * process may still write during a rolling upgrade.
 */
export async function up(db: Db): Promise<void> {
  // PostgreSQL runs each migration in a transaction; SQLite's migrator does not: this one is all or nothing.
  if (db.isTransaction) await apply(db as Transaction<unknown> as Db)
  else await db.transaction().execute((trx) => apply(trx))
}

interface DeviceRow {
  id: string
  org_id: string
  serial: string
  license_start: string
  license_days: number
}

async function apply(db: Db): Promise<void> {
  // Date arithmetic that holds past year 9999 (SQLite's date() gives NULL there, PostgreSQL's text
  // of a five-digit year sorts before 2024): days, compared as numbers.
  const pastBound =
    db.getExecutor().adapter instanceof PostgresAdapter
      ? sql<boolean>`cast(license_start as date) + cast(license_days as integer) > date ${sql.lit(LATEST_DATE)}`
      : sql<boolean>`julianday(license_start) + license_days > julianday(${sql.lit(LATEST_DATE)})`
  const devices = (await db
    .selectFrom('devices')
    .select(['id', 'org_id', 'serial', 'license_start', 'license_days'])
    .where('license_start', 'is not', null)
    .where(pastBound)
    .orderBy('org_id')
    .orderBy('serial')
    .execute()) as DeviceRow[]
  const now = Date.now()
  for (const d of devices) {
    const days = daysBetween(d.license_start, LATEST_DATE)
    await db
      .updateTable('devices')
      .set({ license_days: days, updated_at: now })
      .where('id', '=', d.id)
      .execute()
    await appendAudit(db, {
      org_id: d.org_id,
      action: 'devices.license.cap',
      target: d.serial,
      before: {
        licensedFrom: d.license_start,
        licenseDays: d.license_days,
        validUntil: validUntil(d.license_start, d.license_days),
      },
      after: { licensedFrom: d.license_start, licenseDays: days, validUntil: LATEST_DATE },
      now,
    })
  }
}

/** Nothing to undo: the capped terms are valid in every version. */
export async function down(): Promise<void> {}
