import type { ExpiryItem, ExpiryQuery, ExpiryReport } from '../../contract/expiry.js'
import { toIso } from '../../domain/clock.js'
import { daysUntil, lastValidDay } from '../../domain/dates.js'
import { byUrgency } from '../../domain/expiry-order.js'
import { isWholeDays, parseDuration } from '../../domain/duration.js'
import { windowEnd } from '../../domain/expiry-window.js'
import { failWithinTooLong, windowTooLate } from '../../domain/expiry-fail-within.js'
import { instantProblem } from '../../domain/time-range.js'
import type { Executor, ServiceContext } from '../context.js'
import { invalidField } from '../errors.js'
import { authorizeOrg } from './access.js'

/** Something of an organization that lapses: a pool, a token, a device license, an activation ID. */
export interface Lapsing {
  id: string
  name: string
  expiresAt: number
  /** What lapses with it: `{ count: 25, unit: 'seats' }`. */
  affected: { count: number; unit: string }
  /** Whose it is, or what it licenses (a token's user, a device); null for a pool. */
  owner: string | null
  /** For pools: used and total, so the check can report them when nearly full. */
  usage?: { used: number; total: number }
  /** What an admin does once it has expired, when there is one thing to do (the item's `remedy`). */
  remedy?: string
}

/**
 * One kind of license the expiry check covers. Each topic registers its kinds with
 * `registerExpiryKind` (most through `registerRowKind` or `registerPoolKind`) from its own module
 * (seats-expiry.ts, cloud-expiry.ts, tokens-expiry.ts); a new topic adds a provider file and
 * imports it from its service module, without editing this one.
 */
export interface ExpiryProvider {
  /** The kind's name in reports and `--kind`: `seat-pool`, `device-license`. */
  kind: string
  /**
   * The organization's items expiring at or before `until` (those already expired included: the
   * check filters them). Items that can no longer lapse (revoked, returned) are not returned.
   * `now` is the check's instant, for items that leave the check once past.
   */
  expiring(db: Executor, orgId: string, until: number, now: number): Promise<Lapsing[]>
  /** Pools only: every unexpired pool with its usage, for the capacity check. */
  pools?(db: Executor, orgId: string, now: number): Promise<Lapsing[]>
}

const providers = new Map<string, ExpiryProvider>()

export function registerExpiryKind(provider: ExpiryProvider): void {
  if (providers.has(provider.kind)) throw new Error(`expiry kind '${provider.kind}' registered twice`)
  providers.set(provider.kind, provider)
}

/** What a provider reads off one of its rows; `affected` and `owner` follow from it and the kind. */
export interface LapsingRow {
  id: string
  name: string
  expiresAt: number
  /** How many of the kind's unit lapse with it. */
  count: number
  owner?: string | null
  /** What an admin does once it has expired (see Lapsing). */
  remedy?: string
}

/**
 * A kind whose items are the rows of one query: the provider gives the query (the organization's
 * rows expiring at or before `until`) and how a row reads; each item counts in the kind's `unit`.
 */
export function registerRowKind<R>(kind: {
  kind: string
  unit: string
  rows(db: Executor, orgId: string, until: number, now: number): Promise<R[]>
  item(row: R): LapsingRow
}): void {
  registerExpiryKind({
    kind: kind.kind,
    async expiring(db, orgId, until, now) {
      return (await kind.rows(db, orgId, until, now)).map((r) => {
        const { count, owner, ...item } = kind.item(r)
        return { ...item, affected: { count, unit: kind.unit }, owner: owner ?? null }
      })
    },
  })
}

/** Which of a kind's pools a query returns: expiring at or before an instant, or not yet expired. */
export type ExpiresFilter = ['<=' | '>', number]

/**
 * A pool kind: the whole pool lapses with it, and the capacity check reports it when nearly full.
 * One query serves both (`expires`: the expiring pools, or every unexpired one); each pool counts
 * its total in the kind's `unit`.
 */
export function registerPoolKind<R>(kind: {
  kind: string
  unit: string
  /** The pools not retired (a retired pool has expired and is neither reported nor checked for capacity). */
  rows(db: Executor, orgId: string, expires: ExpiresFilter): Promise<R[]>
  pool(row: R): { id: string; name: string; expiresAt: number; used: number; total: number }
  /** What an admin does once it has expired and is not renewed (the item's `remedy`). */
  remedy(row: R): string
}): void {
  const present = (r: R): Lapsing => {
    const { used, total, ...pool } = kind.pool(r)
    return {
      ...pool,
      affected: { count: total, unit: kind.unit },
      owner: null,
      usage: { used, total },
      remedy: kind.remedy(r),
    }
  }
  registerExpiryKind({
    kind: kind.kind,
    async expiring(db, orgId, until) {
      return (await kind.rows(db, orgId, ['<=', until])).map(present)
    },
    async pools(db, orgId, now) {
      return (await kind.rows(db, orgId, ['>', now])).map(present)
    },
  })
}

/** The kinds the check covers, by name. */
export function expiryKinds(): string[] {
  return [...providers.keys()].sort()
}

/**
 * What of the organization has expired or expires within the window, and which pools are nearly
 * full. Severity: `expired` once past; `failing` within `failWithin` (or anywhere in the window
 * when no warn level is asked for); `warning` between the two. Pools at capacity are warnings
 * unless `failOnCapacity`. Admins only, and a read-only token is enough.
 */
export async function checkExpiry(ctx: ServiceContext, slug: string, q: ExpiryQuery): Promise<ExpiryReport> {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: false })
  const now = ctx.clock.now()
  const tz = org.time_zone
  const within = q.within
  // The contract has checked both durations (positive, no longer than licctl's range of times).
  const until = windowEnd(now, parseDuration(within)!, isWholeDays(within), tz)
  const beyond = instantProblem(until)
  if (beyond !== null) throw invalidField('query.within', windowTooLate(within, beyond))
  const failUntil =
    q.failWithin === undefined
      ? null
      : windowEnd(now, parseDuration(q.failWithin)!, isWholeDays(q.failWithin), tz)
  if (failUntil !== null && failUntil > until)
    throw invalidField('query.failWithin', failWithinTooLong(within, q.failWithin!))
  // A kind named twice is checked once: its items would otherwise be reported (and fail) twice.
  const kinds = q.kind === undefined ? expiryKinds() : [...new Set(q.kind.split(',').map((k) => k.trim()))]
  for (const k of kinds)
    if (!providers.has(k))
      throw invalidField('query.kind', `unknown kind '${k}'; known: ${expiryKinds().join(', ')}`)
  const includeExpired = q.expired === 'include'
  const capacity = q.capacity
  const failOnCapacity = q.failOnCapacity === 'true'

  const present = (
    kind: string,
    l: Lapsing,
    reason: ExpiryItem['reason'],
    severity: ExpiryItem['severity'],
  ): ExpiryItem => ({
    kind,
    id: l.id,
    name: l.name,
    org: org.slug,
    reason,
    expiresAt: toIso(l.expiresAt),
    validThrough: lastValidDay(l.expiresAt, tz),
    daysLeft: daysUntil(now, l.expiresAt - 1, tz),
    severity,
    affected: l.affected,
    owner: l.owner,
    usage: l.usage
      ? { ...l.usage, percent: l.usage.total === 0 ? 0 : Math.floor((l.usage.used * 100) / l.usage.total) }
      : null,
    remedy: severity === 'expired' && reason === 'expiry' ? (l.remedy ?? null) : null,
  })

  const items: ExpiryItem[] = []
  for (const kind of kinds) {
    const provider = providers.get(kind)!
    for (const l of await provider.expiring(ctx.db, org.id, until, now)) {
      if (l.expiresAt > until) continue
      const expired = l.expiresAt <= now
      if (expired && !includeExpired) continue
      const severity = expired
        ? 'expired'
        : failUntil === null || l.expiresAt <= failUntil
          ? 'failing'
          : 'warning'
      items.push(present(kind, l, 'expiry', severity))
    }
    if (capacity > 0 && provider.pools)
      for (const l of await provider.pools(ctx.db, org.id, now))
        if (l.usage && l.usage.total > 0 && l.usage.used * 100 >= capacity * l.usage.total)
          items.push(present(kind, l, 'capacity', failOnCapacity ? 'failing' : 'warning'))
  }
  items.sort(byUrgency)
  const byKind: Record<string, number> = {}
  for (const i of items) byKind[i.kind] = (byKind[i.kind] ?? 0) + 1
  const count = (s: ExpiryItem['severity']) => items.filter((i) => i.severity === s).length
  return {
    org: org.slug,
    timeZone: tz,
    checkedAt: toIso(now),
    window: {
      within,
      until: toIso(until),
      failWithin: q.failWithin ?? null,
      failUntil: failUntil === null ? null : toIso(failUntil),
      capacity,
    },
    kinds,
    items,
    summary: {
      total: items.length,
      expired: count('expired'),
      failing: count('failing'),
      warning: count('warning'),
      byKind,
    },
  }
}
