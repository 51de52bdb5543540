import { registerExpiryKind } from './expiry-check.js'

// Seat pools: the whole pool lapses with its subscription; the check also reports nearly full pools.
registerExpiryKind({
  kind: 'seat-pool',
  async expiring(db, orgId, until) {
    const rows = await db
      .selectFrom('seat_pools')
      .select(['id', 'product', 'seats', 'used', 'expires_at'])
      .where('org_id', '=', orgId)
      .where('expires_at', '<=', until)
      .execute()
    return rows.map(present)
  },
  async pools(db, orgId, now) {
    const rows = await db
      .selectFrom('seat_pools')
      .select(['id', 'product', 'seats', 'used', 'expires_at'])
      .where('org_id', '=', orgId)
      .where('expires_at', '>', now)
      .execute()
    return rows.map(present)
  },
})

function present(r: { id: string; product: string; seats: number; used: number; expires_at: number }) {
  return {
    id: r.id,
    name: r.product,
    expiresAt: r.expires_at,
    affected: { count: r.seats, unit: 'seats' },
    owner: null,
    usage: { used: r.used, total: r.seats },
  }
}
