import type { PageQuery } from '../../contract/common.js'
import type { Role } from '../../contract/common.js'
import type { Removal } from '../../contract/users.js'
import { newId } from '../../domain/ids.js'
import { quote } from '../../domain/terminal-controls.js'
import { prepareQuery } from '../../storage/prepared.js'
import type { Executor, ServiceContext } from '../context.js'
import { AppError, notFound } from '../errors.js'
import { inTransaction, lockMemberships, lockRows, type Tx } from '../transaction.js'
import { authorizeOrg } from './access.js'
import { audit } from './audit.js'
import { runBulk, type BulkOptions } from './bulk.js'
import { lockForRemoval, releaseMember } from './member-removal.js'
import { mapPage, paginate } from './paging.js'
import { presentMember } from './presenters.js'

/**
 * Users are global identities keyed by email; membership makes them part of an organization. Two
 * organizations adding the same new person at once (PostgreSQL, read committed) both miss the
 * row: the second insert waits for the first, does nothing, and reads the first one's user — no
 * unique violation (it was a 500).
 */
export async function ensureUser(db: Executor, email: string, name: string | null, now: number) {
  const found = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst()
  if (found) return found
  const user = { id: newId('usr', now), email, name, created_at: now }
  const inserted = await db
    .insertInto('users')
    .values(user)
    .onConflict((oc) => oc.column('email').doNothing())
    .executeTakeFirst()
  if (Number(inserted.numInsertedOrUpdatedRows ?? 1n) > 0) return user
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow()
}

/**
 * One table in FROM and the user found by a subquery, not a join: SQLite marks a join with a bound
 * `=` term to be planned again whenever the parameter is rebound, and better-sqlite3 rebinds on every
 * run, so the joined form was parsed and planned anew on each checkout (~40 µs).
 */
const memberByEmail = prepareQuery((db, orgId: string, email: string) =>
  db
    .selectFrom('memberships')
    .select((eb) => [
      'memberships.user_id as userId',
      eb.selectFrom('users').select('users.name').whereRef('users.id', '=', 'memberships.user_id').as('name'),
      'memberships.role',
      'memberships.created_at',
    ])
    .where('memberships.org_id', '=', orgId)
    .where('memberships.user_id', '=', (eb) =>
      eb.selectFrom('users').select('users.id').where('users.email', '=', email),
    ),
)

/** The one answer for an email that names no member of the organization. */
const memberNotFound = (email: string) => notFound(`member ${quote(email)} not found`)

/**
 * A list filtered by user names a member, else it is 404 (`member 'x' not found`), not an empty
 * list: a typo must not pass for "nothing here". Removing a member releases what they held, so a
 * non-member matches nothing a filter could find anyway.
 */
export async function assertMemberExists(db: Executor, orgId: string, email: string): Promise<void> {
  if (!(await memberByEmail.takeFirst(db, orgId, email))) throw memberNotFound(email)
}

/** The member row for an email in an organization, or a not_a_member refusal. */
export async function requireMember(db: Executor, orgId: string, email: string) {
  const row = await memberByEmail.takeFirst(db, orgId, email)
  if (!row) throw new AppError('not_a_member', `${email} is not a member of this organization`, { email })
  // The email matched exactly (`=`), so it is the one asked for.
  return { userId: row.userId, email, name: row.name, role: row.role, created_at: row.created_at }
}

export async function listMembers(
  ctx: ServiceContext,
  slug: string,
  q: PageQuery & { role?: Role | undefined },
) {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: false })
  let query = ctx.db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.email', 'users.name', 'memberships.role', 'memberships.created_at'])
    .where('memberships.org_id', '=', org.id)
  if (q.role) query = query.where('memberships.role', '=', q.role)
  const page = await paginate(query, {
    limit: q.limit,
    cursor: q.cursor,
    keys: [{ column: 'users.email', value: (r) => r.email }],
  })
  return mapPage(page, presentMember)
}

export interface AddUserItem {
  email: string
  name?: string | undefined
  role?: Role | undefined
}

export async function addUsers(
  ctx: ServiceContext,
  slug: string,
  items: AddUserItem[],
  { dryRun, prior }: BulkOptions<AddUserItem>,
) {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: !dryRun })
  const now = ctx.clock.now()
  return runBulk(ctx, {
    orgId: org.id,
    action: 'user.add.bulk',
    target: org.slug,
    dryRun,
    prior,
    items,
    label: (i) => i.email,
    apply: async (trx, item) => {
      const user = await ensureUser(trx, item.email, item.name ?? null, now)
      const name = nameNote(user.name, item.name)
      const existing = await trx
        .selectFrom('memberships')
        .select('role')
        .where('org_id', '=', org.id)
        .where('user_id', '=', user.id)
        .executeTakeFirst()
      if (existing) {
        if (!item.role || item.role === existing.role)
          return { changed: false, details: { role: existing.role, ...name } }
        // An HR export saying "member" on every row, the admin's own among them: the next batch would
        // be refused for want of an admin (and its dry run foresaw nothing). Stepping down is set-role.
        if (ctx.principal.kind === 'user' && ctx.principal.userId === user.id && item.role !== 'admin')
          throw new AppError(
            'cannot_demote_self',
            `${item.email} is you: adding users never demotes the admin doing it (the rest of the job would be refused); to step down, use orgs users set-role (PATCH /v1/orgs/{org}/users/{email})`,
          )
        await changeRole(trx, ctx, org.id, user.id, item.email, existing.role, item.role)
        return { changed: true, details: { role: item.role, ...name } }
      }
      const role = item.role ?? 'member'
      await trx
        .insertInto('memberships')
        .values({ org_id: org.id, user_id: user.id, role, created_at: now })
        .execute()
      await audit(trx, ctx, {
        orgId: org.id,
        action: 'user.add',
        target: item.email,
        after: { role },
      })
      return { changed: true, details: { role, ...name } }
    },
  })
}

/**
 * A row naming a user already on record under another name (or none): adding never renames. A
 * user's name is theirs across every organization they belong to, so an admin of one must not
 * change what the others see; the row says so instead of dropping the name it was given silently.
 */
function nameNote(onRecord: string | null, given: string | undefined) {
  return given === undefined || given === onRecord ? {} : { nameOnRecord: onRecord, nameGiven: given }
}

async function changeRole(
  trx: Tx,
  ctx: ServiceContext,
  orgId: string,
  userId: string,
  email: string,
  from: Role,
  to: Role,
) {
  if (from === 'admin' && to !== 'admin') await assertNotLastAdmin(trx, orgId, email)
  await trx
    .updateTable('memberships')
    .set({ role: to })
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .execute()
  await audit(trx, ctx, {
    orgId,
    action: 'user.set-role',
    target: email,
    before: { role: from },
    after: { role: to },
  })
}

async function assertNotLastAdmin(db: Tx, orgId: string, email: string) {
  // The organization's row is locked first: two requests stepping down the last two admins at once
  // would each count two and each go through, leaving none (PostgreSQL; SQLite runs one at a time).
  // FOR NO KEY UPDATE: it serializes these counts alone. FOR UPDATE would also hold off, until this
  // transaction ends, every insert whose foreign key names the organization (a device, a member, a
  // token, an activation ID: test/concurrency/org-lock-mode.test.ts). Audit entries have no such key.
  await lockRows(db, 'organizations', [orgId], 'no key update')
  const { n } = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow()
  if (Number(n) <= 1)
    throw new AppError('last_admin', `${email} is the last admin; make another member admin first`)
}

export async function setRole(ctx: ServiceContext, slug: string, email: string, role: Role) {
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'admin', write: true }, trx)
    const member = await requireMember(trx, org.id, email).catch((e: unknown) => {
      throw e instanceof AppError && e.code === 'not_a_member' ? memberNotFound(email) : e
    })
    const changed = member.role !== role
    if (changed) await changeRole(trx, ctx, org.id, member.userId, email, member.role, role)
    return { ...presentMember({ ...member, role }), changed }
  })
}

/**
 * Removes a member and, in the same transaction, everything that let them use the organization's
 * licenses: every topic registered with onMemberRemoved (member-removal.ts) releases its part first.
 * The caller has locked the membership (`lockMemberships`, for update).
 */
export async function removeMember(
  trx: Tx,
  ctx: ServiceContext,
  orgId: string,
  email: string,
  now: number,
): Promise<Removal | null> {
  const member = await trx
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id as userId', 'memberships.role'])
    .where('memberships.org_id', '=', orgId)
    .where('users.email', '=', email)
    .executeTakeFirst()
  // The membership is locked already (removeUsers' lockFirst, before any row): a checkout or an
  // assignment racing this removal waits for it (and finds no member), or went first and is
  // released with the rest; one removed meanwhile by another request is not found above.
  if (!member) return null
  if (member.role === 'admin') await assertNotLastAdmin(trx, orgId, email)
  // Removal revokes the member's tokens, the one making this request among them: a bulk job would
  // stop at its next batch (what its dry run did not foresee), and a re-run could not finish it.
  if (ctx.principal.kind === 'user' && ctx.principal.userId === member.userId)
    throw new AppError(
      'cannot_remove_self',
      `${email} is you: you cannot remove yourself (another admin, or the operator, can)`,
    )
  const { releases, fields } = await releaseMember({ trx, ctx, orgId, userId: member.userId, email, now })
  await trx
    .deleteFrom('memberships')
    .where('org_id', '=', orgId)
    .where('user_id', '=', member.userId)
    .execute()
  const removal = { email, ...fields, releases } as Removal
  await audit(trx, ctx, {
    orgId,
    action: 'user.remove',
    target: email,
    before: { role: member.role },
    after: removal,
  })
  return removal
}

export async function removeUsers(
  ctx: ServiceContext,
  slug: string,
  emails: string[],
  { dryRun, prior }: BulkOptions<string>,
) {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: !dryRun })
  const now = ctx.clock.now()
  return runBulk(ctx, {
    orgId: org.id,
    action: 'user.remove.bulk',
    target: org.slug,
    dryRun,
    prior,
    items: emails,
    label: (e) => e,
    // Every member of the batch first, sorted (removeMember locks each again, already held): the lock
    // order is the membership, then the pool, and a row locking its member after an earlier row
    // released seats of a pool would hold that pool while a checkout held the member and waited for it.
    lockFirst: async (trx, items) => {
      const members = await trx
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select('users.id')
        .where('memberships.org_id', '=', org.id)
        .where('users.email', 'in', [...new Set(items)])
        .execute()
      const ids = members.map((m) => m.id)
      await lockMemberships(trx, org.id, ids, 'update')
      // Then the pools their seats and add-ons are in, sorted: a hook would lock each as it comes to
      // it, in the order of the batch, and two removals at once took two pools in opposite orders.
      await lockForRemoval(trx, org.id, ids)
    },
    apply: async (trx, email) => {
      const removal = await removeMember(trx, ctx, org.id, email, now)
      if (!removal) return { changed: false }
      return { changed: true, details: { ...removal } }
    },
  })
}

export async function removeUser(ctx: ServiceContext, slug: string, email: string): Promise<Removal> {
  const result = await removeUsers(ctx, slug, [email], { dryRun: false })
  const row = result.results[0]!
  if (row.status === 'failed')
    throw new AppError((row.code ?? 'rule_violation') as 'rule_violation', row.message ?? 'refused')
  if (row.status === 'already-so') throw memberNotFound(email)
  return row.details as Removal
}
