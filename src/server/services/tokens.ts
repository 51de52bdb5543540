import type { CreateTokenBody, TokensQuery } from '../../contract/tokens.js'
import { newId } from '../../domain/ids.js'
import { generateToken } from '../../domain/tokens.js'
import { quote } from '../../domain/terminal-controls.js'
import type { Executor, ServiceContext } from '../context.js'
import { AppError, invalidField, notFound } from '../errors.js'
import { inTransaction, lockMemberships } from '../transaction.js'
import { authorizeOrg } from './access.js'
import { audit } from './audit.js'
import './tokens-expiry.js'
import { notExpiredOnArrival, validUntil } from './expiry.js'
import { onMemberRemoved } from './member-removal.js'
import { mapPage, paginate } from './paging.js'
import { presentToken } from './presenters.js'
import { requireMember } from './users.js'

/**
 * Creates a token for the caller (any member) or, for admins and the operator, for another member.
 * The secret is returned once; only its hash is stored.
 */
export async function createToken(ctx: ServiceContext, slug: string, body: CreateTokenBody) {
  const now = ctx.clock.now()
  const p = ctx.principal
  const forOther = body.userEmail !== undefined && (p.kind === 'operator' || body.userEmail !== p.email)
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: forOther ? 'admin' : 'member', write: true }, trx)
    const email = body.userEmail ?? (p.kind === 'user' ? p.email : undefined)
    // Named as a field, so that the CLI names its flag (--user) as it does for the contract's issues.
    if (!email)
      throw invalidField('body.userEmail', 'required: the operator names the member the token is for')
    const member = await requireMember(trx, org.id, email)
    // A removal of this member at the same moment either waits for this token (and revokes it with
    // the others) or went first: then the membership is gone, and no token is made for them.
    const still = await lockMemberships(trx, org.id, [member.userId], 'key share')
    if (still && !still.has(member.userId))
      throw new AppError('not_a_member', `${email} is not a member of this organization`, { email })
    if (body.expires !== undefined && body.expiresAt !== undefined)
      throw new AppError('validation_failed', 'expires: give expires or expiresAt, not both')
    const expiresAt =
      body.expires !== undefined
        ? validUntil(body.expires, org, { now, future: notExpiredOnArrival('the token') })
        : body.expiresAt !== undefined
          ? validUntil(body.expiresAt, org, {
              now,
              field: 'body.expiresAt',
              future: notExpiredOnArrival('the token'),
            })
          : null
    const t = generateToken('user')
    const row = {
      id: newId('tok', now),
      token_hash: t.hash,
      prefix: t.prefix,
      kind: 'user' as const,
      user_id: member.userId,
      org_id: org.id,
      name: body.name ?? null,
      read_only: body.readOnly ? 1 : 0,
      created_at: now,
      expires_at: expiresAt,
      last_used_at: null,
      revoked_at: null,
    }
    await trx.insertInto('tokens').values(row).execute()
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'token.create',
      target: row.id,
      after: { user: email, readOnly: row.read_only === 1, name: row.name },
    })
    return { ...presentToken(row, email, now), token: t.token }
  })
}

/** Admins see every live (neither revoked nor expired) token of the organization; members see their own. */
/** Live tokens; with `all`, expired and revoked ones too. */
export async function listTokens(ctx: ServiceContext, slug: string, q: TokensQuery) {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: false })
  const p = ctx.principal
  const now = ctx.clock.now()
  let query = ctx.db
    .selectFrom('tokens')
    .leftJoin('users', 'users.id', 'tokens.user_id')
    .selectAll('tokens')
    .select('users.email')
    .where('tokens.org_id', '=', org.id)
  if (!q.all)
    query = query
      .where('tokens.revoked_at', 'is', null)
      .where((eb) => eb.or([eb('tokens.expires_at', 'is', null), eb('tokens.expires_at', '>', now)]))
  if (p.kind === 'user' && p.role !== 'admin') query = query.where('tokens.user_id', '=', p.userId)
  const page = await paginate(query, {
    limit: q.limit,
    cursor: q.cursor,
    keys: [{ column: 'tokens.id', value: (r) => r.id }],
  })
  return mapPage(page, (r) => presentToken(r, r.email, now))
}

/**
 * One token of the organization, whatever its state: what `orgs tokens revoke` looks at before it
 * asks (an already revoked one is not asked about). Members see their own, as they list them; an
 * id the organization never had is 404.
 */
export async function showToken(ctx: ServiceContext, slug: string, id: string) {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: false })
  const row = await tokenOf(ctx, ctx.db, org.id, id, 'see')
  return presentToken(row, row.email, ctx.clock.now())
}

/**
 * A token of the organization with its member's email, for the principal: 404 for an id the
 * organization never had; `not_admin` for a member's look at another member's token.
 */
async function tokenOf(ctx: ServiceContext, db: Executor, orgId: string, id: string, verb: 'see' | 'revoke') {
  const row = await db
    .selectFrom('tokens')
    .leftJoin('users', 'users.id', 'tokens.user_id')
    .selectAll('tokens')
    .select('users.email')
    .where('tokens.id', '=', id)
    .where('tokens.org_id', '=', orgId)
    .executeTakeFirst()
  if (!row) throw notFound(`token ${quote(id)} not found`)
  const p = ctx.principal
  if (p.kind === 'user' && p.role !== 'admin' && row.user_id !== p.userId)
    throw new AppError('not_admin', `only admins can ${verb} other members’ tokens`)
  return row
}

/**
 * Revokes a token of the organization. Revoking one already revoked (by hand, or by its member's
 * removal) is already so: the token as it is, `changed` false, no second audit entry. An id the
 * organization never had is 404.
 */
export async function revokeToken(ctx: ServiceContext, slug: string, id: string) {
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'member', write: true }, trx)
    const row = await tokenOf(ctx, trx, org.id, id, 'revoke')
    if (row.revoked_at !== null) return { ...presentToken(row, row.email, now), changed: false }
    // Guarded: of two racing revocations, one revokes and the other finds it already so.
    const updated = await trx
      .updateTable('tokens')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    if (Number(updated.numUpdatedRows) === 0) {
      const { revoked_at } = await trx
        .selectFrom('tokens')
        .select('revoked_at')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      return { ...presentToken({ ...row, revoked_at }, row.email, now), changed: false }
    }
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'token.revoke',
      target: id,
      before: { user: row.email },
    })
    return { ...presentToken({ ...row, revoked_at: now }, row.email, now), changed: true }
  })
}

onMemberRemoved({
  topic: 'tokens',
  noun: 'tokens',
  action: 'revoked',
  order: 90,
  hook: async ({ trx, orgId, userId, now }) => {
    const revoked = await trx
      .updateTable('tokens')
      .set({ revoked_at: now })
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    const count = Number(revoked.numUpdatedRows)
    return { count, fields: { tokensRevoked: count } }
  },
})
