import { createHash } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../storage/schema.js'

export interface AuthFailureLimits {
  /** Failed authentications allowed per client address per window. */
  perIp: number
  /** Failed authentications allowed per presented token per window. */
  perToken: number
  windowMs: number
}

export const DEFAULT_AUTH_FAILURE_LIMITS: AuthFailureLimits = { perIp: 30, perToken: 10, windowMs: 60_000 }

/** Counter keys: the address as seen, and a hash of the presented token (never the token). */
export function failureKeys(ip: string, token: string | null): { ip: string; token: string | null } {
  return {
    ip: `auth-ip:${ip}`,
    token:
      token === null ? null : `auth-token:${createHash('sha256').update(token).digest('hex').slice(0, 32)}`,
  }
}

/**
 * Counts one failure against `key` in the current fixed window and returns the count so far.
 * One statement (an upsert), so servers sharing the database count together and never lose one.
 */
export async function countFailure(db: Kysely<Database>, key: string, windowStart: number): Promise<number> {
  const row = await db
    .insertInto('rate_limits')
    .values({ key, window_start: windowStart, count: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when rate_limits.window_start = excluded.window_start then rate_limits.count + 1 else 1 end`,
        window_start: sql<number>`excluded.window_start`,
      }),
    )
    .returning('count')
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

/** Deletes counters of windows that are over. */
export async function pruneRateLimits(db: Kysely<Database>, now: number, windowMs: number): Promise<number> {
  const result = await db
    .deleteFrom('rate_limits')
    .where('window_start', '<=', now - windowMs)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
