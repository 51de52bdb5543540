import { AppError, notFound } from '../errors.js'
import type { Executor, ServiceContext } from '../context.js'
import type { Database } from '../../storage/schema.js'
import { prepareQuery } from '../../storage/prepared.js'

export type OrgRow = Database['organizations']

const orgBySlug = prepareQuery((db, slug: string) =>
  db.selectFrom('organizations').selectAll().where('slug', '=', slug),
)

export interface AccessNeed {
  /** admin: organization admins (and the operator); member: any member; operator: only the operator. */
  role: 'member' | 'admin' | 'operator'
  /** A mutation: refused to read-only tokens. */
  write: boolean
}

/**
 * Finds the organization and checks that the caller may act on it. An organization the caller
 * cannot see — unknown, or another organization's (a user token acts only in its own) — is the
 * same 404, status and body alike, so no token can learn which slugs exist. Within its own
 * organization, members asking for admin work and read-only tokens writing are 403.
 */
export async function authorizeOrg(
  ctx: ServiceContext,
  slug: string,
  need: AccessNeed,
  db: Executor = ctx.db,
): Promise<OrgRow> {
  const org = await orgBySlug.takeFirst(db, slug)
  if (!org) throw orgNotFound(slug)
  assertAccess(ctx, org, need)
  return org
}

export function assertAccess(ctx: ServiceContext, org: OrgRow, need: AccessNeed): void {
  const p = ctx.principal
  if (p.kind === 'operator') return
  // Before any other refusal: a 403 would tell another organization's token that the org exists.
  if (p.orgId !== org.id) throw orgNotFound(org.slug)
  if (need.role === 'operator') throw new AppError('forbidden', 'only the server operator can do this')
  if (need.write && p.readOnly) throw new AppError('read_only_token', 'this token is read-only')
  if (need.role === 'admin' && p.role !== 'admin')
    throw new AppError('not_admin', `only admins of '${org.slug}' can do this`)
}

export function requireOperator(ctx: ServiceContext): void {
  if (ctx.principal.kind !== 'operator')
    throw new AppError('forbidden', 'only the server operator can do this')
}

/** The one answer for an organization the caller cannot see, whether it exists or not. */
export function orgNotFound(slug: string): AppError {
  return notFound(`organization '${slug}'`)
}
