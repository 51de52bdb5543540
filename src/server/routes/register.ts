import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import * as z from 'zod'
import {
  endpointList,
  primarySuccess,
  routerPath,
  type Access,
  type BodyOut,
  type Endpoint,
  type Endpoints,
  type EndpointSpec,
  type HandlerResultOf,
  type ParamsOut,
  type QueryOut,
} from '../../contract/endpoint.js'
import { errorBody } from '../../contract/error-body.js'
import type { ServiceContext } from '../context.js'
import { answerFromTakenKey } from '../plugins/idempotency.js'
import { KeyTaken } from '../transaction.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route, from the endpoint table (checked before the input is validated). */
    access?: Access
    /** The route changes state: refused to read-only tokens (but a dry run: see `dryRun`). */
    mutation?: boolean
    /**
     * A route that takes a dry run (every bulk route, and those the endpoint table marks): its body's
     * `dryRun: true` changes nothing, so a read-only token may send one, and no Idempotency-Key is
     * kept for it (see isDryRun).
     */
    dryRun?: boolean
    operationId?: string
    /** The service writes the Idempotency-Key with its answer, in its transaction (see the plugin). */
    keyWithAnswer?: boolean
  }
}

/** What a handler sees: the validated input and the service context. */
export type EndpointRequest<S extends EndpointSpec> = Omit<FastifyRequest, 'params' | 'query' | 'body'> & {
  ctx: ServiceContext
  params: ParamsOut<S>
  query: QueryOut<S>
  body: BodyOut<S>
}

export type Handler<S extends EndpointSpec> = (
  req: EndpointRequest<S>,
  reply: FastifyReply,
) => Promise<HandlerResultOf<S>> | HandlerResultOf<S>

export type Handlers<T extends Record<string, EndpointSpec>> = { [K in keyof T]: Handler<T[K]> }

const security = [{ bearerAuth: [] }]

/**
 * The query of a route that takes none: any parameter is refused (`query.dryRun: unknown query
 * parameter`), as unknown fields are everywhere. Ignored, a `?dryRun=true` on a bulk or resize
 * route would apply the change it was meant to preview. Public routes (health, the OpenAPI
 * document) keep taking what probes and caches add.
 */
const noQuery = z.strictObject({})

/**
 * The error answers an endpoint may give, for the OpenAPI document: a public route can still be
 * rate limited or find the database gone; a route with a token can also be refused or not find
 * what it names.
 */
function errorResponses(e: Endpoint): Record<number, z.ZodType> {
  // A route with a token can be sent a malformed header or Idempotency-Key even without input.
  const hasInput = Boolean(e.params ?? e.query ?? e.bodySchema) || e.access !== 'public'
  const out: Record<number, z.ZodType> = {}
  if (hasInput) out[400] = errorBody
  if (e.access !== 'public')
    Object.assign(out, { 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody })
  return { ...out, 429: errorBody, 503: errorBody }
}

/**
 * Registers a topic's routes from its endpoint table: path, schemas, OpenAPI metadata and access
 * all come from the contract; a route is only its handler calling a service.
 */
export function routesOf<T extends Record<string, EndpointSpec>>(
  table: Endpoints<T>,
  handlers: Handlers<T>,
  opts: {
    /** Routes whose service writes the Idempotency-Key with its answer (`TxOptions.answer`). */
    keyWithAnswer?: ReadonlyArray<keyof T & string>
  } = {},
): FastifyPluginAsync {
  return async (app) => {
    for (const e of endpointList(table)) {
      const handler = (handlers as Record<string, Handler<EndpointSpec>>)[e.name]
      if (!handler) throw new Error(`no handler for ${e.operationId}`)
      const { status } = primarySuccess(e)
      app.route({
        method: e.method,
        url: routerPath(e.path),
        config: {
          public: e.access === 'public',
          access: e.access,
          mutation: e.mutation === true,
          dryRun: e.bulk !== undefined || e.dryRun === true,
          operationId: e.operationId,
          // The bulk engine stores every batch's answer with its change (runBulk).
          keyWithAnswer: e.bulk !== undefined || opts.keyWithAnswer?.includes(e.name) === true,
        },
        schema: {
          tags: [e.topic],
          operationId: e.operationId,
          summary: e.summary,
          ...(e.description ? { description: e.description } : {}),
          security: e.access === 'public' ? [] : security,
          ...(e.params ? { params: e.params } : {}),
          ...(e.query ? { querystring: e.query } : e.access === 'public' ? {} : { querystring: noQuery }),
          ...(e.bodySchema ? { body: e.bodySchema } : {}),
          response: { ...e.success, ...errorResponses(e) },
        },
        handler: async (req, reply) => {
          if (status !== 200) reply.code(status)
          const idem = req.idempotency
          // A service whose transaction's result is the answer stores it with its change
          // (TxOptions.answer): serialized once, there, and sent as it was stored.
          if (idem)
            idem.answerOf = (result) => {
              const body = reply.serialize(result)
              return typeof body === 'string' ? { result, statusCode: reply.statusCode, body } : undefined
            }
          let result: unknown
          try {
            result = await handler(req as unknown as EndpointRequest<EndpointSpec>, reply)
          } catch (err) {
            if (err instanceof KeyTaken) return answerFromTakenKey(app, req, reply)
            throw err
          }
          const stored = idem?.stored
          if (stored && stored.result === result && stored.statusCode === reply.statusCode) {
            reply.type('application/json; charset=utf-8')
            return stored.body
          }
          return result
        },
      })
    }
  }
}
