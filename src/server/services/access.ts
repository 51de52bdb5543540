import { AppError, notFound } from '../errors.js'
import type { Executor, ServiceContext } from '../context.js'
import type { Database } from '../../storage/schema.js'

export type OrgRow = Database['organizations']

export interface AccessNeed {
  /** admin: organization admins (and the operator); member: any member; operator: only the operator. */
  role: 'member' | 'admin' | 'operator'
  /** A mutation: refused to read-only tokens. */
  write: boolean
}

/**
 * Finds the organization and checks that the caller may act on it. Unknown organizations are 404;
 * another organization's token is 403, as are members asking for admin work and read-only tokens writing.
 */
export async function authorizeOrg(
  ctx: ServiceContext,
  slug: string,
  need: AccessNeed,
  db: Executor = ctx.db,
): Promise<OrgRow> {
  const org = await db.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst()
  if (!org) throw notFound(`organization '${slug}'`)
  assertAccess(ctx, org, need)
  return org
}

export function assertAccess(ctx: ServiceContext, org: OrgRow, need: AccessNeed): void {
  const p = ctx.principal
  if (p.kind === 'operator') return
  if (need.role === 'operator') throw new AppError('forbidden', 'only the server operator can do this')
  if (p.orgId !== org.id)
    throw new AppError(
      'wrong_organization',
      `this token belongs to organization '${p.orgSlug}', not '${org.slug}'`,
    )
  if (need.write && p.readOnly) throw new AppError('read_only_token', 'this token is read-only')
  if (need.role === 'admin' && p.role !== 'admin')
    throw new AppError('not_admin', `only admins of '${org.slug}' can do this`)
}

export function requireOperator(ctx: ServiceContext): void {
  if (ctx.principal.kind !== 'operator')
    throw new AppError('forbidden', 'only the server operator can do this')
}
