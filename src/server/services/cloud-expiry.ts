import { registerPoolKind } from './expiry-check.js'

// Add-on pools: every assigned user loses the add-on with it; nearly full pools are reported too.
registerPoolKind({
  kind: 'addon-pool',
  unit: 'licenses',
  rows: (db, orgId, [op, at]) =>
    db
      .selectFrom('addon_pools')
      .select(['key', 'name', 'total', 'assigned', 'expires_at'])
      .where('org_id', '=', orgId)
      .where('expires_at', op, at)
      .execute(),
  pool: (r) => ({ id: r.key, name: r.name, expiresAt: r.expires_at, used: r.assigned, total: r.total }),
})
