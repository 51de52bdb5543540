import type { ControlledTransaction, DatabaseConnection, Kysely } from 'kysely'
import { isStalePlan } from '../storage/pg-dialect.js'
import { prepareQuery, releaseDirect, runDirectly } from '../storage/prepared.js'
import type { Database, Dialect } from '../storage/schema.js'
import { redactTokens } from '../domain/tokens.js'
import type { IdempotencyClaim, StoredAnswer } from './context.js'
import { AppError } from './errors.js'

/** The transaction every service works in: a Kysely controlled transaction (it can take savepoints). */
export type Tx = ControlledTransaction<Database>

/** What a transaction can be opened on: a service context, a Storage, or a bare Kysely instance. */
export type TxSource =
  { db: Kysely<Database>; dialect?: Dialect; idempotency?: IdempotencyClaim | undefined } | Kysely<Database>

export interface TxOptions {
  /** Roll back instead of committing (dry runs): fn's result is returned, nothing stays. */
  rollback?: boolean
  /** Retries after a deadlock, a serialization failure or a busy database (default 5). */
  retries?: number
  /** Base of the jittered exponential backoff between attempts, in ms (default 20). */
  backoffMs?: number
  /**
   * fn's result is the request's answer: the service returns it as it is. Under an Idempotency-Key
   * the answer is then stored over the key's reservation in this transaction, with the change,
   * instead of in a write transaction of its own after the commit.
   */
  answer?: boolean
}

/** A hook run inside a transaction just before it commits. */
export type CommitHook = (trx: Tx) => Promise<void>

interface TxState {
  dialect: Dialect | undefined
  hooks: CommitHook[]
  /** SQLite: the connection the transaction holds, on which its prepared queries run directly. */
  connection?: DatabaseConnection
}

// Per transaction (and its savepoints, which are other objects over the same connection).
const states = new WeakMap<object, TxState>()

/**
 * Runs `fn` in one transaction and commits it (or rolls it back with `opts.rollback`). The one way
 * services open a transaction.
 *
 * Contention is retried, not reported: a PostgreSQL deadlock (40P01) or serialization failure
 * (40001), a prepared statement another process's migration outdated (see nameStatements), or
 * SQLite's BUSY/LOCKED, rolls the attempt back and runs `fn` again on a fresh
 * transaction, up to `retries` times with jittered exponential backoff. So `fn` must be safe to run
 * again: everything it changes outside the database must be (re)initialised inside it. Only
 * exhausted retries surface, as a 503 `contention` (retryable) — never as `internal`. A PostgreSQL
 * unique violation (23505) is retried too: a service looks for what it creates before inserting it,
 * and two transactions doing so at once (on SQLite they take turns) both find nothing; the one
 * whose insert fails finds, at its next attempt, the row the other committed, and answers as it
 * would have a moment later (`already_exists`, `already-so`). If every attempt fails so, the
 * violation is thrown as it is. Any other error rolls back and is thrown as it is.
 */
/**
 * Transactions retried since the process started, by reason (`deadlock`, `serialization`, …): what
 * the runner hides from callers, counted so that tests can show a lock order holds (no deadlock to
 * retry), and a retry is not mistaken for success.
 */
export const contentionRetries: Record<string, number> = {}

export async function inTransaction<T>(
  source: TxSource,
  fn: (trx: Tx) => Promise<T>,
  opts: TxOptions = {},
): Promise<T> {
  const db = 'db' in source ? source.db : source
  const dialect = 'db' in source ? source.dialect : undefined
  const claim = 'db' in source ? source.idempotency : undefined
  const retries = opts.retries ?? 5
  const backoff = opts.backoffMs ?? 20
  for (let attempt = 0; ; attempt++) {
    try {
      return await attemptOnce(db, dialect, fn, opts.rollback ?? false, claim, opts.answer === true)
    } catch (err) {
      const reason = contentionOf(err)
      if (reason === undefined) throw err
      if (attempt >= retries) {
        // A key still taken after every attempt is no race lost but a mistake: reported as it is.
        if (reason === UNIQUE_RACE) throw err
        throw new AppError(
          'contention',
          `the database was too busy with concurrent changes (${reason}, ${attempt + 1} attempts): retry the request`,
          { attempts: attempt + 1, reason },
        )
      }
      contentionRetries[reason] = (contentionRetries[reason] ?? 0) + 1
      // Full jitter: a random wait up to an exponentially growing cap, so the losers do not collide again.
      await sleep(Math.random() * backoff * 2 ** attempt)
    }
  }
}

async function attemptOnce<T>(
  db: Kysely<Database>,
  dialect: Dialect | undefined,
  fn: (trx: Tx) => Promise<T>,
  rollback: boolean,
  claim: IdempotencyClaim | undefined,
  answer: boolean,
): Promise<T> {
  const trx = await db.startTransaction().execute()
  const state: TxState = { dialect, hooks: [] }
  states.set(trx, state)
  try {
    if (dialect === 'sqlite') {
      state.connection = await trx.getExecutor().provideConnection(async (c) => c)
      runDirectly(trx, state.connection)
    }
    // When the result is the answer, the key is written once, with the answer, after fn (see
    // storeAnswer); otherwise it is reserved first and answered after the commit.
    const withAnswer = claim !== undefined && answer && !rollback
    if (claim && !claim.claimed && !withAnswer) await reserveKey(trx, claim)
    let result: T
    try {
      result = await fn(trx)
    } catch (err) {
      // A refusal, under a key that a request with the same key has written meanwhile: that
      // request's change and answer stand, and this one must not answer otherwise.
      if (withAnswer && !claim.claimed && err instanceof AppError && (await keyWritten(trx, claim)))
        throw keyTaken(claim)
      throw err
    }
    // Before the commit hooks, so the audit chain's head stays the last lock taken.
    const stored = withAnswer ? await storeAnswer(trx, claim, result) : undefined
    // Hooks may register further hooks: run until none is left. Dry runs run them too, so a dry run
    // fails wherever the real run would.
    for (let i = 0; i < state.hooks.length; i++) await state.hooks[i]!(trx)
    if (rollback) await trx.rollback().execute()
    else {
      await trx.commit().execute()
      if (claim) {
        claim.claimed = true
        claim.stored = stored
      }
    }
    return result
  } catch (err) {
    if (!trx.isCommitted && !trx.isRolledBack)
      await trx
        .rollback()
        .execute()
        .catch(() => {})
    throw err
  } finally {
    releaseDirect(trx)
  }
}

/**
 * An Idempotency-Key's row written, unless the key is there already (then no row is returned): a
 * reservation (status 0, no body yet) or the key with its answer.
 */
export const writeKey = prepareQuery(
  (db, scope: string, key: string, hash: string, statusCode: number, body: string, createdAt: number) =>
    db
      .insertInto('idempotency_keys')
      .values({
        scope,
        key,
        request_hash: hash,
        status_code: statusCode,
        response_body: body,
        created_at: createdAt,
      })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .returning('key'),
)

/** An Idempotency-Key's row, if it is written. */
export const storedKey = prepareQuery((db, scope: string, key: string) =>
  db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key),
)

export const inProgress = () =>
  new AppError(
    'idempotency_in_progress',
    'a request with this Idempotency-Key is still being processed; retry shortly',
  )

/**
 * The request's Idempotency-Key was found written by another request, and this request never
 * looked it up (IdempotencyClaim.lookedUp): the route answers from the stored key (a replay, or
 * the refusal the plugin would have given before the handler). Rolls the transaction back.
 */
export class KeyTaken extends Error {
  constructor() {
    super('the Idempotency-Key is taken')
    this.name = 'KeyTaken'
  }
}

const keyTaken = (claim: IdempotencyClaim) => (claim.lookedUp ? inProgress() : new KeyTaken())

/** Whether the key is written (seen from inside the transaction: committed, or in its own SQLite group). */
async function keyWritten(trx: Tx, claim: IdempotencyClaim): Promise<boolean> {
  try {
    return (await storedKey.takeFirst(trx, claim.scope, claim.key)) !== undefined
  } catch {
    // The transaction can no longer run statements (PostgreSQL, after a failed one): the refusal stands.
    return false
  }
}

/**
 * Reserves the request's Idempotency-Key inside its transaction (status 0: in progress). Another
 * request with the key got there first — it holds the reservation, or has answered since the
 * check before the handler — so this one is told to retry, and the retry finds the stored answer.
 */
async function reserveKey(trx: Tx, claim: IdempotencyClaim): Promise<void> {
  const reserved = await writeKey.takeFirst(trx, claim.scope, claim.key, claim.hash, 0, '', claim.createdAt)
  if (!reserved) throw keyTaken(claim)
}

/** A request's answer written over its key's reservation (status 0). */
export const answerOverReservation = prepareQuery(
  (db, statusCode: number, body: string, scope: string, key: string) =>
    db
      .updateTable('idempotency_keys')
      .set({ status_code: statusCode, response_body: body })
      .where('scope', '=', scope)
      .where('key', '=', key),
)

/**
 * Stores the answer `result` will be sent as (secrets redacted, as the idempotency plugin would
 * after the response) with the change: the key and its answer in one row, one statement, or over
 * the reservation of an earlier transaction of the request. A request with the same key that got
 * there first makes this one roll back as in progress (its retry finds the stored answer), as the
 * reservation would have. Without the route's serializer, or when the result does not serialize
 * (the response then fails on its own), only the reservation is written and the plugin answers it.
 */
async function storeAnswer(
  trx: Tx,
  claim: IdempotencyClaim,
  result: unknown,
): Promise<StoredAnswer | undefined> {
  let answer: StoredAnswer | undefined
  try {
    answer = claim.answerOf?.(result)
  } catch {
    answer = undefined
  }
  if (!answer || answer.statusCode >= 500) {
    if (!claim.claimed) await reserveKey(trx, claim)
    return undefined
  }
  const body = redactTokens(answer.body)
  if (claim.claimed) {
    await answerOverReservation.execute(trx, answer.statusCode, body, claim.scope, claim.key)
    return answer
  }
  const written = await writeKey.takeFirst(
    trx,
    claim.scope,
    claim.key,
    claim.hash,
    answer.statusCode,
    body,
    claim.createdAt,
  )
  if (!written) throw keyTaken(claim)
  return answer
}

/**
 * Registers `hook` to run inside `trx` just before it commits, after everything the service did,
 * in registration order. What must come last goes here: e.g. appending hash-chained audit entries,
 * so the per-organization audit-head lock is always the last lock a transaction takes. A hook
 * registered inside a savepoint that is then rolled back is dropped with it (see withSavepoint).
 */
export function beforeCommit(trx: Tx, hook: CommitHook): void {
  stateOf(trx).hooks.push(hook)
}

/**
 * Runs `fn` in a savepoint of `trx`: released when fn returns, rolled back (with the commit hooks
 * registered inside it) when fn throws, and the error rethrown.
 */
export async function withSavepoint<T>(trx: Tx, name: string, fn: (sp: Tx) => Promise<T>): Promise<T> {
  const state = stateOf(trx)
  const mark = state.hooks.length
  const sp = await trx.savepoint(name).execute()
  states.set(sp, state)
  if (state.connection) runDirectly(sp, state.connection)
  try {
    const result = await fn(sp)
    await sp.releaseSavepoint(name).execute()
    return result
  } catch (err) {
    await sp.rollbackToSavepoint(name).execute()
    state.hooks.length = Math.min(state.hooks.length, mark)
    throw err
  } finally {
    releaseDirect(sp)
  }
}

/**
 * Locks rows for the rest of the transaction, in the order given (PostgreSQL: SELECT … FOR UPDATE,
 * one row at a time so the order is ours). SQLite transactions begin IMMEDIATE and hold the
 * database's write lock already: nothing to do there. Lock shared rows (a pool) first, then rows
 * sorted by key: transactions that all lock in one order cannot deadlock each other. `no key update`
 * serializes the lockers alone: a row that foreign keys point at (an organization: each device's,
 * membership's, token's org_id) is then not locked against the key-share lock each insert
 * referencing it takes.
 */
export async function lockRows(
  trx: Tx,
  table: 'addon_pools' | 'seat_pools' | 'organizations',
  ids: readonly string[],
  mode: 'update' | 'no key update' = 'update',
): Promise<void> {
  if (states.get(trx)?.dialect !== 'postgres') return
  for (const id of ids) {
    const row = trx.selectFrom(table).select('id').where('id', '=', id)
    await (mode === 'update' ? row.forUpdate() : row.forNoKeyUpdate()).execute()
  }
}

/**
 * Locks the memberships of these users in an organization for the rest of the transaction and says
 * which still exist (PostgreSQL; null on SQLite, whose transactions hold the write lock already).
 * A removal takes them `for update` before releasing what the member holds; whatever gives a member
 * a license (a checkout, an assignment) takes them `for key share` before writing it: so one waits
 * for the other, and a license written for a member being removed is either released by the removal
 * or refused (not_a_member) after it, never left behind.
 */
export async function lockMemberships(
  trx: Tx,
  orgId: string,
  userIds: readonly string[],
  mode: 'update' | 'key share',
): Promise<Set<string> | null> {
  if (states.get(trx)?.dialect !== 'postgres') return null
  if (userIds.length === 0) return new Set()
  const query = trx
    .selectFrom('memberships')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('user_id', 'in', [...userIds].sort())
    .orderBy('user_id')
  const rows = await (mode === 'update' ? query.forUpdate() : query.forKeyShare()).execute()
  return new Set(rows.map((r) => r.user_id))
}

function stateOf(trx: Tx): TxState {
  const state = states.get(trx)
  if (!state) throw new Error('not a transaction opened by inTransaction()')
  return state
}

const UNIQUE_RACE = 'a row created by a concurrent transaction'

/** Why an error is worth another attempt (deadlock, serialization, unique race, busy), or undefined. */
export function contentionOf(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as Error).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (code === '40P01') return 'deadlock'
    if (code === '40001') return 'serialization failure'
    if (code === '23505') return UNIQUE_RACE
    if (isStalePlan(e)) return 'a prepared statement outdated by a schema change'
    if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) return 'database busy'
    if (typeof code === 'string' && code.startsWith('SQLITE_LOCKED')) return 'database locked'
  }
  return undefined
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
