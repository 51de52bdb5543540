import { byteOrder } from './text-order.js'

/** What the order of an expiry report reads off an item. */
export interface Ordered {
  severity: 'expired' | 'failing' | 'warning'
  /** An ISO-8601 UTC instant: in one format, so text order is time order. */
  expiresAt: string
  kind: string
  name: string
  org: string
}

const SEVERITY_ORDER = { expired: 0, failing: 1, warning: 2 } as const

/**
 * The order of `expiry check`, one list whatever the organizations: expired first, then failing,
 * then warnings; within each the soonest first (an instant, so organizations in different time
 * zones interleave by when things really lapse), then by kind, name and organization, in byte order
 * as the server's lists are (not a language's: `Zeta` before `alpha`, on every machine alike).
 */
export function byUrgency(a: Ordered, b: Ordered): number {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    (a.expiresAt < b.expiresAt ? -1 : a.expiresAt > b.expiresAt ? 1 : 0) ||
    byteOrder(a.kind, b.kind) ||
    byteOrder(a.name, b.name) ||
    byteOrder(a.org, b.org)
  )
}
