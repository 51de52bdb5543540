import type { Transaction } from 'kysely'
import { chainKey, entryHash, GENESIS_HASH } from '../../domain/audit-chain.js'
import { newId } from '../../domain/ids.js'
import type { Clock } from '../../domain/clock.js'
import type { Database } from '../../storage/schema.js'
import type { Executor, Principal } from '../context.js'
import { actorName } from '../context.js'

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

interface Pending {
  entries: PendingEntry[]
  /** Set by the bulk engine: rows recorded in this transaction belong to this job entry. */
  jobId?: string
}

/**
 * Entries buffered per transaction (or savepoint) object. They are chained and inserted together by
 * `flushAudit` just before the transaction commits, so the chain head (one row per organization
 * that every writer must lock) is locked last and held only for a few statements: locking it at the
 * first change would serialize every writer of the organization for their whole transaction and
 * invite deadlocks with the rows they lock after it.
 */
const pending = new WeakMap<object, Pending>()

function bufferOf(db: Executor): Pending {
  let p = pending.get(db)
  if (!p) pending.set(db, (p = { entries: [] }))
  return p
}

function toPending(
  src: AuditSource,
  entry: AuditInput,
  jobId: string | undefined,
  now: number,
): PendingEntry {
  return {
    id: newId('ev', now),
    org_id: entry.orgId,
    actor: actorName(src.principal),
    action: entry.action,
    target: entry.target,
    before: entry.before === undefined ? null : JSON.stringify(entry.before),
    after: entry.after === undefined ? null : JSON.stringify(entry.after),
    request_id: src.requestId ?? null,
    job_id: jobId ?? null,
    created_at: now,
  }
}

/** Records one change, in the caller's transaction so it commits or rolls back with the change. */
export async function audit(db: Executor, src: AuditSource, entry: AuditInput): Promise<void> {
  await auditMany(db, src, [entry])
}

/**
 * Records many changes at once (a bulk batch's rows): the same entries as `audit` for each, written
 * with one multi-row INSERT per thousand at flush time.
 */
export async function auditMany(
  db: Executor,
  src: AuditSource,
  entries: readonly AuditInput[],
): Promise<void> {
  if (entries.length === 0) return
  const now = src.clock.now()
  if (!db.isTransaction) {
    // Outside a transaction: the entries get one of their own.
    await db.transaction().execute(async (trx) => {
      await auditMany(trx, src, entries)
      await flushAudit(trx)
    })
    return
  }
  const buffer = bufferOf(db)
  for (const e of entries) buffer.entries.push(toPending(src, e, buffer.jobId, now))
}

/**
 * Bulk jobs: the id the job entry will have, so the rows recorded in this transaction link to it.
 * The job entry itself is recorded with `audit(..., { id })` semantics through `auditJob`.
 */
export function beginAuditJob(db: Executor, now: number): string {
  const jobId = newId('ev', now)
  bufferOf(db).jobId = jobId
  return jobId
}

/** The bulk job's own entry (its totals), under the id rows link to. */
export function auditJob(db: Executor, src: AuditSource, jobId: string, entry: AuditInput): void {
  // First in the buffer: the job entry comes before its rows in the chain, as its id sorts before theirs.
  bufferOf(db).entries.unshift({ ...toPending(src, entry, undefined, src.clock.now()), id: jobId })
}

/** A savepoint's entries: kept in its transaction's buffer when released, dropped when rolled back. */
export function settleSavepoint(savepoint: Executor, parent: Executor, kept: boolean): void {
  const p = pending.get(savepoint)
  pending.delete(savepoint)
  if (!p || !kept) return
  const into = bufferOf(parent)
  into.entries.push(...p.entries.map((e) => ({ ...e, job_id: e.job_id ?? into.jobId ?? null })))
}

/** Drops what a transaction buffered (it rolled back). */
export function discardAudit(db: Executor): void {
  pending.delete(db)
}

/**
 * Runs `fn` in a transaction and appends the audit entries it recorded last, just before commit.
 * Every service transaction that records changes goes through this (bulk batches call `flushAudit`).
 */
export function audited<T>(db: Executor, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const result = await fn(trx)
    await flushAudit(trx)
    return result
  })
}

// Under SQLite's and PostgreSQL's bound-parameter limits (15 columns a row).
const INSERT_ROWS = 1000

/**
 * Appends the transaction's buffered entries to their chains: per chain (in key order, so two
 * transactions touching two chains lock them in one order), lock the head row, give each entry
 * the next seq, the previous hash and its own hash, insert them, move the head. Call it last in
 * the transaction, just before commit.
 */
export async function flushAudit(db: Executor | Transaction<Database>): Promise<void> {
  const p = pending.get(db)
  pending.delete(db)
  if (!p || p.entries.length === 0) return
  const byChain = new Map<string, PendingEntry[]>()
  for (const e of p.entries) {
    const key = chainKey(e.org_id)
    const list = byChain.get(key)
    if (list) list.push(e)
    else byChain.set(key, [e])
  }
  for (const key of [...byChain.keys()].sort()) {
    const entries = byChain.get(key)!
    // An upsert that changes nothing but takes the row lock (PostgreSQL) and returns the head; on
    // SQLite the transaction already holds the database's write lock (BEGIN IMMEDIATE).
    const head = await db
      .insertInto('audit_heads')
      .values({ chain: key, seq: 0, hash: GENESIS_HASH })
      .onConflict((oc) => oc.column('chain').doUpdateSet((eb) => ({ seq: eb.ref('audit_heads.seq') })))
      .returning(['seq', 'hash'])
      .executeTakeFirstOrThrow()
    let seq = Number(head.seq)
    let prev = head.hash
    const rows = entries.map((e) => {
      seq++
      const hash = entryHash({ ...e, seq, prev_hash: prev })
      const row = { ...e, seq, prev_hash: prev, hash }
      prev = hash
      return row
    })
    for (let i = 0; i < rows.length; i += INSERT_ROWS)
      await db
        .insertInto('audit_events')
        .values(rows.slice(i, i + INSERT_ROWS))
        .execute()
    await db.updateTable('audit_heads').set({ seq, hash: prev }).where('chain', '=', key).execute()
  }
}
