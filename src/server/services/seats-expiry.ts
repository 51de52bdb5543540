import { registerPoolKind } from './expiry-check.js'

// Seat pools: the whole pool lapses with its subscription; the check also reports nearly full pools.
registerPoolKind({
  kind: 'seat-pool',
  unit: 'seats',
  rows: (db, orgId, [op, at]) =>
    db
      .selectFrom('seat_pools')
      .select(['id', 'product', 'seats', 'used', 'expires_at'])
      .where('org_id', '=', orgId)
      .where('expires_at', op, at)
      .execute(),
  pool: (r) => ({ id: r.id, name: r.product, expiresAt: r.expires_at, used: r.used, total: r.seats }),
})
