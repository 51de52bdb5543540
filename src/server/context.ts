import type { Kysely } from 'kysely'
import type { Clock } from '../domain/clock.js'
import type { Database, Dialect } from '../storage/schema.js'

export type Principal =
  | { kind: 'operator'; tokenId: string }
  | {
      kind: 'user'
      tokenId: string
      userId: string
      email: string
      orgId: string
      orgSlug: string
      role: 'admin' | 'member'
      readOnly: boolean
    }

/** What every service function gets: the database, the clock and who is asking. */
export interface ServiceContext {
  db: Kysely<Database>
  dialect: Dialect
  clock: Clock
  principal: Principal
  /** The request's id (X-Request-Id), recorded with every audit entry it causes. */
  requestId?: string | undefined
  /** The request's Idempotency-Key, claimed by the first transaction the request commits. */
  idempotency?: IdempotencyClaim | undefined
}

/**
 * A mutation's Idempotency-Key, not yet stored. The first transaction a request's service commits
 * inserts the key's reservation in that same transaction (the transaction runner does it), so a
 * change and its key commit or roll back together, without a commit of their own; a request
 * racing with the same key finds it then and is told the first is in progress.
 */
export interface IdempotencyClaim {
  scope: string
  key: string
  hash: string
  createdAt: number
  /** Set once a transaction holding the reservation has committed. */
  claimed: boolean
  /**
   * False when the plugin did not look the key up before the handler (a route whose service writes
   * the key with its answer, `routesOf`'s `keyWithAnswer`): a key found taken in the transaction is
   * then `KeyTaken`, and the route answers from the stored row instead.
   */
  lookedUp: boolean
  /** Set by the route: how a result is sent (status and JSON body), for `inTransaction`'s `answer`. */
  answerOf?: ((result: unknown) => StoredAnswer | undefined) | undefined
  /** The answer a committed transaction stored with its change (see `TxOptions.answer`). */
  stored?: StoredAnswer | undefined
}

/** A response as it is sent, and the result it was serialized from. */
export interface StoredAnswer {
  result: unknown
  statusCode: number
  body: string
}

export type Executor = Kysely<Database>

export function actorName(p: Principal): string {
  return p.kind === 'operator' ? 'operator' : p.email
}
