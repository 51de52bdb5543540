import type { Kysely } from 'kysely'
import { EARLIEST_MS, LATEST_MS } from '../../domain/time-range.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>

/** Every column holding an expiration instant. */
const EXPIRING = [
  'tokens',
  'seat_pools',
  'addon_pools',
  'device_keys',
  'device_licenses',
  'activation_entitlements',
  'activation_ids',
] as const

/**
 * Expirations stored before licctl bounded its times (domain/time-range.ts) may lie beyond them:
 * `--expires 9999-12-31` stored 10000-01-01T00:00Z, which no response can show. Each is brought to
 * the nearest bound: past 9999-12-31T00:00Z it still never expires in practice, before 1970 it
 * had expired long ago; what the row means is unchanged. Presenters also show an out-of-range row at
 * the bound (an older process may still write one during a rolling upgrade).
 */
export async function up(db: Db): Promise<void> {
  for (const table of EXPIRING) {
    await db.updateTable(table).set({ expires_at: LATEST_MS }).where('expires_at', '>', LATEST_MS).execute()
    await db
      .updateTable(table)
      .set({ expires_at: EARLIEST_MS })
      .where('expires_at', '<', EARLIEST_MS)
      .execute()
  }
}

/** Nothing to undo: the capped values are valid in every version. */
export async function down(): Promise<void> {}
