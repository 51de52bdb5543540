import type { ReleaseBody, ReleaseItem } from '../../contract/seats.js'
import { toIso } from '../../domain/clock.js'
import { timeIn } from '../../domain/dates.js'
import { formatDuration } from '../../domain/duration.js'
import { quote } from '../../domain/terminal-controls.js'
import type { ServiceContext } from '../context.js'
import { lockRows, type Tx } from '../transaction.js'
import { AppError, notFound } from '../errors.js'
import { authorizeOrg } from './access.js'
import { audit, type AuditSource } from './audit.js'
import { runBulk } from './bulk.js'
import { onMemberRemoved } from './member-removal.js'
import { leasesOf, leaseState, type LeaseRow } from './seats-leases.js'
import { requireMember } from './users.js'

interface HeldLease {
  id: string
  pool_id: string
  user_id: string
  host: string
  email: string
  product: string
  started_at: number
  last_heartbeat_at: number
  roaming_until: number | null
}

/**
 * Frees one seat: deletes the lease, records it as released (whose it was and how it stood, for a
 * second checkin) and decrements its pool's count, in the caller's transaction. Returns false when
 * the lease was already gone (a concurrent release), changing nothing.
 */
export async function releaseLease(
  db: Tx,
  ctx: AuditSource,
  now: number,
  orgId: string,
  lease: HeldLease,
  action: string,
  reason: string,
  /**
   * Only while its last heartbeat is still this one (an admin's release that found the seat idle):
   * a heartbeat that lands after the lease was read (on PostgreSQL, from another process: heartbeats
   * lock no pool row) means the app is running, and the release is refused as `lease_active` instead
   * of freeing a seat whose app was just told it still holds it.
   */
  idleSince?: number,
): Promise<boolean> {
  // The lock order of checkouts: the pool row first, then the lease.
  await lockRows(db, 'seat_pools', [lease.pool_id])
  let remove = db.deleteFrom('leases').where('id', '=', lease.id)
  if (idleSince !== undefined) remove = remove.where('last_heartbeat_at', '=', idleSince)
  const gone = await remove.executeTakeFirst()
  if (gone.numDeletedRows === 0n) {
    if (idleSince === undefined) return false
    const beat = await db
      .selectFrom('leases')
      .select('last_heartbeat_at')
      .where('id', '=', lease.id)
      .executeTakeFirst()
    if (!beat) return false
    throw new AppError(
      'lease_active',
      `${lease.email} on ${lease.host} sent a heartbeat while the seat was being released: the seat looks in use`,
      {
        leaseId: lease.id,
        lastHeartbeatAt: toIso(Number(beat.last_heartbeat_at)),
        leases: [{ leaseId: lease.id, lastHeartbeatAt: toIso(Number(beat.last_heartbeat_at)) }],
      },
    )
  }
  await db
    .insertInto('released_leases')
    .values({
      id: lease.id,
      pool_id: lease.pool_id,
      released_at: now,
      user_id: lease.user_id,
      host: lease.host,
      started_at: lease.started_at,
      last_heartbeat_at: lease.last_heartbeat_at,
      roaming_until: lease.roaming_until,
    })
    .execute()
  const pool = await db
    .updateTable('seat_pools')
    .set((eb) => ({ used: eb('used', '-', 1), updated_at: now }))
    .where('id', '=', lease.pool_id)
    .returning('used')
    .executeTakeFirstOrThrow()
  await audit(db, ctx, {
    orgId,
    action,
    target: `${lease.product}/${lease.id}`,
    before: { used: pool.used + 1, user: lease.email, host: lease.host },
    after: { used: pool.used, reason },
  })
  return true
}

/**
 * Releases every lease a user holds in an organization's seat pools, in the caller's transaction
 * (removing a member calls this).
 */
export async function releaseLeasesOfUser(
  db: Tx,
  ctx: AuditSource,
  now: number,
  orgId: string,
  userId: string,
) {
  // In pool order, as `lock` below took them (already held).
  const leases = await leasesOf(db, orgId)
    .where('leases.user_id', '=', userId)
    .orderBy('leases.pool_id')
    .orderBy('leases.id')
    .execute()
  const released = []
  for (const lease of leases) {
    if (await releaseLease(db, ctx, now, orgId, lease, 'seats.release', 'member removed'))
      released.push({ product: lease.product, host: lease.host, leaseId: lease.id })
  }
  return released
}

onMemberRemoved({
  topic: 'seats',
  noun: 'seats',
  action: 'released',
  order: 10,
  lock: async (trx, orgId, userIds) => {
    const pools = await trx
      .selectFrom('leases')
      .innerJoin('seat_pools', 'seat_pools.id', 'leases.pool_id')
      .select('leases.pool_id')
      .distinct()
      .where('seat_pools.org_id', '=', orgId)
      .where('leases.user_id', 'in', userIds)
      .orderBy('leases.pool_id')
      .execute()
    await lockRows(
      trx,
      'seat_pools',
      pools.map((p) => p.pool_id),
    )
  },
  hook: async ({ trx, ctx, orgId, userId, now }) => {
    const released = await releaseLeasesOfUser(trx, ctx, now, orgId, userId)
    return {
      count: released.length,
      items: released.map((l) => `${l.product} on ${l.host}`),
      fields: { leasesReleased: released },
    }
  },
})

/**
 * Releases leases by id or by user, through the bulk engine (per-row results, dry runs, savepoints).
 * Roaming leases need includeRoaming; a lease with a recent heartbeat needs force (the CLI asks).
 * A lease id already released is "already so"; an id never seen is not found. A member holding no
 * seat is "already so"; a user who is not a member fails (not_a_member).
 */
export async function releaseLeases(ctx: ServiceContext, slug: string, body: ReleaseBody) {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: body.dryRun !== true })
  const now = ctx.clock.now()
  const opts = { includeRoaming: body.includeRoaming ?? false, force: body.force ?? false }
  // A lease heard from within this window looks in use: releasing it needs force.
  const recentMs = (l: LeaseRow) => (body.idleSeconds ?? l.lease_ttl_seconds) * 1000
  return runBulk(ctx, {
    orgId: org.id,
    action: 'seats.release.bulk',
    target: org.slug,
    dryRun: body.dryRun ?? false,
    prior: body.prior,
    items: body.items,
    label: (i: ReleaseItem) => ('lease' in i ? i.lease : i.user),
    // The pools of every lease the rows name, sorted, before any row releases: rows locking each as
    // they come took them in the order of the file, and a removal (which locks its members' pools
    // sorted) or another release naming them in another order deadlocked with it.
    lockFirst: async (trx, items) => {
      const ids = items.flatMap((i) => ('lease' in i ? [i.lease] : []))
      const emails = items.flatMap((i) => ('user' in i ? [i.user] : []))
      const pools = await trx
        .selectFrom('leases')
        .innerJoin('seat_pools', 'seat_pools.id', 'leases.pool_id')
        .select('leases.pool_id')
        .distinct()
        .where('seat_pools.org_id', '=', org.id)
        .where((eb) =>
          eb.or([
            ...(ids.length > 0 ? [eb('leases.id', 'in', ids)] : []),
            ...(emails.length > 0
              ? [eb('leases.user_id', 'in', eb.selectFrom('users').select('id').where('email', 'in', emails))]
              : []),
          ]),
        )
        .orderBy('leases.pool_id')
        .execute()
      await lockRows(
        trx,
        'seat_pools',
        pools.map((p) => p.pool_id),
      )
    },
    apply: async (trx, item) => {
      const found = await (
        'lease' in item
          ? leasesOf(trx, org.id).where('leases.id', '=', item.lease)
          : leasesOf(trx, org.id).where('users.email', '=', item.user)
      ).execute()
      // A user holding no seat is "already so" only if they are a member: anyone else is a typo, and
      // saying "already so" would hide it (the same not_a_member row as `cloud assign`).
      if ('user' in item && found.length === 0) await requireMember(trx, org.id, item.user)
      if ('lease' in item && found.length === 0) {
        const released = await trx
          .selectFrom('released_leases')
          .innerJoin('seat_pools', 'seat_pools.id', 'released_leases.pool_id')
          .select('released_leases.id')
          .where('seat_pools.org_id', '=', org.id)
          .where('released_leases.id', '=', item.lease)
          .executeTakeFirst()
        if (!released) throw notFound(`lease ${quote(item.lease)} not found`)
        return { changed: false }
      }
      // By user, borrowed (roaming) seats stay borrowed unless asked for; by id, asking for one is an error,
      // and so is naming a user whose only seats are borrowed (saying "already so" would hide them).
      const borrowed = found.filter((l) => leaseState(l, now) === 'roaming')
      const leases =
        'user' in item && !opts.includeRoaming && borrowed.length < found.length
          ? found.filter((l) => leaseState(l, now) !== 'roaming')
          : found
      for (const l of leases) {
        const state = leaseState(l, now)
        if (state === 'roaming' && !opts.includeRoaming)
          throw new AppError(
            'lease_roaming',
            `${l.email} borrowed '${l.product}' on ${l.host} for offline use until ${timeIn(l.roaming_until!, org.time_zone, now)}: release it with --include-roaming (includeRoaming in the API)`,
          )
      }
      // Every lease of the row that looks in use, not only the first: a user's row may hold several,
      // and the confirmation counts them all (details.leases).
      const inUse = opts.force
        ? []
        : leases.filter((l) => leaseState(l, now) !== 'roaming' && now - l.last_heartbeat_at <= recentMs(l))
      if (inUse.length > 0) {
        const ago = (l: LeaseRow) => formatDuration(now - l.last_heartbeat_at)
        const first = inUse[0]!
        throw new AppError(
          'lease_active',
          inUse.length === 1
            ? `${first.email} on ${first.host} sent a heartbeat ${ago(first)} ago: the seat looks in use`
            : `${first.email} holds ${inUse.length} seats that look in use: ${inUse.map((l) => `'${l.product}' on ${l.host} (heartbeat ${ago(l)} ago)`).join(', ')}`,
          {
            leaseId: first.id,
            lastHeartbeatAt: toIso(first.last_heartbeat_at),
            leases: inUse.map((l) => ({ leaseId: l.id, lastHeartbeatAt: toIso(l.last_heartbeat_at) })),
          },
        )
      }
      // Only what this row released: on PostgreSQL a concurrent release (another admin's, or the
      // same job run twice at once) may have taken a lease between the read above and its lock, and
      // reporting it "changed" would claim a release the audit log does not have.
      const released: LeaseRow[] = []
      for (const l of leases)
        if (
          await releaseLease(
            trx,
            ctx,
            now,
            org.id,
            l,
            'seats.release',
            'released by an admin',
            // Found idle: released only as found. Forced, or roaming (its heartbeats do not make it
            // "in use"): as it is.
            opts.force || leaseState(l, now) === 'roaming' ? undefined : l.last_heartbeat_at,
          )
        )
          released.push(l)
      return released.length === 0
        ? { changed: false }
        : {
            changed: true,
            details: {
              ...(leases.length < found.length ? { keptRoaming: found.length - leases.length } : {}),
              released: released.map((l) => ({
                leaseId: l.id,
                product: l.product,
                user: l.email,
                host: l.host,
              })),
            },
          }
    },
  })
}
