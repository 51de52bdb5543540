import { registerRowKind } from './expiry-check.js'

// An expired token stays in the check until it is revoked, and `tokens list` shows only live ones:
// the remedy names its id, which the table does not show.
const revokeRemedy = (id: string, name: string, email: string) =>
  `\`licctl orgs tokens revoke ${id}\` clears the expired API token '${name}' of ${email} from the check`

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
  item: (r) => {
    const name = r.name ?? `${r.prefix}…`
    return {
      id: r.id,
      name,
      expiresAt: r.expires_at!,
      count: 1,
      owner: r.email,
      remedy: revokeRemedy(r.id, name, r.email),
    }
  },
})
