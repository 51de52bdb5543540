import { chainKey, entryHash, GENESIS_HASH } from '../../domain/audit-chain.js'
import { newId } from '../../domain/ids.js'
import type { Clock } from '../../domain/clock.js'
import type { Database } from '../../storage/schema.js'
import type { Executor, Principal } from '../context.js'
import { actorName } from '../context.js'
import { insertRows } from '../../storage/insert-rows.js'
import { prepareQuery } from '../../storage/prepared.js'
import { beforeCommit, inTransaction, type Tx } from '../transaction.js'

export interface AuditInput {
  orgId: string | null
  action: string
  target: string
  before?: unknown
  after?: unknown
}

/** Who and when: what every audit entry takes from the service context. */
export interface AuditSource {
  principal: Principal
  clock: Clock
  requestId?: string | undefined
}

/** An entry waiting for its transaction to commit: everything but its place in the chain. */
interface PendingEntry {
  id: string
  org_id: string | null
  actor: string
  action: string
  target: string
  before: string | null
  after: string | null
  request_id: string | null
  job_id: string | null
  created_at: number
}

/** An entry given its place in its chain (by flushAudit, in place). */
type ChainedEntry = PendingEntry & { seq: number; prev_hash: string; hash: string }

interface Pending {
  entries: PendingEntry[]
  /** Set by the bulk engine on the transaction: rows recorded in it belong to this job entry. */
  jobId?: string
  /** The job entry itself (chained first, linked to nothing). */
  job?: PendingEntry
  /** The flush is registered (root buffers only). */
  scheduled?: boolean
}

/**
 * Entries are buffered per transaction or savepoint object, and appended to their chains by a
 * `beforeCommit` hook: the chain head (one row per organization that every writer locks) is
 * then the last lock a transaction takes, held only for a few statements. Locking it at the first
 * change would serialize every writer of the organization for its whole transaction and invite
 * deadlocks with the rows locked after it. A savepoint's entries wait in its own buffer, whose
 * hook `withSavepoint` drops if the savepoint rolls back; when it commits they join the
 * transaction's buffer, and one flush writes them all.
 */
const pending = new WeakMap<object, Pending>()

function bufferOf(db: object): Pending {
  let p = pending.get(db)
  if (!p) pending.set(db, (p = { entries: [] }))
  return p
}

function toPending(src: AuditSource, entry: AuditInput, now: number): PendingEntry {
  return {
    id: newId('ev', now),
    org_id: entry.orgId,
    actor: actorName(src.principal),
    action: entry.action,
    target: entry.target,
    before: entry.before === undefined ? null : JSON.stringify(entry.before),
    after: entry.after === undefined ? null : JSON.stringify(entry.after),
    request_id: src.requestId ?? null,
    job_id: null,
    created_at: now,
  }
}

/** Records one change, in the caller's transaction so it commits or rolls back with the change. */
export async function audit(db: Executor, src: AuditSource, entry: AuditInput): Promise<void> {
  await auditMany(db, src, [entry])
}

/**
 * Records many changes at once (a bulk batch's rows): the same entries as `audit` for each, written
 * with one multi-row INSERT per thousand when the transaction commits.
 */
export async function auditMany(
  db: Executor,
  src: AuditSource,
  entries: readonly AuditInput[],
): Promise<void> {
  if (entries.length === 0) return
  if (!db.isTransaction) {
    // Outside a transaction: the entries get one of their own.
    await inTransaction(db, (trx) => auditMany(trx, src, entries))
    return
  }
  const now = src.clock.now()
  const buffer = bufferOf(db)
  const first = buffer.entries.length === 0
  for (const e of entries) buffer.entries.push(toPending(src, e, now))
  if (!first) return
  try {
    beforeCommit(db as Tx, (trx) => stage(db, trx))
  } catch {
    // A transaction not opened by inTransaction() has no commit hooks: append at once. Correct, but
    // the head is then locked mid-transaction; services should open theirs with inTransaction().
    await flushAudit(db)
  }
}

/** Moves a (savepoint's or transaction's) buffer into the transaction's, and schedules one flush. */
async function stage(from: object, trx: Tx): Promise<void> {
  const source = pending.get(from)
  const root = bufferOf(trx)
  if (source && from !== trx) {
    pending.delete(from)
    root.entries.push(...source.entries)
  }
  if (!root.scheduled) {
    root.scheduled = true
    beforeCommit(trx, flushAudit)
  }
}

/**
 * Bulk jobs: the id the job entry will have, so the entries recorded in this transaction link to
 * it; `auditJob` then records the job entry itself.
 */
export function beginAuditJob(trx: Tx, now: number): string {
  const jobId = newId('ev', now)
  bufferOf(trx).jobId = jobId
  return jobId
}

/** The bulk job's own entry (its totals), under the id its rows link to; chained before them. */
export function auditJob(trx: Tx, src: AuditSource, jobId: string, entry: AuditInput): void {
  const root = bufferOf(trx)
  root.job = { ...toPending(src, entry, src.clock.now()), id: jobId }
  void stage(trx, trx)
}

// Under SQLite's and PostgreSQL's bound-parameter limits (15 columns a row).
const INSERT_ROWS = 1000

/** Every column of an audit entry, in the order of the INSERT. */
const AUDIT_COLUMNS = [
  'id',
  'org_id',
  'actor',
  'action',
  'target',
  'before',
  'after',
  'request_id',
  'job_id',
  'created_at',
  'seq',
  'prev_hash',
  'hash',
] as const satisfies ReadonlyArray<keyof Database['audit_events']>

// An upsert that changes nothing but takes the row lock (PostgreSQL) and returns the head; on
// SQLite the transaction already holds the database's write lock (BEGIN IMMEDIATE).
const lockHead = prepareQuery((db, chain: string) =>
  db
    .insertInto('audit_heads')
    .values({ chain, seq: 0, hash: GENESIS_HASH })
    .onConflict((oc) => oc.column('chain').doUpdateSet((eb) => ({ seq: eb.ref('audit_heads.seq') })))
    .returning(['seq', 'hash']),
)
const moveHead = prepareQuery((db, seq: number, hash: string, chain: string) =>
  db.updateTable('audit_heads').set({ seq, hash }).where('chain', '=', chain),
)

/**
 * Appends the transaction's buffered entries to their chains: per chain (in key order, so two
 * transactions touching two chains lock them in one order), lock the head row, give each entry
 * the next seq, the previous hash and its own hash, insert them, move the head. Call it last in
 * the transaction, just before commit.
 */
export async function flushAudit(db: Executor | Tx): Promise<void> {
  const p = pending.get(db)
  pending.delete(db)
  if (!p) return
  // The buffer is the transaction's own and is dropped here: its entries are completed in place
  // (a bulk batch's thousand entries, not copied twice over).
  if (p.job) for (const e of p.entries) e.job_id ??= p.jobId ?? null
  const rows = p.job ? [p.job, ...p.entries] : p.entries
  if (rows.length === 0) return
  const byChain = new Map<string, PendingEntry[]>()
  for (const e of rows) {
    const key = chainKey(e.org_id)
    const list = byChain.get(key)
    if (list) list.push(e)
    else byChain.set(key, [e])
  }
  for (const key of [...byChain.keys()].sort()) {
    const entries = byChain.get(key)!
    const head = await lockHead.takeFirst(db, key)
    if (!head) throw new Error(`audit head ${key}: the upsert returned no row`)
    let seq = Number(head.seq)
    let prev = head.hash
    const rows = entries as ChainedEntry[]
    for (const row of rows) {
      row.seq = ++seq
      row.prev_hash = prev
      prev = row.hash = entryHash(row)
    }
    for (let i = 0; i < rows.length; i += INSERT_ROWS)
      await insertRows(db, 'audit_events', AUDIT_COLUMNS, rows.slice(i, i + INSERT_ROWS))
    await moveHead.execute(db, seq, prev, key)
  }
}
