import { sql } from 'kysely'
import type { AuditEntryDetail, AuditVerification } from '../../contract/orgs.js'
import type { PageQuery } from '../../contract/common.js'
import { chainKey, entryHash, GENESIS_HASH } from '../../domain/audit-chain.js'
import { hostKey } from '../../domain/host-name.js'
import { quote } from '../../domain/terminal-controls.js'
import { instantAgo, instantProblem, rangeProblem } from '../../domain/time-range.js'
import type { Database } from '../../storage/schema.js'
import { contains, endsWith, startsWith } from '../../storage/text-match.js'
import type { ServiceContext } from '../context.js'
import { invalidField, notFound } from '../errors.js'
import { authorizeOrg } from './access.js'
import { mapPage, nowOfCursor, paginate, withNow } from './paging.js'
import { presentAudit } from './presenters.js'

export interface AuditFilter {
  action?: string | undefined
  actor?: string | undefined
  target?: string | undefined
  since?: string | undefined
  until?: string | undefined
}

/**
 * Actions whose target names a host (`<id>/<host>`, or the host alone), registered by their topic.
 * Host names are case-insensitive (RFC 4343, domain/host-name.ts), so `--target` matches these
 * entries in any case; other targets keep theirs (a device serial: `SN-1` and `sn-1` are two devices).
 */
const hostTargets = new Set<string>()

export function registerHostTargets(...actions: string[]): void {
  for (const action of actions) hostTargets.add(action)
}

/** Reads the audit log, newest first, filtered (admins). */
export async function listAudit(ctx: ServiceContext, slug: string, q: PageQuery & AuditFilter) {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: false })
  // Newest first: the cursor is the last (oldest) id of the page.
  let query = ctx.db.selectFrom('audit_events').selectAll().where('org_id', '=', org.id)
  // A prefix, exactly (storage/text-match.ts): `seats.` finds `seats.checkout`, `seats_` nothing.
  if (q.action) query = query.where(startsWith(ctx.dialect, sql.ref('action'), q.action))
  if (q.actor) query = query.where('actor', '=', q.actor)
  if (q.target) {
    // The whole target, or one of its ends: `alice@x.test` finds `cloud-processing/alice@x.test`.
    const t = q.target
    // The fold of hostKey and of the host_key columns, in SQL: A–Z alone on both dialects.
    const folded =
      ctx.dialect === 'postgres'
        ? sql<string>`translate(target, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`
        : sql<string>`lower(target)`
    query = query.where((eb) => {
      // Compared exactly, not with LIKE: SQLite's LIKE ignores the case of A–Z, PostgreSQL's does not.
      const about = (target: typeof folded | 'target', text: string) => {
        const expr = target === 'target' ? sql.ref<string>('target') : target
        return [
          eb(target, '=', text),
          endsWith(ctx.dialect, expr, `/${text}`),
          startsWith(ctx.dialect, expr, `${text}/`),
        ]
      }
      const host = hostKey(t)
      return eb.or([
        ...about('target', t),
        ...(hostTargets.size === 0
          ? []
          : [
              eb.and([
                eb('action', 'in', [...hostTargets]),
                // A rehost names two hosts, `<id>/<from>/<to>`: the first is inside.
                eb.or([...about(folded, host), contains(ctx.dialect, folded, `/${host}/`)]),
              ]),
            ]),
      ])
    })
  }
  // A duration ago counts back from the server's now, never the client's (instantAgo): the first
  // page's, on every page (nowOfCursor).
  const { cursor, now } = nowOfCursor(q.cursor, ctx.clock.now())
  const range = rangeProblem('since', q.since, q.until, now)
  if (range !== null) throw invalidField('query.until', range)
  if (q.since) query = query.where('created_at', '>=', bound('query.since', q.since, now))
  if (q.until) query = query.where('created_at', '<', bound('query.until', q.until, now))
  const page = await paginate(query, {
    limit: q.limit,
    cursor,
    keys: [{ column: 'id', value: (r) => r.id, desc: true }],
  })
  return mapPage(withNow(page, now), presentAudit)
}

/** A filter's bound as an instant at `now`, refused (naming `field`) outside the times licctl stores. */
function bound(field: string, text: string, now: number): number {
  const at = instantAgo(text, now)
  const problem = instantProblem(at)
  if (problem !== null) throw invalidField(field, `${problem}, got ${quote(text)}`)
  return at
}

/** One entry; for a bulk job, its rows too; for a bulk row, its job. */
export async function showAuditEntry(
  ctx: ServiceContext,
  slug: string,
  id: string,
): Promise<AuditEntryDetail> {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: false })
  const of = ctx.db.selectFrom('audit_events').selectAll().where('org_id', '=', org.id)
  const row = await of.where('id', '=', id).executeTakeFirst()
  if (!row) throw notFound(`audit entry ${quote(id)} not found`)
  const job = row.job_id === null ? undefined : await of.where('id', '=', row.job_id).executeTakeFirst()
  const rows = await of.where('job_id', '=', row.id).orderBy('seq').execute()
  return { entry: presentAudit(row), job: job ? presentAudit(job) : null, rows: rows.map(presentAudit) }
}

const VERIFY_PAGE = 1000

/** `entry 7 is` or `entries 7–9 are`: a run of seqs as the subject of a sentence. */
function entriesAre(from: number, to: number): string {
  return from === to ? `entry ${from} is` : `entries ${from}–${to} are`
}

/**
 * Recomputes an organization's chain from its first entry: each entry's hash over its stored
 * content, its link to the previous hash, its place (no seq skipped), and finally the head row.
 * Stops at the first entry that does not match and says why; the entries it reports as verified
 * (and the last good one) are those before that entry.
 */
export async function verifyAudit(ctx: ServiceContext, slug: string): Promise<AuditVerification> {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: false })
  const head = await ctx.db
    .selectFrom('audit_heads')
    .select(['seq', 'hash'])
    .where('chain', '=', chainKey(org.id))
    .executeTakeFirst()
  let seq = 0
  let prev = GENESIS_HASH
  // The last entry walked: the one a head that does not match it names.
  let last: { id: string; prevHash: string } | null = null
  /** The report when the chain held up to entry `upTo`, whose hash is `hash`. */
  const report = (broken: AuditVerification['broken'], upTo = seq, hash = prev): AuditVerification => ({
    org: org.slug,
    intact: broken === null,
    entries: upTo,
    head: upTo === 0 ? null : { seq: upTo, hash },
    broken,
  })
  for (;;) {
    const rows: Array<Database['audit_events']> = await ctx.db
      .selectFrom('audit_events')
      .selectAll()
      .where('org_id', '=', org.id)
      .where('seq', '>', seq)
      .orderBy('seq')
      .limit(VERIFY_PAGE)
      .execute()
    for (const r of rows) {
      const at = { id: r.id, seq: r.seq }
      if (r.seq !== seq + 1)
        return report({
          ...at,
          reason: 'missing',
          message: `${entriesAre(seq + 1, r.seq - 1)} missing before entry ${r.seq} (${r.id})`,
        })
      if (r.prev_hash !== prev)
        return report({
          ...at,
          reason: 'relinked',
          message:
            seq === 0
              ? `entry 1 (${r.id}) does not start the chain: its previous hash is not the chain's first, so it was altered or entries before it were removed`
              : `entry ${r.seq} (${r.id}) does not follow entry ${seq}: its previous hash differs, so one of the two was altered`,
        })
      if (entryHash(r) !== r.hash)
        return report({
          ...at,
          reason: 'altered',
          message: `entry ${r.seq} (${r.id}) was altered: its content no longer matches its hash`,
        })
      seq = r.seq
      prev = r.hash
      last = { id: r.id, prevHash: r.prev_hash }
    }
    if (rows.length < VERIFY_PAGE) break
  }
  const unchained = await ctx.db
    .selectFrom('audit_events')
    .select(['id'])
    .where('org_id', '=', org.id)
    .where('seq', 'is', null)
    .orderBy('id')
    .executeTakeFirst()
  if (unchained)
    return report({
      id: unchained.id,
      seq: null,
      reason: 'unchained',
      message: `entry ${unchained.id} is not in the chain: it was inserted around the server`,
    })
  const headSeq = head ? Number(head.seq) : 0
  if (headSeq > seq)
    return report({
      id: null,
      seq: headSeq,
      reason: 'missing',
      message: `${entriesAre(seq + 1, headSeq)} missing from the end of the log (the head says ${headSeq})`,
    })
  if (headSeq < seq) {
    // Entries past the head: the head is written with every entry, so these were added around
    // the server (or the head was set back). The chain holds only up to the head: the first entry
    // past it is where it breaks, and its previous hash is the head's entry's.
    const first = await ctx.db
      .selectFrom('audit_events')
      .select(['id', 'prev_hash'])
      .where('org_id', '=', org.id)
      .where('seq', '=', headSeq + 1)
      .executeTakeFirstOrThrow()
    return report(
      {
        id: first.id,
        seq: headSeq + 1,
        reason: 'head-mismatch',
        message: `${entriesAre(headSeq + 1, seq)} past the chain head (${head ? `entry ${headSeq}` : 'there is none'}), from entry ${headSeq + 1} (${first.id}): written around the server, or the head was set back`,
      },
      headSeq,
      first.prev_hash,
    )
  }
  if (head && last && head.hash !== prev)
    // The head names the last entry but another hash: that entry was rewritten with its hash
    // recomputed (or the head was): the chain holds up to the entry before it.
    return report(
      {
        id: last.id,
        seq,
        reason: 'head-mismatch',
        message: `entry ${seq} (${last.id}) does not match the chain head, which holds another hash for it: the entry was rewritten with its hash recomputed, or the head was altered`,
      },
      seq - 1,
      last.prevHash,
    )
  return report(null)
}
