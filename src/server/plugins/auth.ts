import type { FastifyInstance, FastifyRequest } from 'fastify'
import { hashToken } from '../../domain/tokens.js'
import type { Principal, ServiceContext } from '../context.js'
import { AppError } from '../errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
    /** The service context for this request; throws 401 when the request is not authenticated. */
    ctx: ServiceContext
  }
  interface FastifyContextConfig {
    /** Routes reachable without a token (health, OpenAPI). */
    public?: boolean
  }
}

const LAST_USED_GRANULARITY_MS = 60_000

/** Resolves the bearer token to a principal: hashed lookup, revocation, expiry, membership. */
export function registerAuth(app: FastifyInstance): void {
  app.decorateRequest('principal', null)
  app.decorateRequest('ctx', {
    getter(this: FastifyRequest): ServiceContext {
      if (!this.principal) throw new AppError('unauthenticated', 'missing or invalid token')
      return {
        db: app.storage.db,
        dialect: app.storage.dialect,
        clock: app.clock,
        principal: this.principal,
        requestId: this.id,
      }
    },
  })
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public) return
    const header = request.headers.authorization
    if (!header) throw new AppError('unauthenticated', 'missing token: send Authorization: Bearer <token>')
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    if (!match)
      throw new AppError('unauthenticated', 'malformed Authorization header: expected Bearer <token>')
    request.principal = await resolvePrincipal(app, match[1]!)
  })
}

async function resolvePrincipal(app: FastifyInstance, token: string): Promise<Principal> {
  const { db } = app.storage
  const now = app.clock.now()
  const row = await db
    .selectFrom('tokens')
    .leftJoin('users', 'users.id', 'tokens.user_id')
    .leftJoin('organizations', 'organizations.id', 'tokens.org_id')
    .leftJoin('memberships', (j) =>
      j.onRef('memberships.org_id', '=', 'tokens.org_id').onRef('memberships.user_id', '=', 'tokens.user_id'),
    )
    .select([
      'tokens.id',
      'tokens.kind',
      'tokens.user_id',
      'tokens.org_id',
      'tokens.read_only',
      'tokens.expires_at',
      'tokens.revoked_at',
      'tokens.last_used_at',
      'users.email',
      'organizations.slug',
      'memberships.role',
    ])
    .where('tokens.token_hash', '=', hashToken(token))
    .executeTakeFirst()
  if (!row || row.revoked_at !== null) throw new AppError('unauthenticated', 'invalid or revoked token')
  if (row.expires_at !== null && row.expires_at <= now) throw new AppError('unauthenticated', 'token expired')
  if (row.last_used_at === null || now - row.last_used_at > LAST_USED_GRANULARITY_MS) {
    await db.updateTable('tokens').set({ last_used_at: now }).where('id', '=', row.id).execute()
  }
  if (row.kind === 'operator') return { kind: 'operator', tokenId: row.id }
  if (!row.role || !row.email || !row.slug || !row.user_id || !row.org_id)
    throw new AppError(
      'unauthenticated',
      'token no longer valid: its user is not a member of the organization',
    )
  return {
    kind: 'user',
    tokenId: row.id,
    userId: row.user_id,
    email: row.email,
    orgId: row.org_id,
    orgSlug: row.slug,
    role: row.role,
    readOnly: row.read_only === 1,
  }
}
