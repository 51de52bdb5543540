import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { redactTokens } from '../../domain/tokens.js'
import { AppError } from '../errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { scope: string; key: string; hash: string } | null
  }
}

const KEY_PATTERN = /^[A-Za-z0-9._:-]{8,200}$/
const SECRET_MARK = /lic_(op|u)_\[REDACTED\]/

/**
 * Idempotency-Key on mutations: the first response for a key (per token) is stored and replayed
 * for a retry with the same body; the same key with another body is refused. A response that
 * carried a new token is stored with the token redacted (secrets exist only as hashes), so its
 * replay is refused with the stored, redacted answer (the token id to revoke) instead.
 */
export function registerIdempotency(app: FastifyInstance): void {
  app.decorateRequest('idempotency', null)
  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key']
    if (typeof key !== 'string' || request.method === 'GET' || !request.principal) return
    if (!KEY_PATTERN.test(key))
      throw new AppError('bad_request', 'Idempotency-Key must be 8–200 characters of [A-Za-z0-9._:-]')
    const scope = request.principal.tokenId
    const hash = createHash('sha256')
      .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
      .digest('hex')
    const stored = await app.storage.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirst()
    if (stored) {
      if (stored.request_hash !== hash)
        throw new AppError('idempotency_key_reused', 'this Idempotency-Key was used for a different request')
      if (SECRET_MARK.test(stored.response_body))
        throw new AppError(
          'secret_not_replayable',
          'this request already succeeded and created a token, which is shown only once: revoke it and create another',
          { response: JSON.parse(stored.response_body) as unknown },
        )
      reply.header('idempotent-replayed', 'true')
      return reply.code(stored.status_code).type('application/json').send(stored.response_body)
    }
    request.idempotency = { scope, key, hash }
  })
  app.addHook('onSend', async (request, reply, payload) => {
    const idem = request.idempotency
    if (!idem || reply.statusCode >= 500 || typeof payload !== 'string') return payload
    await app.storage.db
      .insertInto('idempotency_keys')
      .values({
        scope: idem.scope,
        key: idem.key,
        request_hash: idem.hash,
        status_code: reply.statusCode,
        response_body: redactTokens(payload),
        created_at: app.clock.now(),
      })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .execute()
    return payload
  })
}
