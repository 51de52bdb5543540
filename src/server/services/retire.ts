import { sql, type RawBuilder } from 'kysely'
import { toIso } from '../../domain/clock.js'
import { lastValidDay } from '../../domain/dates.js'
import type { Executor, ServiceContext } from '../context.js'
import { AppError } from '../errors.js'
import { inTransaction } from '../transaction.js'
import { authorizeOrg, type OrgRow } from './access.js'
import { audit } from './audit.js'

/** A row of what an organization buys with an expiration: a seat pool, an add-on pool, an entitlement. */
export interface RetirableRow {
  id: string
  expires_at: number
  retired_at: number | null
  updated_at: number
}

/**
 * Retired: marked so at or after the expiration it has. Retiring is refused before the expiration,
 * and a renewal sets one in the future, past the mark, so a row renewed since (by any version, one
 * that knows nothing of retiring included) is current again even with the mark left on it.
 */
export function isRetired(row: Pick<RetirableRow, 'expires_at' | 'retired_at'>): boolean {
  return row.retired_at !== null && row.expires_at <= row.retired_at
}

/** When it was retired (see isRetired), or null. */
export function retiredAt(row: Pick<RetirableRow, 'expires_at' | 'retired_at'>): number | null {
  return isRetired(row) ? row.retired_at : null
}

/** The database's side of isRetired, negated: the rows of `table` not retired (the expiry check's). */
export function notRetired(table: RetiringTable): RawBuilder<boolean> {
  const column = (name: string) => sql.ref(`${table}.${name}`)
  return sql<boolean>`(${column('retired_at')} is null or ${column('expires_at')} > ${column('retired_at')})`
}

type RetiringTable = 'seat_pools' | 'addon_pools' | 'activation_entitlements'

/** What retiring one kind needs: its row, how to mark it, how to present it. */
export interface Retiring<R extends RetirableRow, P> {
  /** Where its row is. */
  table: RetiringTable
  /** The audit entry's action: `seats.retire`. */
  action: string
  /** The audit entry's target: the product or add-on key. */
  target: string
  /** How refusals name it: `seat pool 'cad-pro'`. */
  thing: string
  /** The row in the organization, or 404 naming it. */
  find(trx: Executor, orgId: string): Promise<R>
  present(trx: Executor, row: R, org: OrgRow, now: number): Promise<P>
}

/**
 * Retires what the organization bought and chose not to renew (admins, a token that may write):
 * once expired, it is marked retired (`retired_at`), so `expiry check` stops reporting it; it stays
 * listed with its history, and renewing it (the operator) makes it current again. Refused while it
 * has not expired (`not_expired`: it can still be used, and renewing it is still the question).
 * Retiring again changes nothing and says so (`changed: false`, no audit entry).
 *
 * One guarded UPDATE (not retired, expired at `now`), so a racing renewal or retirement either
 * lands first (and this one is refused, to be retried) or finds it as read.
 */
export async function retireExpired<R extends RetirableRow, P>(
  ctx: ServiceContext,
  slug: string,
  kind: Retiring<R, P>,
): Promise<P & { changed: boolean }> {
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'admin', write: true }, trx)
    const row = await kind.find(trx, org.id)
    if (isRetired(row)) return { ...(await kind.present(trx, row, org, now)), changed: false }
    if (row.expires_at > now)
      throw new AppError(
        'not_expired',
        `${kind.thing} is valid through ${lastValidDay(row.expires_at, org.time_zone)}: it can be retired once it has expired, if it is not renewed`,
        { expiresAt: toIso(row.expires_at) },
      )
    const done = await trx
      .updateTable(kind.table)
      .set({ retired_at: now, updated_at: now })
      .where('id', '=', row.id)
      .where(notRetired(kind.table))
      .where('expires_at', '<=', now)
      .executeTakeFirst()
    if (Number(done.numUpdatedRows) !== 1)
      throw new AppError('contention', `${kind.thing} changed while retiring; nothing was retired`)
    const marked = { ...row, retired_at: now, updated_at: now }
    await audit(trx, ctx, {
      orgId: org.id,
      action: kind.action,
      target: kind.target,
      before: { expiresAt: toIso(row.expires_at), retired: false },
      after: { expiresAt: toIso(row.expires_at), retired: true },
    })
    return { ...(await kind.present(trx, marked, org, now)), changed: true }
  })
}

/**
 * What the audit entry of an update adds about retirement: `retired: true` before and `false` after
 * when renewing a retired row made it current again; nothing otherwise.
 */
export function unretired(
  before: Pick<RetirableRow, 'expires_at' | 'retired_at'>,
  after: Pick<RetirableRow, 'expires_at' | 'retired_at'>,
): { before: { retired?: true }; after: { retired?: false } } {
  return isRetired(before) && !isRetired(after)
    ? { before: { retired: true }, after: { retired: false } }
    : { before: {}, after: {} }
}
