import { registerPoolKind } from './expiry-check.js'
import { notRetired } from './retire.js'

// Add-on pools: every assigned user loses the add-on with it; nearly full pools are reported too.
// An expired pool stays in the check until it is renewed (the operator) or, not renewed, retired.
registerPoolKind({
  kind: 'addon-pool',
  unit: 'licenses',
  rows: (db, orgId, [op, at]) =>
    db
      .selectFrom('addon_pools')
      .select(['key', 'name', 'total', 'assigned', 'expires_at'])
      .where('org_id', '=', orgId)
      .where('expires_at', op, at)
      .where(notRetired('addon_pools'))
      .execute(),
  pool: (r) => ({ id: r.key, name: r.name, expiresAt: r.expires_at, used: r.assigned, total: r.total }),
  remedy: (r) =>
    `add-on pool '${r.key}' has expired: if it is not to be renewed, \`licctl cloud retire ${r.key}\` retires it and clears it from the check`,
})
