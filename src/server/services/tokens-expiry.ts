import { registerExpiryKind } from './expiry-check.js'

// API tokens with an expiration: an expiring CI token breaks CI as surely as a lapsed license.
registerExpiryKind({
  kind: 'token',
  async expiring(db, orgId, until) {
    const rows = await db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .select(['tokens.id', 'tokens.name', 'tokens.prefix', 'tokens.expires_at', 'users.email'])
      .where('tokens.org_id', '=', orgId)
      .where('tokens.revoked_at', 'is', null)
      .where('tokens.expires_at', 'is not', null)
      .where('tokens.expires_at', '<=', until)
      .execute()
    return rows.map((r) => ({
      id: r.id,
      name: r.name ?? `${r.prefix}…`,
      expiresAt: r.expires_at!,
      affected: { count: 1, unit: 'token' },
      owner: r.email,
    }))
  },
})
