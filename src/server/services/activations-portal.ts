import type {
  Orphan,
  ResizeBody,
  ResizePlan,
  ResizeResponse,
  ReturnBody,
  ReturnResponse,
  SplitBody,
  SplitResponse,
} from '../../contract/activations.js'
import { toIso } from '../../domain/clock.js'
import { hostKey } from '../../domain/host-name.js'
import { byteOrder } from '../../domain/text-order.js'
import type { Executor, ServiceContext } from '../context.js'
import { inTransaction } from '../transaction.js'
import { AppError } from '../errors.js'
import { authorizeOrg, type OrgRow } from './access.js'
import {
  carveSeats,
  entitlementExpired,
  findEntitlement,
  findId,
  hostsOf,
  insertId,
  presentId,
  presentOrphan,
  releaseSeats,
  seatsWord,
  unusable,
  type IdRow,
} from './activations.js'
import { recordOrphan } from './activations-hosts.js'
import { audit } from './audit.js'
import { isExpired } from './expiry.js'
import { counted } from '../../domain/plural.js'

function hostList(hosts: Array<{ host: string; seats: number }>): string {
  return hosts.map((h) => `${h.host} (${seatsWord(h.seats)})`).join(', ')
}

/** Why an NL ID has no portal return, and the one thing to do instead (`remedy`, a full sentence). */
function noPortalReturn(row: IdRow, what: string, remedy?: string): AppError {
  return new AppError(
    'return_not_supported',
    `${row.id} is node-locked: ${what}. ${remedy ?? `Deactivate it on each host instead (\`licctl activations deactivate ${row.id} --host <host>\`): the ID stays valid and can be activated again`}`,
    { id: row.id, type: row.type },
  )
}

function wouldOrphan(row: IdRow, hosts: Array<{ host: string; seats: number; since: number }>, extra = {}) {
  const n = hosts.length
  return new AppError(
    'hosts_would_be_orphaned',
    // The CLI's hint adds the one other way (--force, for a host that cannot be reached), once.
    `${counted(n, 'host')} still hold${n === 1 ? 's' : ''} ${row.id}: ${hostList(hosts)}. Deactivate it there first (\`licctl activations deactivate ${row.id} --host <host>\`)`,
    {
      id: row.id,
      hosts: hosts.map((h) => ({ host: h.host, seats: h.seats, since: toIso(h.since) })),
      ...extra,
    },
  )
}

/**
 * Retires an ID (status inactive, used 0) and gives its seats back to the entitlement. Without
 * force the UPDATE is guarded by `used = 0`, so a host activating at the same moment either lands
 * first (and the return is refused) or finds the ID inactive. With force the hosts still holding it
 * are moved to the orphans. Returns the orphans and the entitlement's free seats after.
 */
async function retire(
  trx: Executor,
  org: OrgRow,
  row: IdRow,
  force: boolean,
  now: number,
): Promise<{ orphans: Orphan[]; free: number }> {
  let update = trx
    .updateTable('activation_ids')
    .set({ status: 'inactive', used: 0, returned_at: now, updated_at: now })
    .where('id', '=', row.id)
    .where('status', '=', 'active')
  if (!force) update = update.where('used', '=', 0)
  const done = await update.returning('id').executeTakeFirst()
  if (!done) {
    const current = await findId(trx, org.id, row.id)
    if (current.status === 'inactive') throw unusable(current, org, now)!
    throw wouldOrphan(current, await hostsOf(trx, row.id))
  }
  const held = await trx
    .deleteFrom('activation_hosts')
    .where('activation_id', '=', row.id)
    .returning(['host', 'seats'])
    .execute()
  // Recorded by host in any case, in byte order: the order `activations orphans` lists them in.
  held.sort((a, b) => byteOrder(hostKey(a.host), hostKey(b.host)))
  const orphans: Orphan[] = []
  for (const h of held)
    orphans.push(
      presentOrphan(await recordOrphan(trx, org.id, row.id, h.host, h.seats, 'return', now), row.product),
    )
  const free = await releaseSeats(trx, row.entitlement_id, row.quantity, now)
  return { orphans, free }
}

/**
 * The portal-side return, CC only: the ID goes inactive and its seats go back to the entitlement.
 * Hosts still holding it would keep a useless copy, so without force it is refused and they are
 * listed. A node-locked ID is refused with the advice to deactivate it on the host.
 */
export async function returnActivation(
  ctx: ServiceContext,
  slug: string,
  id: string,
  body: ReturnBody,
): Promise<ReturnResponse> {
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'admin', write: true }, trx)
    const row = await findId(trx, org.id, id)
    if (row.type === 'NL') throw noPortalReturn(row, 'only concurrent (CC) IDs can be returned on the portal')
    if (row.status === 'inactive') throw unusable(row, org, now)!
    const { orphans, free } = await retire(trx, org, row, body.force ?? false, now)
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'activations.return',
      target: id,
      before: { status: 'active', quantity: row.quantity, entitlementFree: free - row.quantity },
      after: { status: 'inactive', entitlementFree: free, orphaned: orphans.map((o) => o.host) },
    })
    return {
      id,
      product: row.product,
      status: 'inactive',
      quantity: row.quantity,
      entitlementFree: free,
      orphaned: orphans,
    }
  })
}

/**
 * Moves n unused seats of an ID to a new ID (same product and expiration). The guarded UPDATE keeps
 * `quantity - n >= used` and at least one seat; the composite foreign key carries the new quantity
 * to the host rows, whose CHECK backs "no host above its ID's quantity".
 */
export async function splitActivation(
  ctx: ServiceContext,
  slug: string,
  id: string,
  body: SplitBody,
): Promise<SplitResponse> {
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'admin', write: true }, trx)
    const row = await findId(trx, org.id, id)
    const n = body.quantity
    const shrunk = await trx
      .updateTable('activation_ids')
      .set((eb) => ({ quantity: eb('quantity', '-', n), updated_at: now }))
      .where('id', '=', id)
      .where('status', '=', 'active')
      .where('expires_at', '>', now)
      .where((eb) => eb(eb('quantity', '-', n), '>=', eb.ref('used')))
      .where((eb) => eb(eb('quantity', '-', n), '>=', 1))
      .returningAll()
      .executeTakeFirst()
    if (!shrunk) {
      const current = await findId(trx, org.id, id)
      const refusal = unusable(current, org, now)
      if (refusal) throw refusal
      const unused = current.quantity - current.used
      throw new AppError(
        'split_exceeds_unused',
        n <= unused
          ? `cannot move all ${seatsWord(current.quantity)} of ${id}: an ID keeps at least one seat (${current.type === 'CC' ? 'return it instead, or ' : ''}split ${current.quantity - 1})`
          : `${id} has ${counted(unused, 'unused seat')} (${seatsWord(current.quantity)}, ${current.used} in use): cannot move ${n}; deactivate on hosts first`,
        { id, quantity: current.quantity, used: current.used, unused, requested: n },
      )
    }
    const ent = await trx
      .selectFrom('activation_entitlements')
      .selectAll()
      .where('id', '=', row.entitlement_id)
      .executeTakeFirstOrThrow()
    const created = await insertId(trx, ent, org.id, n, shrunk.expires_at, now)
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'activations.split',
      // Both IDs, so that either finds it (`orgs audit --target`, explain): `<from>/<new>`.
      target: `${id}/${created.id}`,
      before: { quantity: shrunk.quantity + n },
      after: { quantity: shrunk.quantity, newId: created.id, newQuantity: n },
    })
    const from = { ...shrunk, product: row.product, type: row.type }
    return { id: created.id, from: presentId(from, org, now), to: presentId(created, org, now) }
  })
}

/**
 * The portal's "change the quantity", done in the safe order: deactivate on the hosts, return the
 * ID, generate a new one of the new quantity. The plan is always in the answer; it is carried out
 * only when no host would be orphaned, or with force, and as one transaction (all steps or none).
 */
export async function resizeActivation(
  ctx: ServiceContext,
  slug: string,
  id: string,
  body: ResizeBody,
): Promise<ResizeResponse> {
  const now = ctx.clock.now()
  const force = body.force ?? false
  return inTransaction(ctx, async (trx) => {
    // A dry run changes nothing: a read-only token may plan a resize, never carry one out.
    const org = await authorizeOrg(ctx, slug, { role: 'admin', write: !body.dryRun }, trx)
    const row = await findId(trx, org.id, id)
    if (row.type === 'NL')
      throw noPortalReturn(
        row,
        'resizing needs a portal return, which node-locked IDs do not have',
        `To use fewer seats, split the unused ones off to a new ID (\`licctl activations split ${row.id} --quantity <n>\`), deactivating hosts first if too few are unused`,
      )
    if (row.status === 'inactive') throw unusable(row, org, now)!
    const ent = await findEntitlement(trx, org.id, row.product)
    const hosts = await hostsOf(trx, id)
    const same = body.quantity === row.quantity
    const plan: ResizePlan = {
      id,
      product: row.product,
      from: row.quantity,
      to: body.quantity,
      hosts: hosts.map((h) => ({ host: h.host, seats: h.seats, since: toIso(h.since) })),
      steps: same
        ? []
        : [
            ...hosts.map((h) => ({ action: 'deactivate' as const, id, host: h.host, seats: h.seats })),
            { action: 'return' as const, id, seats: row.quantity },
            { action: 'generate' as const, product: row.product, quantity: body.quantity },
          ],
      entitlementFree: ent.free,
    }
    // Already so: nothing to return or generate, no host to orphan, nothing to audit.
    if (same)
      return {
        applied: !body.dryRun,
        changed: false,
        plan,
        id: body.dryRun ? null : id,
        generated: null,
        orphaned: [],
      }
    if (isExpired(ent.expires_at, now)) throw entitlementExpired(ent, org, now)
    if (ent.free + row.quantity < body.quantity)
      throw new AppError(
        'entitlement_exhausted',
        `cannot resize ${id} to ${body.quantity}: its ${row.quantity} and the ${ent.free} free seats of '${row.product}' make ${ent.free + row.quantity}`,
        { id, requested: body.quantity, free: ent.free, quantity: row.quantity, plan },
      )
    // A dry run plans what the run does: refused the same way (the plan is in the details).
    if (hosts.length > 0 && !force) throw wouldOrphan(row, hosts, { plan })
    if (body.dryRun) return { applied: false, changed: true, plan, id: null, generated: null, orphaned: [] }
    const { orphans } = await retire(trx, org, row, force, now)
    await carveSeats(trx, { ...ent, free: ent.free + row.quantity }, body.quantity, now)
    const created = await insertId(trx, ent, org.id, body.quantity, ent.expires_at, now)
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'activations.resize',
      target: `${id}/${created.id}`,
      before: { id, quantity: row.quantity, status: 'active' },
      after: { id: created.id, quantity: body.quantity, returned: id, orphaned: orphans.map((o) => o.host) },
    })
    return {
      applied: true,
      changed: true,
      plan,
      id: created.id,
      generated: presentId(created, org, now),
      orphaned: orphans,
    }
  })
}
