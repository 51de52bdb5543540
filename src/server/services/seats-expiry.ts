import { registerPoolKind } from './expiry-check.js'
import { notRetired } from './retire.js'

// Seat pools: the whole pool lapses with its subscription; the check also reports nearly full pools.
// An expired pool stays in the check until it is renewed (the operator) or, not renewed, retired.
registerPoolKind({
  kind: 'seat-pool',
  unit: 'seats',
  rows: (db, orgId, [op, at]) =>
    db
      .selectFrom('seat_pools')
      .select(['id', 'product', 'seats', 'used', 'expires_at'])
      .where('org_id', '=', orgId)
      .where('expires_at', op, at)
      .where(notRetired('seat_pools'))
      .execute(),
  pool: (r) => ({ id: r.id, name: r.product, expiresAt: r.expires_at, used: r.used, total: r.seats }),
  remedy: (r) =>
    `seat pool '${r.product}' has expired: if it is not to be renewed, \`licctl seats retire ${r.product}\` retires it and clears it from the check`,
})
