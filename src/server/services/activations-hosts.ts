import { sql } from 'kysely'
import type {
  ActivateBody,
  ActivateResponse,
  ClearOrphansBody,
  ClearOrphansResponse,
  DeactivateResponse,
  OrphansQuery,
  RehostBody,
  RehostResponse,
} from '../../contract/activations.js'
import { toIso } from '../../domain/clock.js'
import { quote } from '../../domain/terminal-controls.js'
import { hostKey } from '../../domain/host-name.js'
import { newId } from '../../domain/ids.js'
import type { Executor, ServiceContext } from '../context.js'
import { inTransaction } from '../transaction.js'
import { AppError, notFound } from '../errors.js'
import { authorizeOrg } from './access.js'
import { findId, presentOrphan, seatsWord, unusable, type IdRow, type OrphanRow } from './activations.js'
import { audit } from './audit.js'
import { registerHostTargets } from './audit-log.js'
import { mapPage, paginate } from './paging.js'

// These entries' targets are `<id>/<host>`, or the host alone, or a rehost's `<id>/<from>/<to>`:
// `orgs audit --target` finds them by any of their hosts, in any case.
registerHostTargets(
  'activations.activate',
  'activations.deactivate',
  'activations.hosts.merge',
  'activations.orphans.clear',
  'activations.rehost',
)

/**
 * Locks the ID's row for the rest of the transaction while checking it can still take or move
 * seats (active, not expired). Every change to an ID's hosts goes through this or the guarded
 * `used` update, so a portal return in another request or process waits for it or sees its result.
 */
async function lockUsable(trx: Executor, row: IdRow, now: number) {
  return trx
    .updateTable('activation_ids')
    .set({ updated_at: now })
    .where('id', '=', row.id)
    .where('status', '=', 'active')
    .where('expires_at', '>', now)
    .returning(['quantity', 'used'])
    .executeTakeFirst()
}

/**
 * A host activates an ID: NL takes one seat per host, CC lets a license-server host take n seats.
 * The ID's `used` count moves only through one guarded UPDATE (`used + n <= quantity`, active, not
 * expired), backed by the table's CHECK, so racing activations in any number of server processes
 * can never take more seats than the ID has.
 */
export async function activate(
  ctx: ServiceContext,
  slug: string,
  id: string,
  body: ActivateBody,
): Promise<ActivateResponse> {
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'member', write: true }, trx)
    const row = await findId(trx, org.id, id)
    const n = body.seats ?? 1
    if (row.type === 'NL' && n !== 1)
      throw new AppError(
        'nl_one_seat',
        `activation ID ${id} is node-locked: a host takes exactly one seat (drop --seats ${n})`,
        { id, requested: n },
      )
    // A host is one host in any case (RFC 4343): found by its key, shown as it was first typed.
    const key = hostKey(body.host)
    const respond = (
      host: string,
      seats: number,
      since: number,
      changed: boolean,
      used: number,
    ): ActivateResponse => ({
      id,
      product: row.product,
      type: row.type,
      host,
      seats,
      since: toIso(since),
      changed,
      used,
      quantity: row.quantity,
    })
    const held = await trx
      .selectFrom('activation_hosts')
      .select(['host', 'seats', 'since'])
      .where('activation_id', '=', id)
      .where('host_key', '=', key)
      .executeTakeFirst()
    const refusal = unusable(row, org, now)
    if (refusal) throw refusal
    if (held && row.type === 'NL') return respond(held.host, held.seats, held.since, false, row.used)

    const taken = await trx
      .updateTable('activation_ids')
      .set((eb) => ({ used: eb('used', '+', n), updated_at: now }))
      .where('id', '=', id)
      .where('status', '=', 'active')
      .where('expires_at', '>', now)
      .where((eb) => eb(eb('used', '+', n), '<=', eb.ref('quantity')))
      .returning(['used', 'quantity'])
      .executeTakeFirst()
    if (!taken) {
      const current = await findId(trx, org.id, id)
      throw (
        unusable(current, org, now) ??
        new AppError(
          'quantity_exceeded',
          `activation ID ${id} has ${seatsWord(current.quantity)}, ${current.used} in use: cannot activate ${seatsWord(n)} more on host ${quote(held?.host ?? body.host)}`,
          { id, quantity: current.quantity, used: current.used, requested: n },
        )
      )
    }
    const hostRow = await trx
      .insertInto('activation_hosts')
      .values({ activation_id: id, quantity: taken.quantity, host: body.host, seats: n, since: now })
      .onConflict((oc) =>
        row.type === 'NL'
          ? oc.columns(['activation_id', 'host_key']).doNothing()
          : oc
              .columns(['activation_id', 'host_key'])
              .doUpdateSet({ seats: sql<number>`activation_hosts.seats + ${n}` }),
      )
      .returning(['host', 'seats', 'since'])
      .executeTakeFirst()
    if (!hostRow) {
      // A concurrent request activated this NL host first: it holds its one seat; give ours back.
      const back = await trx
        .updateTable('activation_ids')
        .set((eb) => ({ used: eb('used', '-', n) }))
        .where('id', '=', id)
        .returning('used')
        .executeTakeFirstOrThrow()
      const mine = await trx
        .selectFrom('activation_hosts')
        .select(['host', 'seats', 'since'])
        .where('activation_id', '=', id)
        .where('host_key', '=', key)
        .executeTakeFirstOrThrow()
      return respond(mine.host, mine.seats, mine.since, false, back.used)
    }
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'activations.activate',
      target: `${id}/${hostRow.host}`,
      before: { used: taken.used - n, hostSeats: hostRow.seats - n },
      after: { used: taken.used, hostSeats: hostRow.seats },
    })
    await reclaimOrphans(trx, ctx, org.id, id, hostRow.host, now)
    return {
      ...respond(hostRow.host, hostRow.seats, hostRow.since, true, taken.used),
      quantity: taken.quantity,
    }
  })
}

/**
 * A host that holds an ID again is no orphan of it: its copy counts once more. Its open orphans
 * of that ID are recorded as cleaned, audited in the same transaction, so `orphans` never tells
 * support to wipe a working activation.
 */
async function reclaimOrphans(
  trx: Executor,
  ctx: ServiceContext,
  orgId: string,
  id: string,
  host: string,
  now: number,
  reason: 'reactivated' | 'deactivated' = 'reactivated',
): Promise<string | null> {
  const reclaimed = await trx
    .updateTable('activation_orphans')
    .set({ cleared_at: now })
    .where('org_id', '=', orgId)
    .where('activation_id', '=', id)
    .where('host_key', '=', hostKey(host))
    .where('cleared_at', 'is', null)
    .returning(['id', 'host'])
    .execute()
  const first = reclaimed[0]
  if (!first) return null
  // As the orphan list shows it (its first spelling), when the host is named in another case.
  const named = reason === 'deactivated' ? first.host : host
  await audit(trx, ctx, {
    orgId,
    action: 'activations.orphans.clear',
    target: `${id}/${named}`,
    before: { orphans: [id] },
    after: { orphans: [], reason },
  })
  return named
}

/**
 * The host, as first spelled, when it gave its seats of the ID back before (deactivated here, or
 * its orphaned copy cleaned): deactivating it again is already so. Null when it never held the ID.
 * From the ID's state (its orphans, its deactivations), not from the audit log, which records them.
 */
async function deactivatedBefore(
  trx: Executor,
  orgId: string,
  id: string,
  host: string,
): Promise<string | null> {
  const key = hostKey(host)
  const cleaned = await trx
    .selectFrom('activation_orphans')
    .select('host')
    .where('org_id', '=', orgId)
    .where('activation_id', '=', id)
    .where('host_key', '=', key)
    .where('cleared_at', 'is not', null)
    .executeTakeFirst()
  if (cleaned) return cleaned.host
  const deactivated = await trx
    .selectFrom('activation_deactivations')
    .select('host')
    .where('activation_id', '=', id)
    .where('host_key', '=', key)
    .executeTakeFirst()
  return deactivated?.host ?? null
}

/** Where a host that holds no seats of an ID stands: an orphan says more than "not found". */
async function notHeld(trx: Executor, id: string, host: string): Promise<AppError> {
  const orphan = await trx
    .selectFrom('activation_orphans')
    .select(['reason', 'host'])
    .where('activation_id', '=', id)
    .where('host_key', '=', hostKey(host))
    .where('cleared_at', 'is', null)
    .executeTakeFirst()
  if (orphan)
    return notFound(
      `host ${quote(orphan.host)} holds no seat of ${id}: its copy there is an orphan (the ID was ${orphan.reason === 'return' ? 'returned' : 'rehosted off it'}); clean it off the machine, then \`licctl activations orphans --clear ${orphan.host}\``,
      { id, host: orphan.host },
    )
  return notFound(`host ${quote(host)} holds no activation of ${id}`, { id, host })
}

/**
 * The client-side return: the host gives its seats back; the ID stays valid and can be activated
 * again there or elsewhere. Works on expired IDs too (giving back is always allowed).
 */
export async function deactivate(
  ctx: ServiceContext,
  slug: string,
  id: string,
  host: string,
): Promise<DeactivateResponse> {
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'member', write: true }, trx)
    await findId(trx, org.id, id)
    const gone = await trx
      .deleteFrom('activation_hosts')
      .where('activation_id', '=', id)
      .where('host_key', '=', hostKey(host))
      .returning(['host', 'seats'])
      .executeTakeFirst()
    if (!gone) {
      const row = await findId(trx, org.id, id)
      const answer = { id, seats: 0, used: row.used, quantity: row.quantity }
      // Deactivating removes the ID from the host's trusted storage: an orphaned copy there is
      // thereby cleaned off, and recorded so (as `orphans --clear` would).
      const cleaned = await reclaimOrphans(trx, ctx, org.id, id, host, now, 'deactivated')
      if (cleaned !== null) return { ...answer, host: cleaned, changed: true, orphanCleaned: true }
      // Given back before: already so, as a second checkin or token revocation is.
      const before = await deactivatedBefore(trx, org.id, id, host)
      if (before !== null) return { ...answer, host: before, changed: false, orphanCleaned: false }
      throw await notHeld(trx, id, host)
    }
    const after = await trx
      .updateTable('activation_ids')
      .set((eb) => ({ used: eb('used', '-', gone.seats), updated_at: now }))
      .where('id', '=', id)
      .returning(['used', 'quantity'])
      .executeTakeFirstOrThrow()
    // The host gave its seats back: deactivating it again is already so (deactivatedBefore). Its
    // first spelling and time are kept.
    await trx
      .insertInto('activation_deactivations')
      .values({ activation_id: id, host: gone.host, deactivated_at: now })
      .onConflict((oc) => oc.columns(['activation_id', 'host_key']).doNothing())
      .execute()
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'activations.deactivate',
      target: `${id}/${gone.host}`,
      before: { used: after.used + gone.seats, hostSeats: gone.seats },
      after: { used: after.used, hostSeats: 0 },
    })
    return {
      id,
      host: gone.host,
      seats: gone.seats,
      used: after.used,
      quantity: after.quantity,
      changed: true,
      orphanCleaned: false,
    }
  })
}

export async function recordOrphan(
  trx: Executor,
  orgId: string,
  id: string,
  host: string,
  seats: number,
  reason: 'return' | 'rehost',
  now: number,
): Promise<OrphanRow> {
  const row: OrphanRow = {
    id: newId('orph', now),
    org_id: orgId,
    activation_id: id,
    host,
    seats,
    reason,
    since: now,
    cleared_at: null,
  }
  await trx.insertInto('activation_orphans').values(row).execute()
  return row
}

/**
 * Moves an activation off a dead or inaccessible host: the new host holds its seats (a CC host
 * that already held some adds them up; an NL host that already holds the ID is refused), the old
 * host's copy is recorded as an orphan, and the ID's used count does not change.
 */
export async function rehost(
  ctx: ServiceContext,
  slug: string,
  id: string,
  body: RehostBody,
): Promise<RehostResponse> {
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'admin', write: true }, trx)
    const row = await findId(trx, org.id, id)
    const locked = await lockUsable(trx, row, now)
    if (!locked) throw unusable(await findId(trx, org.id, id), org, now)!
    const gone = await trx
      .deleteFrom('activation_hosts')
      .where('activation_id', '=', id)
      .where('host_key', '=', hostKey(body.from))
      .returning(['host', 'seats'])
      .executeTakeFirst()
    if (!gone) throw await notHeld(trx, id, body.from)
    const moved = await trx
      .insertInto('activation_hosts')
      .values({ activation_id: id, quantity: locked.quantity, host: body.to, seats: gone.seats, since: now })
      .onConflict((oc) =>
        row.type === 'NL'
          ? oc.columns(['activation_id', 'host_key']).doNothing()
          : oc
              .columns(['activation_id', 'host_key'])
              .doUpdateSet({ seats: sql<number>`activation_hosts.seats + ${gone.seats}` }),
      )
      .returning(['host', 'seats'])
      .executeTakeFirst()
    if (!moved)
      throw new AppError(
        'already_exists',
        `host ${quote(body.to)} already holds node-locked ID ${id}: a host takes one seat; deactivate or rehost elsewhere`,
        { id, host: body.to },
      )
    await reclaimOrphans(trx, ctx, org.id, id, moved.host, now)
    const orphan = await recordOrphan(trx, org.id, id, gone.host, gone.seats, 'rehost', now)
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'activations.rehost',
      // Both hosts, so that `orgs audit --target <host>` finds the move off a dead host and onto
      // the new one, as it finds their activations (the ID alone named neither).
      target: `${id}/${gone.host}/${moved.host}`,
      before: { host: gone.host, seats: gone.seats },
      after: { host: moved.host, seats: moved.seats, orphan: gone.host },
    })
    return {
      id,
      from: gone.host,
      to: moved.host,
      seats: moved.seats,
      orphan: presentOrphan(orphan, row.product),
    }
  })
}

/** Orphaned installations by host, then ID, so they can be cleaned off the machines. */
export async function listOrphans(ctx: ServiceContext, slug: string, q: OrphansQuery) {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: false })
  let query = ctx.db
    .selectFrom('activation_orphans')
    .innerJoin('activation_ids', 'activation_ids.id', 'activation_orphans.activation_id')
    .innerJoin('activation_entitlements', 'activation_entitlements.id', 'activation_ids.entitlement_id')
    .selectAll('activation_orphans')
    .select('activation_entitlements.product')
    .where('activation_orphans.org_id', '=', org.id)
  if (!q.all) query = query.where('activation_orphans.cleared_at', 'is', null)
  if (q.host !== undefined) query = query.where('activation_orphans.host_key', '=', hostKey(q.host))
  // By host in any case (`WS-01` beside `ws-01`), then ID.
  const page = await paginate(query, {
    limit: q.limit,
    cursor: q.cursor,
    keys: [
      { column: 'activation_orphans.host_key', value: (r) => r.host_key },
      { column: 'activation_orphans.id', value: (r) => r.id },
    ],
  })
  return mapPage(page, (r) => presentOrphan(r, r.product))
}

/** Records that a host was cleaned: its orphans (of one ID, or all) are no longer listed. */
export async function clearOrphans(
  ctx: ServiceContext,
  slug: string,
  body: ClearOrphansBody,
): Promise<ClearOrphansResponse> {
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'admin', write: true }, trx)
    let update = trx
      .updateTable('activation_orphans')
      .set({ cleared_at: now })
      .where('org_id', '=', org.id)
      .where('host_key', '=', hostKey(body.host))
      .where('cleared_at', 'is', null)
    if (body.id !== undefined) update = update.where('activation_id', '=', body.id)
    const cleared = await update.returningAll().execute()
    if (cleared.length === 0) {
      // Recorded as cleaned before: already so, as other removals are, so a cleanup script can run again.
      let before = trx
        .selectFrom('activation_orphans')
        .select('host')
        .where('org_id', '=', org.id)
        .where('host_key', '=', hostKey(body.host))
      if (body.id !== undefined) before = before.where('activation_id', '=', body.id)
      const seen = await before.orderBy('since').orderBy('id').executeTakeFirst()
      if (!seen)
        throw notFound(
          `host ${quote(body.host)} holds no orphaned activation${body.id ? ` of ${body.id}` : ''}`,
          { host: body.host },
        )
      return { host: seen.host, cleared: [], changed: false }
    }
    cleared.sort((a, b) => (a.id < b.id ? -1 : 1))
    const products = new Map(
      (
        await trx
          .selectFrom('activation_ids')
          .innerJoin('activation_entitlements', 'activation_entitlements.id', 'activation_ids.entitlement_id')
          .select(['activation_ids.id', 'activation_entitlements.product'])
          .where(
            'activation_ids.id',
            'in',
            cleared.map((c) => c.activation_id),
          )
          .execute()
      ).map((r) => [r.id, r.product]),
    )
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'activations.orphans.clear',
      target: cleared[0]!.host,
      before: { orphans: cleared.map((c) => c.activation_id) },
      after: { orphans: [] },
    })
    return {
      // As first typed, like the list shows it, whatever case --clear was given in.
      host: cleared[0]!.host,
      cleared: cleared.map((c) => presentOrphan(c, products.get(c.activation_id) ?? '')),
      changed: true,
    }
  })
}
