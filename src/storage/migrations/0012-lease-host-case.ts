import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely'
import { appendAudit } from './audit-append.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>

/**
 * Host names become case-insensitive for seat leases, as 0010 made them for activations (RFC
 * 4343): a user's leases of a pool are unique by (pool, user, `host_key`), the host with A–Z folded
 * to a–z, computed by the database (a generated column: every writer, an older server process
 * too, gets it right), no longer merely by the host as typed. The host itself is kept as first
 * typed, for display.
 *
 * A user's leases of one pool whose hosts differ only by case (checked out before this) held one
 * seat each for one machine. The lease with the latest heartbeat stays (if another was borrowed
 * for longer, it stays borrowed until then); the others are released as an admin releases a lease:
 * deleted, recorded in `released_leases` (the client's next heartbeat is told the lease is gone),
 * the pool's `used` decremented, a `seats.release` entry each. Each merge is also a
 * `seats.leases.merge` entry (actor `migration`, target `<product>/<kept lease>`) listing every
 * lease merged with its host and times, and the pool's used before and after: nothing is lost.
 */
export async function up(db: Db): Promise<void> {
  // PostgreSQL runs each migration in a transaction; SQLite's migrator does not: this one is all or nothing.
  if (db.isTransaction) await apply(db as Transaction<unknown> as Db)
  else await db.transaction().execute((trx) => apply(trx))
}

function isPostgres(db: Db): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter
}

/** The fold of domain/host-name.ts (and 0010): A–Z only, on both dialects. */
function hostKeyOf(db: Db) {
  return isPostgres(db)
    ? sql`translate(host, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`
    : sql`lower(host)`
}

async function apply(db: Db): Promise<void> {
  const pg = isPostgres(db)
  await db.schema
    .alterTable('leases')
    .addColumn('host_key', 'text', (c) => {
      const generated = c.generatedAlwaysAs(hostKeyOf(db))
      // SQLite adds only virtual generated columns to a table; PostgreSQL has only stored ones.
      return pg ? generated.stored() : generated
    })
    .execute()

  await mergeCaseDuplicates(db)

  // The exact-host key stays beside it, implied by it: a process still running the previous version
  // during the upgrade names it in its checkout's ON CONFLICT, which fails without it (every new lease
  // would, until the process restarts). Such a process cannot add a second spelling either: the new
  // key refuses it, and that one checkout fails.
  await db.schema
    .createIndex('leases_pool_user_host_key')
    .on('leases')
    .columns(['pool_id', 'user_id', 'host_key'])
    .unique()
    .execute()
}

interface LeaseRow {
  id: string
  pool_id: string
  host: string
  started_at: number | string
  last_heartbeat_at: number | string
  roaming_until: number | string | null
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

async function mergeCaseDuplicates(db: Db): Promise<void> {
  const groups = (await db
    .selectFrom('leases')
    .select(['pool_id', 'user_id', 'host_key'])
    .groupBy(['pool_id', 'user_id', 'host_key'])
    .having((eb) => eb.fn.countAll(), '>', 1)
    .orderBy('pool_id')
    .orderBy('user_id')
    .orderBy('host_key')
    .execute()) as Array<{ pool_id: string; user_id: string; host_key: string }>
  const now = Date.now()
  for (const g of groups) {
    // The latest heartbeat first: the lease a client is most likely still using stays.
    const leases = (
      (await db
        .selectFrom('leases')
        .select(['id', 'pool_id', 'host', 'started_at', 'last_heartbeat_at', 'roaming_until'])
        .where('pool_id', '=', g.pool_id)
        .where('user_id', '=', g.user_id)
        .where('host_key', '=', g.host_key)
        .execute()) as LeaseRow[]
    )
      .map((l) => ({
        ...l,
        started_at: Number(l.started_at),
        last_heartbeat_at: Number(l.last_heartbeat_at),
        roaming_until: l.roaming_until === null ? null : Number(l.roaming_until),
      }))
      .sort((a, b) => b.last_heartbeat_at - a.last_heartbeat_at || (a.id < b.id ? -1 : 1))
    const pool = (await db
      .selectFrom('seat_pools')
      .select(['org_id', 'product', 'used'])
      .where('id', '=', g.pool_id)
      .executeTakeFirstOrThrow()) as { org_id: string; product: string; used: number }
    const { email } = (await db
      .selectFrom('users')
      .select('email')
      .where('id', '=', g.user_id)
      .executeTakeFirstOrThrow()) as { email: string }
    const [kept, ...merged] = leases as [(typeof leases)[number], ...typeof leases]
    // One machine borrowed until the latest of its leases' ends: releasing must not cut that short.
    const roamingUntil = leases.reduce<number | null>(
      (max, l) =>
        l.roaming_until !== null && (max === null || l.roaming_until > max) ? l.roaming_until : max,
      null,
    )
    if (roamingUntil !== kept.roaming_until)
      await db.updateTable('leases').set({ roaming_until: roamingUntil }).where('id', '=', kept.id).execute()
    let used = pool.used
    for (const l of merged) {
      await db.deleteFrom('leases').where('id', '=', l.id).execute()
      await db
        .insertInto('released_leases')
        .values({ id: l.id, pool_id: l.pool_id, released_at: now })
        .execute()
      await db
        .updateTable('seat_pools')
        .set((eb) => ({ used: eb('used', '-', 1), updated_at: now }))
        .where('id', '=', l.pool_id)
        .execute()
      await appendAudit(db, {
        org_id: pool.org_id,
        action: 'seats.release',
        target: `${pool.product}/${l.id}`,
        before: { used, user: email, host: l.host },
        after: { used: used - 1, reason: `merged into lease ${kept.id} (the same host in another case)` },
        now,
      })
      used--
    }
    await appendAudit(db, {
      org_id: pool.org_id,
      action: 'seats.leases.merge',
      target: `${pool.product}/${kept.id}`,
      before: {
        used: pool.used,
        user: email,
        leases: leases.map((l) => ({
          lease: l.id,
          host: l.host,
          startedAt: iso(l.started_at),
          lastHeartbeatAt: iso(l.last_heartbeat_at),
          roamingUntil: iso(l.roaming_until),
        })),
      },
      after: { used, user: email, lease: kept.id, host: kept.host, roamingUntil: iso(roamingUntil) },
      now,
    })
  }
}

/** The case-insensitive key goes; merged leases stay released (their history is in the audit log). */
export async function down(db: Db): Promise<void> {
  await db.schema.dropIndex('leases_pool_user_host_key').execute()
  await db.schema.alterTable('leases').dropColumn('host_key').execute()
}
