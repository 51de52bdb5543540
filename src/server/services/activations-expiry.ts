import { registerRowKind } from './expiry-check.js'

// Entitlements: what the operator provisioned, from which admins generate activation IDs.
registerRowKind({
  kind: 'entitlement',
  unit: 'seats',
  rows: (db, orgId, until) =>
    db
      .selectFrom('activation_entitlements')
      .select(['id', 'product', 'type', 'seats', 'expires_at'])
      .where('org_id', '=', orgId)
      .where('expires_at', '<=', until)
      .execute(),
  item: (r) => ({ id: r.id, name: `${r.product} (${r.type})`, expiresAt: r.expires_at, count: r.seats }),
})

// Activation IDs still in use (not returned): hosts holding their seats stop working with them.
registerRowKind({
  kind: 'activation-id',
  unit: 'seats',
  rows: (db, orgId, until) =>
    db
      .selectFrom('activation_ids')
      .innerJoin('activation_entitlements', 'activation_entitlements.id', 'activation_ids.entitlement_id')
      .select([
        'activation_ids.id',
        'activation_ids.quantity',
        'activation_ids.expires_at',
        'activation_entitlements.product',
        'activation_entitlements.type',
      ])
      .where('activation_ids.org_id', '=', orgId)
      .where('activation_ids.status', '=', 'active')
      .where('activation_ids.expires_at', '<=', until)
      .execute(),
  item: (r) => ({
    id: r.id,
    name: `${r.id} (${r.product} ${r.type})`,
    expiresAt: r.expires_at,
    count: r.quantity,
  }),
})
