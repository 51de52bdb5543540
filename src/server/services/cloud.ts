import type {
  AddonAssignment,
  AddonItem,
  AddonPool,
  AssignmentsQuery,
  Entitlement,
  ProvisionAddonBody,
  RetiredAddonPool,
  UpdateAddonBody,
} from '../../contract/cloud.js'
import type { PageQuery } from '../../contract/common.js'
import { toIso, toIsoOrNull } from '../../domain/clock.js'
import { lastValidDay } from '../../domain/dates.js'
import { newId } from '../../domain/ids.js'
import { allOf, isAre } from '../../domain/plural.js'
import { quote } from '../../domain/terminal-controls.js'
import { insertRows } from '../../storage/insert-rows.js'
import type { Database } from '../../storage/schema.js'
import type { Executor, ServiceContext } from '../context.js'
import { actorName } from '../context.js'
import { AppError, invalidField, notFound } from '../errors.js'
import { inTransaction, lockMemberships, lockRows } from '../transaction.js'
import { authorizeOrg, type OrgRow } from './access.js'
import { audit, auditMany, type AuditInput } from './audit.js'
import './cloud-expiry.js'
import {
  assertValid,
  expiredError,
  isExpired,
  notExpiredAtOnce,
  notExpiredOnArrival,
  validUntil,
} from './expiry.js'
import { runBulk, type BulkOptions, type RowOutcome } from './bulk.js'
// Registers what removing a member revokes of the add-ons (loaded with the routes through this module).
import './cloud-release.js'
import { mapPage, paginate } from './paging.js'
import { retireExpired, retiredAt, unretired } from './retire.js'
import { assertMemberExists } from './users.js'

type AddonRow = Database['addon_pools']

const ASSIGNMENT_COLUMNS = [
  'addon_id',
  'user_id',
  'assigned_at',
  'assigned_by',
] as const satisfies ReadonlyArray<keyof Database['addon_assignments']>

export function presentAddon(row: AddonRow, org: OrgRow, now: number): AddonPool {
  const expired = isExpired(row.expires_at, now)
  return {
    key: row.key,
    name: row.name,
    total: row.total,
    assigned: row.assigned,
    // What an assignment can get: none from an expired add-on (total - assigned are merely unassigned).
    free: expired ? 0 : row.total - row.assigned,
    expiresAt: toIso(row.expires_at),
    validThrough: lastValidDay(row.expires_at, org.time_zone),
    expired,
    retiredAt: toIsoOrNull(retiredAt(row)),
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  }
}

async function findAddon(db: Executor, orgId: string, key: string): Promise<AddonRow> {
  const row = await db
    .selectFrom('addon_pools')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .executeTakeFirst()
  if (!row) throw notFound(`add-on ${quote(key)} not found`)
  return row
}

/** The operator records an add-on the organization bought: N user licenses until an expiration. */
export async function provisionAddon(
  ctx: ServiceContext,
  slug: string,
  body: ProvisionAddonBody,
): Promise<AddonPool> {
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'operator', write: true }, trx)
    const taken = await trx
      .selectFrom('addon_pools')
      .select('id')
      .where('org_id', '=', org.id)
      .where('key', '=', body.key)
      .executeTakeFirst()
    if (taken)
      throw new AppError(
        'already_exists',
        `add-on '${body.key}' already exists; use update to change its total or expiration`,
      )
    const row: AddonRow = {
      id: newId('ao', now),
      org_id: org.id,
      key: body.key,
      name: body.name,
      total: body.total,
      assigned: 0,
      expires_at: validUntil(body.expires, org, { now, future: notExpiredOnArrival('the add-on pool') }),
      created_at: now,
      updated_at: now,
      retired_at: null,
    }
    await trx.insertInto('addon_pools').values(row).execute()
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'cloud.provision',
      target: row.key,
      before: { total: 0 },
      after: { name: row.name, total: row.total, expiresAt: toIso(row.expires_at) },
    })
    return presentAddon(row, org, now)
  })
}

/**
 * The operator changes an add-on's display name, total or expiration. The total never drops below
 * the licenses assigned: the update is conditional (and the CHECK constraint backs it), so a
 * concurrent assignment cannot slip past it.
 */
export async function updateAddon(
  ctx: ServiceContext,
  slug: string,
  key: string,
  body: UpdateAddonBody,
): Promise<AddonPool> {
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'operator', write: true }, trx)
    const before = await findAddon(trx, org.id, key)
    const changes = {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.total !== undefined ? { total: body.total } : {}),
      // Renewed: an add-on retired when it was not is current again.
      ...(body.expires !== undefined
        ? {
            expires_at: validUntil(body.expires, org, { now, future: notExpiredAtOnce('the add-on pool') }),
            retired_at: null,
          }
        : {}),
    }
    // The same update again (a provisioning script re-run) is no change: no entry in the audit log
    // and updatedAt kept, as `orgs update` does.
    if (Object.entries(changes).every(([column, value]) => before[column as keyof typeof changes] === value))
      return presentAddon(before, org, now)
    let update = trx
      .updateTable('addon_pools')
      .set({ ...changes, updated_at: now })
      .where('id', '=', before.id)
    if (body.total !== undefined) update = update.where('assigned', '<=', body.total)
    const after = await update.returningAll().executeTakeFirst()
    if (!after) {
      const { assigned } = await findAddon(trx, org.id, key)
      throw new AppError(
        'total_below_assigned',
        `cannot lower the total of '${key}' to ${body.total}: ${assigned} ${isAre(assigned)} assigned; revoke ${assigned === 1 ? 'it' : 'some'} first`,
        { total: body.total, assigned },
      )
    }
    const shape = (r: AddonRow) => ({ name: r.name, total: r.total, expiresAt: toIso(r.expires_at) })
    const retirement = unretired(before, after)
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'cloud.update',
      target: key,
      before: { ...shape(before), ...retirement.before },
      after: { ...shape(after), ...retirement.after },
    })
    return presentAddon(after, org, now)
  })
}

/**
 * An admin retires an add-on pool the organization did not renew, once expired: it leaves
 * `expiry check`, stays listed (retired) with its assignments, and refuses assignment and the
 * entitlement check as any expired add-on does.
 */
export async function retireAddon(ctx: ServiceContext, slug: string, key: string): Promise<RetiredAddonPool> {
  return retireExpired(ctx, slug, {
    table: 'addon_pools',
    action: 'cloud.retire',
    target: key,
    thing: `add-on pool '${key}'`,
    find: (trx, orgId) => findAddon(trx, orgId, key),
    present: async (_trx, row, org, now) => presentAddon(row, org, now),
  })
}

/** Every add-on of the organization with total, assigned, free and expiration (members may read). */
export async function listAddons(ctx: ServiceContext, slug: string, q: PageQuery) {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: false })
  const now = ctx.clock.now()
  const query = ctx.db.selectFrom('addon_pools').selectAll().where('org_id', '=', org.id)
  const page = await paginate(query, {
    limit: q.limit,
    cursor: q.cursor,
    keys: [{ column: 'key', value: (r) => r.key }],
  })
  return mapPage(page, (r) => presentAddon(r, org, now))
}

/**
 * Who holds which add-on, ordered by add-on then email. Admins see everyone; a member sees their
 * own assignments only. A filter naming an add-on or a member the organization does not have is
 * 404 (as `cloud check` of an unknown add-on); one that matches nothing is an empty page.
 */
export async function listAssignments(ctx: ServiceContext, slug: string, q: AssignmentsQuery) {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: false })
  const p = ctx.principal
  let user = q.user
  if (p.kind === 'user' && p.role !== 'admin') {
    if (user !== undefined && user !== p.email)
      throw new AppError('not_admin', `only admins of '${org.slug}' can list other members’ add-ons`)
    user = p.email
  }
  let query = ctx.db
    .selectFrom('addon_assignments')
    .innerJoin('addon_pools', 'addon_pools.id', 'addon_assignments.addon_id')
    .innerJoin('users', 'users.id', 'addon_assignments.user_id')
    .select([
      'addon_pools.key',
      'addon_pools.name as addonName',
      'users.email',
      'users.name',
      'addon_assignments.assigned_at',
      'addon_assignments.assigned_by',
    ])
    .where('addon_pools.org_id', '=', org.id)
  if (q.addon !== undefined) {
    await findAddon(ctx.db, org.id, q.addon)
    query = query.where('addon_pools.key', '=', q.addon)
  }
  if (q.user !== undefined) await assertMemberExists(ctx.db, org.id, q.user)
  if (user !== undefined) query = query.where('users.email', '=', user)
  const page = await paginate(query, {
    limit: q.limit,
    cursor: q.cursor,
    keys: [
      { column: 'addon_pools.key', value: (r) => r.key },
      { column: 'users.email', value: (r) => r.email },
    ],
  })
  return mapPage(page, (r): AddonAssignment => ({
    addon: r.key,
    addonName: r.addonName,
    email: r.email,
    name: r.name,
    assignedAt: toIso(r.assigned_at),
    assignedBy: r.assigned_by,
  }))
}

/**
 * What a bulk request on an add-on acts on: admins only (a dry run, which changes nothing, with a
 * read-only token too); an unknown add-on is a 404 for the whole request.
 */
async function bulkTarget(ctx: ServiceContext, slug: string, key: string, dryRun: boolean) {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: !dryRun })
  const pool = await findAddon(ctx.db, org.id, key)
  return { org, pool, now: ctx.clock.now() }
}

/**
 * Assigns an add-on to members through the bulk engine: per row, a non-member, an expired pool or a
 * pool with no free license is refused; a user who already holds it is "already so". A batch is a
 * handful of set-based statements. The pool's count only moves through a guarded UPDATE
 * (`assigned + n <= total`, backed by the CHECK constraint), and an assignment only exists through
 * the (add-on, user) primary key, so no interleaving of requests or server processes can
 * over-assign or assign twice. An unknown add-on refuses the whole request (404) before any row.
 */
export async function assignAddon(
  ctx: ServiceContext,
  slug: string,
  key: string,
  items: readonly AddonItem[],
  opts: BulkOptions<AddonItem>,
) {
  const { org, pool, now } = await bulkTarget(ctx, slug, key, opts.dryRun)
  const by = actorName(ctx.principal)
  const expired = isExpired(pool.expires_at, now)
    ? expiredError(`${pool.name} ('${key}')`, pool.expires_at, org, now)
    : undefined
  return runBulk(ctx, {
    orgId: org.id,
    action: 'cloud.assign.bulk',
    target: key,
    dryRun: opts.dryRun,
    prior: opts.prior,
    items,
    label: (i) => i.email,
    applyBatch: async (trx, batch) => {
      // The members' rows first (key share, sorted): a removal of one of them at the same moment
      // waits for this batch (and revokes what it assigned) or went first (and the row fails
      // not_a_member). Then, in one order for every bulk job: the pool row, then assignment rows.
      const userIds = await memberIds(trx, org.id, batch)
      const still = await lockMemberships(trx, org.id, [...userIds.values()], 'key share')
      if (still) for (const [email, id] of userIds) if (!still.has(id)) userIds.delete(email)
      await lockRows(trx, 'addon_pools', [pool.id])
      const outcomes: Array<RowOutcome | AppError> = []
      const held = await heldBy(trx, pool.id, [...userIds.values()])
      // Rows that may take a license, in row order (a user named twice: the second is already so).
      const wanted: Array<{ index: number; userId: string; email: string }> = []
      for (const [index, { email }] of batch.entries()) {
        const userId = userIds.get(email)
        if (userId === undefined)
          outcomes[index] = new AppError('not_a_member', `${email} is not a member of this organization`, {
            email,
          })
        else if (held.has(userId)) outcomes[index] = { changed: false }
        else if (expired) outcomes[index] = expired
        else {
          held.add(userId)
          wanted.push({ index, userId, email })
        }
      }
      if (wanted.length === 0) return outcomes
      const byUserId = [...wanted].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
      // Insert first: a concurrent request that assigned one of these users wins the primary key,
      // and that row is already so.
      const inserted = new Set(
        (
          await insertRows(
            trx,
            'addon_assignments',
            ASSIGNMENT_COLUMNS,
            byUserId.map((w) => ({
              addon_id: pool.id,
              user_id: w.userId,
              assigned_at: now,
              assigned_by: by,
            })),
            'on conflict ("addon_id", "user_id") do nothing returning "user_id"',
          )
        ).map((r) => r.user_id as string),
      )
      const fresh = wanted.filter((w) => inserted.has(w.userId))
      for (const w of wanted) if (!inserted.has(w.userId)) outcomes[w.index] = { changed: false }
      const { before, count } = await takeLicenses(trx, pool.id, fresh.length, now)
      const granted = fresh.slice(0, count)
      const refused = fresh.slice(count)
      if (refused.length > 0) {
        await trx
          .deleteFrom('addon_assignments')
          .where('addon_id', '=', pool.id)
          .where('user_id', 'in', refused.map((r) => r.userId).sort())
          .execute()
        const full = new AppError(
          'no_free_license',
          `no free ${pool.name} license: ${allOf(pool.total, 'assigned')}`,
          {
            key,
          },
        )
        for (const r of refused) outcomes[r.index] = full
      }
      for (const g of granted) outcomes[g.index] = { changed: true }
      await auditMany(
        trx,
        ctx,
        granted.map((g, i) => ({
          orgId: org.id,
          action: 'cloud.assign',
          target: `${key}/${g.email}`,
          before: { assigned: before + i },
          after: { assigned: before + i + 1 },
        })),
      )
      return outcomes
    },
  })
}

/**
 * The user ids of the batch's emails that are members of the organization. Two indexed lookups
 * (users by email, then memberships by primary key) rather than a join the planner might drive
 * from every membership of a large organization.
 */
async function memberIds(
  db: Executor,
  orgId: string,
  batch: readonly AddonItem[],
): Promise<Map<string, string>> {
  const users = await usersByEmail(db, batch)
  if (users.length === 0) return new Map()
  const members = new Set(
    (
      await db
        .selectFrom('memberships')
        .select('user_id')
        .where('org_id', '=', orgId)
        .where(
          'user_id',
          'in',
          users.map((u) => u.id),
        )
        .execute()
    ).map((m) => m.user_id),
  )
  return new Map(users.filter((u) => members.has(u.id)).map((u) => [u.email, u.id]))
}

function usersByEmail(db: Executor, batch: readonly AddonItem[]) {
  return db
    .selectFrom('users')
    .select(['id', 'email'])
    .where(
      'email',
      'in',
      batch.map((i) => i.email),
    )
    .execute()
}

/** Which of these users hold the add-on. */
async function heldBy(db: Executor, addonId: string, userIds: string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set()
  const rows = await db
    .selectFrom('addon_assignments')
    .select('user_id')
    .where('addon_id', '=', addonId)
    .where('user_id', 'in', userIds)
    .execute()
  return new Set(rows.map((r) => r.user_id))
}

/**
 * Takes up to `wanted` free licenses from a pool with one guarded UPDATE, so `assigned` never passes
 * `total` whatever runs beside it. When fewer are free, takes what is free (re-reading the count
 * until the guarded update holds). Returns the count before and how many were taken.
 */
async function takeLicenses(
  db: Executor,
  poolId: string,
  wanted: number,
  now: number,
): Promise<{ before: number; count: number }> {
  let n = wanted
  while (n > 0) {
    const take = n
    const row = await db
      .updateTable('addon_pools')
      .set((eb) => ({ assigned: eb('assigned', '+', take), updated_at: now }))
      .where('id', '=', poolId)
      .where((eb) => eb(eb('assigned', '+', take), '<=', eb.ref('total')))
      .returning('assigned')
      .executeTakeFirst()
    if (row) return { before: row.assigned - take, count: take }
    const pool = await db
      .selectFrom('addon_pools')
      .select(['assigned', 'total'])
      .where('id', '=', poolId)
      .executeTakeFirstOrThrow()
    n = Math.min(n - 1, pool.total - pool.assigned)
  }
  return { before: 0, count: 0 }
}

/**
 * Revokes an add-on from users through the bulk engine; the licenses go back to the pool at once.
 * A user who does not hold it (a member or not) is "already so". Works on expired pools too.
 */
export async function revokeAddon(
  ctx: ServiceContext,
  slug: string,
  key: string,
  items: readonly AddonItem[],
  opts: BulkOptions<AddonItem>,
) {
  const { org, pool, now } = await bulkTarget(ctx, slug, key, opts.dryRun)
  return runBulk(ctx, {
    orgId: org.id,
    action: 'cloud.revoke.bulk',
    target: key,
    dryRun: opts.dryRun,
    prior: opts.prior,
    items,
    label: (i) => i.email,
    applyBatch: async (trx, batch) => {
      // The same lock order as assigning: the pool row first, then assignment rows by user id.
      await lockRows(trx, 'addon_pools', [pool.id])
      const users = (await usersByEmail(trx, batch)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      const gone =
        users.length === 0
          ? new Set<string>()
          : new Set(
              (
                await trx
                  .deleteFrom('addon_assignments')
                  .where('addon_id', '=', pool.id)
                  .where(
                    'user_id',
                    'in',
                    users.map((u) => u.id),
                  )
                  .returning('user_id')
                  .execute()
              ).map((r) => r.user_id),
            )
      const revoked = users.filter((u) => gone.has(u.id)).map((u) => u.email)
      let after = 0
      if (revoked.length > 0) {
        ;({ assigned: after } = await trx
          .updateTable('addon_pools')
          .set((eb) => ({ assigned: eb('assigned', '-', revoked.length), updated_at: now }))
          .where('id', '=', pool.id)
          .returning('assigned')
          .executeTakeFirstOrThrow())
      }
      // Audit in row order, counting down to the final count.
      const pending = new Set(revoked)
      const entries: AuditInput[] = []
      const outcomes = batch.map(({ email }): RowOutcome => {
        if (!pending.delete(email)) return { changed: false }
        const count = after + revoked.length - entries.length
        entries.push({
          orgId: org.id,
          action: 'cloud.revoke',
          target: `${key}/${email}`,
          before: { assigned: count },
          after: { assigned: count - 1 },
        })
        return { changed: true }
      })
      await auditMany(trx, ctx, entries)
      return outcomes
    },
  })
}

/**
 * The entitlement check a desktop or web client makes before using an add-on. A user without it is
 * refused with `cloud_license_required` and "<Add-on name> License Required", whatever other
 * licenses they hold; one whose add-on has expired is refused with `pool_expired`. Members check
 * themselves; admins (and the operator) may check anyone.
 */
export async function checkEntitlement(
  ctx: ServiceContext,
  slug: string,
  key: string,
  userEmail: string | undefined,
): Promise<Entitlement> {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: false })
  const p = ctx.principal
  const email = userEmail ?? (p.kind === 'user' ? p.email : undefined)
  // Named as a field, so that the CLI names its argument (EMAIL) as it does for the contract's issues.
  if (email === undefined)
    throw invalidField(
      'query.user',
      "required with the operator's token: name the member to check, or check with the member's own token",
    )
  if (p.kind === 'user' && p.role !== 'admin' && email !== p.email)
    throw new AppError('not_admin', `only admins of '${org.slug}' can check another member’s add-ons`)
  const pool = await findAddon(ctx.db, org.id, key)
  const held = await ctx.db
    .selectFrom('addon_assignments')
    .innerJoin('users', 'users.id', 'addon_assignments.user_id')
    .select('addon_assignments.assigned_at')
    .where('addon_assignments.addon_id', '=', pool.id)
    .where('users.email', '=', email)
    .executeTakeFirst()
  if (!held)
    throw new AppError('cloud_license_required', `${pool.name} License Required`, { addon: key, email })
  const now = ctx.clock.now()
  assertValid(`${pool.name} ('${key}')`, pool.expires_at, org, now, { addon: key, email })
  return {
    addon: key,
    addonName: pool.name,
    email,
    licensed: true,
    assignedAt: toIso(held.assigned_at),
    expiresAt: toIso(pool.expires_at),
    validThrough: lastValidDay(pool.expires_at, org.time_zone),
  }
}
