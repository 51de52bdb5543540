import { registerExpiryKind } from './expiry-check.js'

// Add-on pools: every assigned user loses the add-on with it; nearly full pools are reported too.
registerExpiryKind({
  kind: 'addon-pool',
  async expiring(db, orgId, until) {
    const rows = await db
      .selectFrom('addon_pools')
      .select(['id', 'key', 'name', 'total', 'assigned', 'expires_at'])
      .where('org_id', '=', orgId)
      .where('expires_at', '<=', until)
      .execute()
    return rows.map(present)
  },
  async pools(db, orgId, now) {
    const rows = await db
      .selectFrom('addon_pools')
      .select(['id', 'key', 'name', 'total', 'assigned', 'expires_at'])
      .where('org_id', '=', orgId)
      .where('expires_at', '>', now)
      .execute()
    return rows.map(present)
  },
})

function present(r: {
  id: string
  key: string
  name: string
  total: number
  assigned: number
  expires_at: number
}) {
  return {
    id: r.key,
    name: r.name,
    expiresAt: r.expires_at,
    affected: { count: r.total, unit: 'licenses' },
    owner: null,
    usage: { used: r.assigned, total: r.total },
  }
}
