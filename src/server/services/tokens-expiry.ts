import { registerRowKind } from './expiry-check.js'

// API tokens with an expiration: an expiring CI token breaks CI as surely as a lapsed license.
registerRowKind({
  kind: 'token',
  unit: 'token',
  rows: (db, orgId, until) =>
    db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .select(['tokens.id', 'tokens.name', 'tokens.prefix', 'tokens.expires_at', 'users.email'])
      .where('tokens.org_id', '=', orgId)
      .where('tokens.revoked_at', 'is', null)
      .where('tokens.expires_at', 'is not', null)
      .where('tokens.expires_at', '<=', until)
      .execute(),
  item: (r) => ({
    id: r.id,
    name: r.name ?? `${r.prefix}…`,
    expiresAt: r.expires_at!,
    count: 1,
    owner: r.email,
  }),
})
