import { sql } from 'kysely'
import { calendarDay, expiredWhen, lastValidDay } from '../../domain/dates.js'
import { allOf, counted, isAre, itThem, sentence } from '../../domain/plural.js'
import type { Dialect } from '../../storage/schema.js'
import { contains, endsWith } from '../../storage/text-match.js'
import type { Executor } from '../context.js'
import { activationId } from '../../contract/activations.js'
import type { OrgRow } from './access.js'
import { registerExplainer, subjectNotFound, validity, verdictsOf } from './explain.js'
import { isExpired } from './expiry.js'

/**
 * Where an ID came from, from the audit entry that made it: generated from the entitlement, split
 * off another ID, or made by resizing one (those name both IDs in their target, `<from>/<id>`; the
 * entries written before they did name the new ID only in their after). Undefined when no entry says.
 */
async function originOf(
  db: Executor,
  dialect: Dialect,
  org: OrgRow,
  id: string,
  product: string,
): Promise<string | undefined> {
  const madeFrom = (action: string, afterKey: string) =>
    db
      .selectFrom('audit_events')
      .select(['action', 'actor', 'target', 'before', 'after', 'created_at', 'id'])
      .where('org_id', '=', org.id)
      .where('action', '=', action)
      .where((eb) =>
        eb.or([
          endsWith(dialect, sql.ref<string>('target'), `/${id}`),
          contains(dialect, sql.ref<string | null>('after'), `"${afterKey}":${JSON.stringify(id)}`),
        ]),
      )
  const row = await db
    .selectFrom('audit_events')
    .select(['action', 'actor', 'target', 'before', 'after', 'created_at', 'id'])
    .where('org_id', '=', org.id)
    .where('action', '=', 'activations.generate')
    .where('target', '=', id)
    .unionAll(madeFrom('activations.split', 'newId'))
    .unionAll(madeFrom('activations.resize', 'id'))
    .orderBy('id')
    .limit(1)
    .executeTakeFirst()
  if (!row) return undefined
  const by = `by ${row.actor} on ${calendarDay(row.created_at, org.time_zone)}`
  const before = JSON.parse(row.before ?? '{}') as { quantity?: number }
  const after = JSON.parse(row.after ?? '{}') as { quantity?: number; newQuantity?: number }
  const from = row.target.split('/')[0]
  if (row.action === 'activations.split')
    return `split off ${from} (${after.newQuantity} of its ${before.quantity} seats) ${by}`
  if (row.action === 'activations.resize')
    return `made by resizing ${from} from ${before.quantity} to ${counted(after.quantity ?? 0, 'seat')}, ${by}`
  return `generated from the ${product} entitlement ${by}`
}

// Activation IDs: an ID belongs to the organization, not to a member; what decides whether it can
// be used on a machine is its status, its expiry and its free seats. The answer names them.
registerExplainer('activation', async ({ db, dialect, org, email, now }, name) => {
  // In any case, as the activation commands take it (Crockford base32 ignores case).
  const parsed = activationId.safeParse(name)
  const id = parsed.success ? parsed.data : name
  const row = await db
    .selectFrom('activation_ids')
    .innerJoin('activation_entitlements', 'activation_entitlements.id', 'activation_ids.entitlement_id')
    .selectAll('activation_ids')
    .select(['activation_entitlements.product', 'activation_entitlements.type'])
    .where('activation_ids.org_id', '=', org.id)
    .where('activation_ids.id', '=', id)
    .executeTakeFirst()
  // The ID's own entries, its activations and deactivations on hosts (`<id>/<host>`), and the
  // split or resize that made it (`<from>/<id>`).
  const targets = { exact: [id], under: true, ends: true }
  if (!row)
    throw subjectNotFound(
      'activation ID',
      id,
      org,
      'admins generate IDs from an entitlement (licctl activations generate)',
    )
  const hosts = await db
    .selectFrom('activation_hosts')
    .select(['host', 'seats'])
    .where('activation_id', '=', id)
    // By host in any case (unique per ID), in byte order as every list: not by the name as typed.
    .orderBy('host_key')
    .execute()
  // Copies a return or a rehost left on hosts, not yet cleaned off: "no host holds it" alone hid them.
  const orphans = await db
    .selectFrom('activation_orphans')
    .select(['host', 'seats', 'reason'])
    .where('activation_id', '=', id)
    .where('cleared_at', 'is', null)
    // As `activations orphans` lists them: by host in any case, then the orphan (a host can hold two).
    .orderBy('host_key')
    .orderBy('id')
    .execute()
  const origin = await originOf(db, dialect, org, id, row.product)
  const through = lastValidDay(row.expires_at, org.time_zone)
  const when = expiredWhen(row.expires_at, org.time_zone, now)
  const expired = isExpired(row.expires_at, now)
  const free = row.quantity - row.used
  const verdict = verdictsOf(
    [
      {
        fact: 'activation',
        detail: `${row.type} ID for ${row.product}: ${row.status}, ${row.used} of ${counted(row.quantity, 'seat')} in use, ${validity(expired, through, when)}`,
      },
      {
        fact: 'hosts',
        detail:
          hosts.length === 0 ? 'no host holds it' : hosts.map((h) => `${h.host} (${h.seats})`).join(', '),
      },
      ...(orphans.length === 0
        ? []
        : [
            {
              fact: 'orphans',
              detail: `${orphans.map((o) => `${o.host} (${counted(o.seats, 'seat')}, ${o.reason === 'return' ? 'ID returned' : 'rehosted'})`).join(', ')} still ${orphans.length === 1 ? 'has a copy' : 'have copies'}: clean ${itThem(orphans.length)} off, then licctl activations orphans --clear <host>`,
            },
          ]),
      ...(origin === undefined ? [] : [{ fact: 'origin', detail: origin }]),
    ],
    targets,
  )
  if (row.status === 'inactive')
    return verdict(
      false,
      'activation_inactive',
      `${id} (${row.product}) was returned and is inactive: it can no longer be activated anywhere; an admin generates a new ID from the entitlement's free seats.`,
    )
  if (expired)
    return verdict(
      false,
      'activation_expired',
      `${id} (${row.product}) expired ${when}: it cannot be activated until the operator renews the entitlement.`,
    )
  if (free <= 0)
    return verdict(
      false,
      'quantity_exceeded',
      `${sentence(allOf(row.quantity, 'in use', { one: 'seat', many: 'seats', of: `${id} (${row.product})` }))} (${hosts.map((h) => h.host).join(', ')}): deactivate it on a host, or rehost it off a dead one, before ${email} can activate it elsewhere.`,
    )
  return verdict(
    true,
    'ok',
    `${id} (${row.product}) can be activated: ${free} of ${counted(row.quantity, 'seat')} ${isAre(free)} free and it is valid through ${through}.`,
  )
})
