import { sql } from 'kysely'
import type { Explanation, ExplainQuery } from '../../contract/explain.js'
import { calendarDay, expiredWhen, lastValidDay } from '../../domain/dates.js'
import { formatDuration } from '../../domain/duration.js'
import { allOf, counted, isAre } from '../../domain/plural.js'
import { quote } from '../../domain/terminal-controls.js'
import type { Database, Dialect } from '../../storage/schema.js'
import { contains, endsWith, startsWith } from '../../storage/text-match.js'
import type { Executor, ServiceContext } from '../context.js'
import { AppError, notFound } from '../errors.js'
import { authorizeOrg, type OrgRow } from './access.js'
import { presentAddon } from './cloud.js'
import { leasesOf, leaseState, staleAt } from './seats-leases.js'
import { presentAudit } from './presenters.js'

const HISTORY = 5

/** What an explainer knows: the organization, the user (null when unknown), their membership. */
export interface ExplainInput {
  db: Executor
  /** For SQL that differs by dialect (storage/text-match.ts). */
  dialect: Dialect
  org: OrgRow
  email: string
  userId: string | null
  role: 'admin' | 'member' | null
  now: number
}

/** The verdict and evidence of one subject; `explain` adds membership and history. */
export interface SubjectVerdict {
  licensed: boolean
  code: string
  summary: string
  evidence: Explanation['evidence']
  /**
   * Which audit entries changed it: targets equal to `exact`, or under one of them (`<id>/<host>`:
   * an activation ID's entries per host) when `under` is set, or ending in one of them
   * (`<from>/<id>`: the split or resize that made an activation ID) when `ends` is set, or starting
   * with `prefix` and naming the user in their before or after (a lease's entries name its user).
   */
  auditTargets: { exact?: string[]; under?: boolean; ends?: boolean; prefix?: string }
}

export type Explainer = (input: ExplainInput, name: string) => Promise<SubjectVerdict>

/**
 * The verdicts of one subject: they share its evidence and the audit entries that changed it, and
 * differ only in the outcome. `verdictsOf(evidence, targets)(false, 'pool_expired', '…')`.
 */
export function verdictsOf(
  evidence: SubjectVerdict['evidence'],
  auditTargets: SubjectVerdict['auditTargets'],
) {
  return (licensed: boolean, code: string, summary: string): SubjectVerdict => ({
    licensed,
    code,
    summary,
    evidence,
    auditTargets,
  })
}

/**
 * The subject named does not exist in the organization: not a refusal to explain but a name that
 * finds nothing (404, exit 5), worded as every not-found is (`seat pool 'x' not found`), then where
 * and who makes one. `thing` names its kind (`seat pool`), `remedy` who creates it.
 */
export function subjectNotFound(thing: string, name: string, org: Pick<OrgRow, 'slug'>, remedy: string) {
  return notFound(`${thing} ${quote(name)} not found in ${org.slug}: ${remedy}`)
}

/** A refusal that one fact explains: a device without a license. */
export function refusal(
  code: string,
  summary: string,
  fact: SubjectVerdict['evidence'][number],
  auditTargets: SubjectVerdict['auditTargets'],
): SubjectVerdict {
  return verdictsOf([fact], auditTargets)(false, code, summary)
}

/**
 * The evidence's one wording of a term: `valid through <day>`, or once past `expired <when>` (by
 * default `after <day>`; see expiredWhen for an expiration at a time of day).
 */
export function validity(expired: boolean, through: string, when = `after ${through}`): string {
  return expired ? `expired ${when}` : `valid through ${through}`
}

const explainers = new Map<string, Explainer>()

/** Each topic registers how to explain its subject (`addon`, `pool`; devices and activations next). */
export function registerExplainer(subject: string, explainer: Explainer): void {
  explainers.set(subject, explainer)
}

/**
 * Why a user has or lacks a license, from the data: membership and role, what is assigned, leases
 * and their state, the pool full, expired or missing, and the audit entries that changed it.
 * Admins only (a read-only token is enough).
 */
export async function explain(
  ctx: ServiceContext,
  slug: string,
  email: string,
  q: ExplainQuery,
): Promise<Explanation> {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: false })
  const now = ctx.clock.now()
  if ((q.subject === undefined) !== (q.name === undefined))
    throw new AppError(
      'validation_failed',
      'subject and name go together (e.g. subject=addon&name=cloud-processing)',
    )
  const explainer = q.subject === undefined ? undefined : explainers.get(q.subject)
  if (q.subject !== undefined && !explainer)
    throw new AppError(
      'validation_failed',
      `subject: unknown '${q.subject}'; known: ${[...explainers.keys()].join(', ')}`,
    )
  const user = await ctx.db.selectFrom('users').select(['id']).where('email', '=', email).executeTakeFirst()
  const member = user
    ? await ctx.db
        .selectFrom('memberships')
        .select(['role', 'created_at'])
        .where('org_id', '=', org.id)
        .where('user_id', '=', user.id)
        .executeTakeFirst()
    : undefined
  const membership = member
    ? {
        fact: 'membership',
        detail: `${member.role} of ${org.slug} since ${calendarDay(member.created_at, org.time_zone)}`,
      }
    : { fact: 'membership', detail: `not a member of ${org.slug}` }
  const subject = q.subject !== undefined && q.name !== undefined ? { type: q.subject, name: q.name } : null
  const memberHistory = { exact: [email] }
  if (!member) {
    const history = await historyOf(ctx, org.id, memberHistory)
    const removed = history.find((h) => h.action === 'user.remove')
    return {
      email,
      org: org.slug,
      subject,
      licensed: false,
      code: 'not_a_member',
      summary:
        `${email} is not a member of ${org.slug}, so no license of the organization can be theirs` +
        (removed
          ? `; ${removed.actor} removed them` +
            // No day for an entry whose time was edited around the server (verify names it).
            (removed.at === null ? '.' : ` on ${calendarDay(Date.parse(removed.at), org.time_zone)}.`)
          : '.') +
        ` An admin can add them: licctl orgs users add ${email}.`,
      evidence: [membership],
      history,
    }
  }
  if (!explainer || !subject) {
    const [history, holdings] = await Promise.all([
      historyOf(ctx, org.id, memberHistory),
      holdingsOf(ctx, org.id, user!.id),
    ])
    return {
      email,
      org: org.slug,
      subject: null,
      licensed: true,
      code: 'ok',
      summary: `${email} is ${member.role === 'admin' ? 'an admin' : 'a member'} of ${org.slug}. Name an add-on (--addon), a seat pool (--pool), a device (--device) or an activation ID (--activation) to see why it can or cannot be used.`,
      evidence: [membership, ...holdings],
      history,
    }
  }
  const verdict = await explainer(
    { db: ctx.db, dialect: ctx.dialect, org, email, userId: user!.id, role: member.role, now },
    subject.name,
  )
  return {
    email,
    org: org.slug,
    subject,
    licensed: verdict.licensed,
    code: verdict.code,
    summary: verdict.summary,
    evidence: [membership, ...verdict.evidence],
    history: await historyOf(ctx, org.id, verdict.auditTargets, email),
  }
}

async function historyOf(
  { db, dialect }: Pick<ServiceContext, 'db' | 'dialect'>,
  orgId: string,
  targets: SubjectVerdict['auditTargets'],
  email?: string,
) {
  const exact = targets.exact ?? []
  const target = sql.ref<string>('target')
  // The ends of a target, and a user in a before or after, are matched exactly on both dialects
  // (storage/text-match.ts); SQLite's LIKE ignored the case of A–Z, so `ACT_…` found `act_…`'s.
  const user = email === undefined ? '' : `"user":${JSON.stringify(email)}`
  const rows: Array<Database['audit_events']> = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) =>
      eb.or([
        ...exact.map((t) => eb('target', '=', t)),
        ...(targets.under ? exact.map((t) => startsWith(dialect, target, `${t}/`)) : []),
        ...(targets.ends ? exact.map((t) => endsWith(dialect, target, `/${t}`)) : []),
        ...(targets.prefix !== undefined && email !== undefined
          ? [
              eb.and([
                startsWith(dialect, target, targets.prefix),
                eb.or([
                  contains(dialect, sql.ref<string | null>('before'), user),
                  contains(dialect, sql.ref<string | null>('after'), user),
                ]),
              ]),
            ]
          : []),
      ]),
    )
    .orderBy('id', 'desc')
    .limit(HISTORY)
    .execute()
  return rows.map(presentAudit)
}

// Cloud add-ons: held or not, pool expired, pool full, add-on missing.
registerExplainer('addon', async ({ db, org, email, userId, now }, key) => {
  const pool = await db
    .selectFrom('addon_pools')
    .selectAll()
    .where('org_id', '=', org.id)
    .where('key', '=', key)
    .executeTakeFirst()
  const targets = { exact: [`${key}/${email}`, email] }
  if (!pool) throw subjectNotFound('add-on', key, org, 'the operator provisions add-ons')
  const held = await db
    .selectFrom('addon_assignments')
    .select(['assigned_at', 'assigned_by'])
    .where('addon_id', '=', pool.id)
    .where('user_id', '=', userId!)
    .executeTakeFirst()
  const through = lastValidDay(pool.expires_at, org.time_zone)
  const when = expiredWhen(pool.expires_at, org.time_zone, now)
  const assignedOn = held ? calendarDay(held.assigned_at, org.time_zone) : null
  // Expired and free as `cloud list` shows them (nothing is free while the add-on is expired).
  const { expired, free } = presentAddon(pool, org, now)
  const full = pool.assigned >= pool.total
  const verdict = verdictsOf(
    [
      {
        fact: 'assignment',
        detail: held
          ? `holds ${pool.name}, assigned by ${held.assigned_by} on ${assignedOn}`
          : `does not hold ${pool.name}`,
      },
      {
        fact: 'pool',
        detail: `${pool.assigned} of ${pool.total} assigned (${free} free), ${validity(expired, through, when)}`,
      },
    ],
    targets,
  )
  if (held && !expired)
    return verdict(
      true,
      'ok',
      `${email} can use ${pool.name}: it was assigned to them by ${held.assigned_by} on ${assignedOn}, and the add-on is valid through ${through}.`,
    )
  if (held)
    return verdict(
      false,
      'pool_expired',
      `${email} holds ${pool.name}, but the add-on expired ${when}, so every check is refused until the operator renews it.`,
    )
  const fix = expired
    ? ` The add-on also expired ${when}: the operator must renew it first.`
    : full
      ? ` No license is free (${allOf(pool.total, 'assigned')}): an admin must revoke one, or the operator raise the total.`
      : ` An admin can assign one (${free} free): licctl cloud assign ${key} ${email}.`
  return verdict(
    false,
    expired ? 'pool_expired' : full ? 'no_free_license' : 'cloud_license_required',
    `${email} cannot use ${pool.name}: it is not assigned to them (${pool.name} License Required).${fix}`,
  )
})

// Seat pools: leases held and their state, pool expired or full.
registerExplainer('pool', async ({ db, org, email, userId, now }, product) => {
  const pool = await db
    .selectFrom('seat_pools')
    .selectAll()
    .where('org_id', '=', org.id)
    .where('product', '=', product)
    .executeTakeFirst()
  if (!pool) throw subjectNotFound('seat pool', product, org, 'the operator provisions pools')
  const leases = await leasesOf(db, org.id)
    .where('leases.pool_id', '=', pool.id)
    .where('leases.user_id', '=', userId!)
    .execute()
  const through = lastValidDay(pool.expires_at, org.time_zone)
  const when = expiredWhen(pool.expires_at, org.time_zone, now)
  const expired = pool.expires_at <= now
  const full = pool.used >= pool.seats
  // Seats held with no heartbeat for longer than the TTL: stuck, and what an admin can free at once.
  const staleRow = await db
    .selectFrom('leases')
    .innerJoin('seat_pools', 'seat_pools.id', 'leases.pool_id')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .where('leases.pool_id', '=', pool.id)
    .where(staleAt(now))
    .executeTakeFirst()
  const stale = Number(staleRow?.n ?? 0)
  const verdict = verdictsOf(
    [
      {
        fact: 'leases',
        detail:
          leases.length === 0
            ? 'holds no seat'
            : leases.map((l) => `${l.host}: ${leaseState(l, now)} (lease ${l.id})`).join('; '),
      },
      {
        fact: 'pool',
        detail: `${pool.used} of ${counted(pool.seats, 'seat')} in use${stale > 0 ? ` (${stale} stale)` : ''}, ${validity(expired, through, when)}`,
      },
    ],
    { exact: [email], prefix: `${product}/` },
  )
  if (expired)
    return verdict(
      false,
      'pool_expired',
      `${email} cannot check out a seat of ${product}: the subscription expired ${when}, and expired pools refuse checkout until the operator renews them.`,
    )
  if (leases.length > 0)
    return verdict(
      true,
      'ok',
      `${email} holds ${leases.length === 1 ? 'a seat' : `${leases.length} seats`} of ${product} (${leases.map((l) => `${l.host}, ${leaseState(l, now)}`).join('; ')}); the subscription is valid through ${through}.`,
    )
  if (full)
    return verdict(
      false,
      'no_free_seat',
      stale > 0
        ? `${email} holds no ${product} seat and none is free: ${allOf(pool.seats, 'in use')}, but ${stale === 1 ? '1 is stale' : `${stale} are stale`} (no heartbeat for over ${formatDuration(pool.lease_ttl_seconds * 1000)}): an admin frees stuck seats with licctl seats release --stale (licctl seats stuck lists them).`
        : `${email} holds no ${product} seat and none is free: ${allOf(pool.seats, 'in use')}, and none is stale (each sent a heartbeat within ${formatDuration(pool.lease_ttl_seconds * 1000)}, or is borrowed): licctl seats list ${product} shows who holds them. An admin can release one, or the operator add seats.`,
    )
  return verdict(
    true,
    'ok',
    `${email} holds no ${product} seat now, but can check one out: ${pool.seats - pool.used} of ${pool.seats} ${isAre(pool.seats - pool.used)} free and the subscription is valid through ${through}.`,
  )
})

/**
 * What a member holds, for an explanation without a subject: their cloud add-ons and the seats they
 * have checked out. Without it a member holding licenses got the same answer as one holding none, and
 * the admin had to guess which subject to ask about.
 */
async function holdingsOf(
  ctx: ServiceContext,
  orgId: string,
  userId: string,
): Promise<Explanation['evidence']> {
  const [addons, leases] = await Promise.all([
    ctx.db
      .selectFrom('addon_assignments as a')
      .innerJoin('addon_pools as p', 'p.id', 'a.addon_id')
      .select(['p.key', 'p.name'])
      .where('p.org_id', '=', orgId)
      .where('a.user_id', '=', userId)
      .orderBy('p.key')
      .execute(),
    ctx.db
      .selectFrom('leases as l')
      .innerJoin('seat_pools as p', 'p.id', 'l.pool_id')
      .select(['p.product', 'l.host'])
      .where('p.org_id', '=', orgId)
      .where('l.user_id', '=', userId)
      .orderBy('p.product')
      .orderBy('l.host')
      .execute(),
  ])
  return [
    {
      fact: 'add-ons',
      detail:
        addons.length === 0
          ? 'holds none'
          : `holds ${addons.map((a) => `${a.name} (${a.key})`).join(', ')}: --addon <key> says whether each can be used`,
    },
    {
      fact: 'seats',
      detail:
        leases.length === 0
          ? 'none checked out'
          : `${counted(leases.length, 'seat')} checked out: ${leases.map((l) => `${l.product} on ${l.host}`).join(', ')}`,
    },
  ]
}
