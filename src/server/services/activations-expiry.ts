import { registerExpiryKind } from './expiry-check.js'

// Entitlements: what the operator provisioned, from which admins generate activation IDs.
registerExpiryKind({
  kind: 'entitlement',
  async expiring(db, orgId, until) {
    const rows = await db
      .selectFrom('activation_entitlements')
      .select(['id', 'product', 'type', 'seats', 'allocated', 'expires_at'])
      .where('org_id', '=', orgId)
      .where('expires_at', '<=', until)
      .execute()
    return rows.map((r) => ({
      id: r.id,
      name: `${r.product} (${r.type})`,
      expiresAt: r.expires_at,
      affected: { count: r.seats, unit: 'seats' },
      owner: null,
    }))
  },
})

// Activation IDs still in use (not returned): hosts holding their seats stop working with them.
registerExpiryKind({
  kind: 'activation-id',
  async expiring(db, orgId, until) {
    const rows = await db
      .selectFrom('activation_ids')
      .innerJoin('activation_entitlements', 'activation_entitlements.id', 'activation_ids.entitlement_id')
      .select([
        'activation_ids.id',
        'activation_ids.quantity',
        'activation_ids.used',
        'activation_ids.expires_at',
        'activation_entitlements.product',
        'activation_entitlements.type',
      ])
      .where('activation_ids.org_id', '=', orgId)
      .where('activation_ids.status', '=', 'active')
      .where('activation_ids.expires_at', '<=', until)
      .execute()
    return rows.map((r) => ({
      id: r.id,
      name: `${r.id} (${r.product} ${r.type})`,
      expiresAt: r.expires_at,
      affected: { count: r.quantity, unit: 'seats' },
      owner: null,
    }))
  },
})
