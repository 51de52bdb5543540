import { AppError, notFound } from '../errors.js'
import type { Executor, Principal, ServiceContext } from '../context.js'
import type { Database } from '../../storage/schema.js'
import { prepareQuery } from '../../storage/prepared.js'
import { quote } from '../../domain/terminal-controls.js'

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
 * Finds the organization and checks that the caller may act on it. A user token acts only for its
 * own organization: naming any other is 403 `wrong_organization`, decided before the lookup from
 * the token alone, so the answer is the same whether the named organization exists or not and no
 * token learns which slugs exist. Only callers who may see an organization (the operator, or a
 * token naming its own) can get its 404. Within its own organization, members asking for admin
 * work and read-only tokens writing are 403.
 */
export async function authorizeOrg(
  ctx: ServiceContext,
  slug: string,
  need: AccessNeed,
  db: Executor = ctx.db,
): Promise<OrgRow> {
  assertActsFor(ctx.principal, slug)
  const org = await orgBySlug.takeFirst(db, slug)
  if (!org) throw orgNotFound(slug)
  assertAccess(ctx, org, need)
  return org
}

export function assertAccess(ctx: ServiceContext, org: OrgRow, need: AccessNeed): void {
  const p = ctx.principal
  if (p.kind === 'operator') return
  // Before any other refusal, and from the token alone (see assertActsFor).
  if (p.orgId !== org.id) throw wrongOrganization(p.orgSlug, org.slug)
  if (need.role === 'operator') throw operatorOnly()
  if (need.write && p.readOnly) throw new AppError('read_only_token', 'this token is read-only')
  if (need.role === 'admin' && p.role !== 'admin')
    throw new AppError('not_admin', `only admins of '${org.slug}' can do this`)
}

/**
 * A user token names its own organization or is refused, whatever the slug names (the operator may
 * act on every organization). Compares the slug with the token's own only: nothing is looked up,
 * so the refusal cannot depend on whether the named organization exists, nor on whether the
 * token's user is also a member of it (a token is per user and per organization).
 */
export function assertActsFor(p: Principal, slug: string): void {
  if (p.kind === 'user' && slug !== p.orgSlug) throw wrongOrganization(p.orgSlug, slug)
}

export function requireOperator(ctx: ServiceContext): void {
  if (ctx.principal.kind !== 'operator') throw operatorOnly()
}

/**
 * The answer to a user token on operator work (exit 4), saying which token does it: an admin with a
 * profile of their own organization (README's quick start) otherwise sends its token with every call,
 * `--org` included, and would not know the operator's is needed, nor how to send it. Its details
 * say so to programs (`requires: operator`): the CLI then points at a local operator profile.
 */
export function operatorOnly(): AppError {
  return new AppError(
    'forbidden',
    'only the server operator can do this: use the operator token that `licctl server init` printed (LICCTL_TOKEN=<operator token> licctl …)',
    { requires: 'operator' },
  )
}

/** The answer to a user token naming another organization than its own (exit 4). */
export function wrongOrganization(own: string, named: string): AppError {
  return new AppError('wrong_organization', `this token acts for organization '${own}', not '${named}'`)
}

/** An organization that does not exist, told only to callers who may see it (operator, own token). */
export function orgNotFound(slug: string): AppError {
  return notFound(`organization ${quote(slug)} not found`)
}
