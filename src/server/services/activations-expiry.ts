import { registerRowKind } from './expiry-check.js'
import { notRetired } from './retire.js'

/**
 * An activation ID expires with its entitlement, always at the same instant (renewing one renews
 * the other), so what was not renewed is the entitlement: retiring it takes the entitlement and its
 * IDs out of the check, node-locked IDs included (they have no portal return). One remedy for both
 * kinds, so the check's hint names it once.
 */
const retireRemedy = (product: string) =>
  `the entitlement for '${product}' has expired: if it is not to be renewed, \`licctl activations retire ${product}\` retires it and its activation IDs and clears them from the check`

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
      .where(notRetired('activation_entitlements'))
      .execute(),
  item: (r) => ({
    id: r.id,
    name: `${r.product} (${r.type})`,
    expiresAt: r.expires_at,
    count: r.seats,
    remedy: retireRemedy(r.product),
  }),
})

// Activation IDs still in use (not returned, their entitlement not retired): hosts holding their
// seats stop working with them.
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
      .where(notRetired('activation_entitlements'))
      .execute(),
  item: (r) => ({
    id: r.id,
    name: `${r.id} (${r.product} ${r.type})`,
    expiresAt: r.expires_at,
    count: r.quantity,
    remedy: retireRemedy(r.product),
  }),
})
