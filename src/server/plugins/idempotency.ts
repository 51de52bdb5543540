import { hash as digest } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_RULE } from '../../domain/idempotency-key.js'
import { redactTokens } from '../../domain/tokens.js'
import { AppError } from '../errors.js'
import { isDryRun } from './auth.js'
import { answerOverReservation, inProgress, storedKey, writeKey } from '../transaction.js'
import { isDatabaseUnavailable } from './errors.js'
import type { IdempotencyClaim } from '../context.js'

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: IdempotencyClaim | null
  }
}

const SECRET_MARK = /lic_(op|u)_\[REDACTED\]/
const ABANDONED_AFTER_MS = 120_000

type StoredKey = NonNullable<Awaited<ReturnType<typeof storedKey.takeFirst>>>

/**
 * What a key already stored means for a request carrying it: the stored answer replayed (true),
 * or a refusal thrown (another body, still in progress, a secret not to replay). False when it was
 * a reservation abandoned by a server that died mid-request, removed now: the request may run.
 */
async function answerFromStored(
  app: FastifyInstance,
  stored: StoredKey,
  hash: string,
  now: number,
  reply: FastifyReply,
): Promise<boolean> {
  if (stored.request_hash !== hash)
    throw new AppError('idempotency_key_reused', 'this Idempotency-Key was used for a different request')
  if (stored.status_code === 0) {
    // A reservation left by a server that died between its commit and storing the answer is
    // taken over after a while: removed, so this request reserves the key anew.
    const takenOver =
      now - stored.created_at > ABANDONED_AFTER_MS &&
      (
        await app.storage.db
          .deleteFrom('idempotency_keys')
          .where('scope', '=', stored.scope)
          .where('key', '=', stored.key)
          .where('status_code', '=', 0)
          .where('created_at', '=', stored.created_at)
          .executeTakeFirst()
      ).numDeletedRows === 1n
    if (!takenOver) throw inProgress()
    return false
  }
  if (SECRET_MARK.test(stored.response_body))
    throw new AppError(
      'secret_not_replayable',
      'this request already succeeded and created a token, which is shown only once: revoke it and create another',
      { response: JSON.parse(stored.response_body) as unknown },
    )
  reply.header('idempotent-replayed', 'true')
  reply.code(stored.status_code).type('application/json').send(stored.response_body)
  return true
}

/**
 * A route's answer when its transaction found the request's key taken (KeyTaken): the stored
 * answer replayed, or the refusal the check before the handler would have given. A reservation
 * found abandoned is removed and the request told to retry (it then runs).
 */
export async function answerFromTakenKey(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const idem = request.idempotency
  if (!idem) throw new Error('answerFromTakenKey: the request has no Idempotency-Key')
  // The answer sent now is the stored one (or a refusal): nothing to store after it.
  request.idempotency = null
  const stored = await storedKey.takeFirst(app.storage.db, idem.scope, idem.key)
  if (stored && (await answerFromStored(app, stored, idem.hash, app.clock.now(), reply))) return reply
  throw inProgress()
}

/**
 * Idempotency-Key on mutations: the first response for a key (per token) is stored and replayed
 * for a retry with the same body; the same key with another body is refused. A response that
 * carried a new token is stored with the token redacted (secrets exist only as hashes), so its
 * replay is refused with the stored, redacted answer (the token id to revoke) instead.
 *
 * The key is reserved inside the first transaction the request's service commits (see
 * `IdempotencyClaim`), not by a write of its own before the handler: of two requests racing with
 * one key, one commits its change with the reservation and the other is told it is in progress
 * (retryable), never both; a change that rolls back takes its reservation with it. The answer is
 * then stored over the reservation as it is sent. A request whose handler committed no
 * transaction (a refusal, a dry run) has its answer stored as it is sent.
 *
 * When the service's result is the answer (`TxOptions.answer`: a seat checkout, every bulk batch),
 * the key and its answer are one row written at the end of the change's transaction, and the route
 * (`keyWithAnswer`) skips the lookup before the handler: one statement where a lookup, a
 * reservation and an answer written after the commit (a write transaction of its own) were three.
 * A request that finds the key written there, or refuses something under a key already written,
 * rolls back and answers from the stored row (`answerFromTakenKey`), as the lookup would have.
 */
export function registerIdempotency(app: FastifyInstance): void {
  app.decorateRequest('idempotency', null)
  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key']
    if (typeof key !== 'string' || request.method === 'GET' || !request.principal) return
    if (!IDEMPOTENCY_KEY.test(key))
      throw new AppError('bad_request', `Idempotency-Key must be ${IDEMPOTENCY_KEY_RULE}`)
    // A dry run changes nothing: it is answered afresh each time, and its key is not kept (a key
    // kept would also refuse the same key on the job applied for real as another request).
    if (isDryRun(request)) return
    const scope = request.principal.tokenId
    const hash = digest(
      'sha256',
      `${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`,
      'hex',
    )
    const now = app.clock.now()
    const claim = { scope, key, hash, createdAt: now, claimed: false, lookedUp: true }
    // A route whose service writes the key with its answer finds a taken key in its transaction
    // (KeyTaken) and answers from it then: no lookup of its own for the first request of a key.
    if (request.routeOptions.config.keyWithAnswer) {
      request.idempotency = { ...claim, lookedUp: false }
      return
    }
    const stored = await storedKey.takeFirst(app.storage.db, scope, key)
    if (stored && (await answerFromStored(app, stored, hash, now, reply))) return reply
    request.idempotency = claim
  })
  app.addHook('onSend', async (request, reply, payload) => {
    const idem = request.idempotency
    if (!idem) return payload
    try {
      await storeAnswer(idem, reply.statusCode, payload)
    } catch (err) {
      // The database went away after the handler (a restart): an error here would replace the
      // answer with Fastify's own 500. The answer stands; the key keeps its reservation, which a
      // retry finds in progress and takes over once abandoned.
      if (!isDatabaseUnavailable(err)) throw err
      request.log.warn(
        { err: { code: (err as { code?: unknown }).code } },
        'idempotency answer not stored: database unavailable',
      )
    }
    return payload
  })

  async function storeAnswer(idem: IdempotencyClaim, statusCode: number, payload: unknown): Promise<void> {
    const db = app.storage.db
    if (statusCode >= 500 || typeof payload !== 'string') {
      // Nothing to replay: free the key (if a transaction reserved it) so a retry runs.
      if (idem.claimed)
        await db
          .deleteFrom('idempotency_keys')
          .where('scope', '=', idem.scope)
          .where('key', '=', idem.key)
          .where('status_code', '=', 0)
          .execute()
      return
    }
    // Stored with the change by the transaction (TxOptions.answer): nothing left to write.
    if (idem.stored && idem.stored.statusCode === statusCode && idem.stored.body === payload) return
    const body = redactTokens(payload)
    if (idem.claimed) await answerOverReservation.execute(db, statusCode, body, idem.scope, idem.key)
    else await writeKey.execute(db, idem.scope, idem.key, idem.hash, statusCode, body, idem.createdAt)
  }
}
