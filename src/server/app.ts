import swagger from '@fastify/swagger'
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler } from 'fastify-type-provider-zod'
import { newId } from '../domain/ids.js'
import { redactTokens } from '../domain/tokens.js'
import { systemClock, type Clock } from '../domain/clock.js'
import type { Storage } from '../storage/open.js'
import type { Access } from '../contract/endpoint.js'
import { AppError } from './errors.js'
import { refusingNul, wordedValidatorCompiler } from './text-input.js'
import { DEFAULT_AUTH_FAILURE_LIMITS, type AuthFailureLimits } from './rate-limit.js'
import { startHousekeeping, type HousekeepingOptions } from './housekeeping.js'
import { registerAuth } from './plugins/auth.js'
import { registerErrorHandler } from './plugins/errors.js'
import { registerIdempotency } from './plugins/idempotency.js'
import { activationRoutes } from './routes/activations.js'
import { cloudRoutes } from './routes/cloud.js'
import { deviceRoutes } from './routes/devices.js'
import { expiryRoutes } from './routes/expiry.js'
import { explainRoutes } from './routes/explain.js'
import { metaRoutes } from './routes/meta.js'
import { orgRoutes, tokenRoutes, userRoutes } from './routes/orgs.js'
import { seatRoutes } from './routes/seats.js'
import { VERSION } from './version.js'

declare module 'fastify' {
  interface FastifyInstance {
    storage: Storage
    clock: Clock
    /**
     * Set when the server starts shutting down: requests that still arrive (on a keep-alive
     * connection) are answered 503 `unavailable` in the one error shape, and every answer closes
     * its connection so the process can exit as soon as the requests in flight are done.
     */
    draining: boolean
    /** Limits on failed authentications (false: none). */
    authFailureLimits: AuthFailureLimits | false
    /** Every route as registered (method, URL): the OpenAPI coverage test reads it. */
    routeList: Array<{
      method: string
      url: string
      public: boolean
      /** The endpoint table's access and mutation (the authorization matrix test reads them). */
      access: Access | undefined
      mutation: boolean
    }>
  }
}

export interface BuildOptions {
  storage: Storage
  clock?: Clock
  /** Log level, or false for no logs (tests). Logs are JSON lines; tokens are never in them. */
  logger?: false | { level: string }
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number
  /** Where log lines go (stderr by default; tests capture them). */
  logStream?: { write(line: string): void }
  /** Failed authentications allowed per address and per token in a window (false: unlimited). */
  authFailureLimits?: AuthFailureLimits | false
  /** Pruning of old idempotency records on a timer (off unless given: `server start` gives it). */
  housekeeping?: HousekeepingOptions
}

/** Every topic's routes, each registered from its endpoint table in src/contract. */
const topicRoutes = [
  metaRoutes,
  orgRoutes,
  userRoutes,
  tokenRoutes,
  seatRoutes,
  cloudRoutes,
  activationRoutes,
  deviceRoutes,
  expiryRoutes,
  explainRoutes,
]

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** Builds the app without listening: tests use `inject()`, start.ts listens. */
export async function build(opts: BuildOptions): Promise<FastifyInstance> {
  const logger = opts.logger ?? false
  const app = Fastify({
    logger:
      logger === false
        ? false
        : {
            level: logger.level,
            stream: opts.logStream ?? process.stderr,
            redact: ['req.headers.authorization', 'req.headers.cookie'],
            // The last line of defence: whatever a log line carries (a URL, an error message
            // echoing input), a token never reaches the log.
            hooks: { streamWrite: redactTokens },
          },
    bodyLimit: opts.bodyLimit ?? 1_048_576,
    // A caller's X-Request-Id is kept (it ties their logs to ours) when it is a plain id; anything
    // else (too long, spaces, control characters) would pollute the logs, so it gets a fresh one.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId('req')
    },
    routerOptions: { ignoreTrailingSlash: true },
    // The router's own refusals (a path that is not valid percent-encoding, a path segment over
    // 100 characters) come before any hook: answer them in the one error shape too.
    frameworkErrors: (error, _request, reply) => {
      void (reply as unknown as FastifyReply).status(400).send({
        error: {
          code: 'bad_request',
          message:
            error.code === 'FST_ERR_MAX_PARAM_LENGTH'
              ? 'a path segment is too long'
              : 'malformed URL: not valid percent-encoding',
        },
      })
    },
    // Fastify's own 503 while closing has another shape; `draining` below answers in ours.
    return503OnClosing: false,
  })
  app.decorate('storage', opts.storage)
  app.decorate('clock', opts.clock ?? systemClock)
  app.decorate('routeList', [])
  app.decorate<AuthFailureLimits | false>(
    'authFailureLimits',
    opts.authFailureLimits ?? DEFAULT_AUTH_FAILURE_LIMITS,
  )
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      if (method !== 'HEAD')
        app.routeList.push({
          method,
          url: route.url,
          public: route.config?.public === true,
          access: route.config?.access,
          mutation: route.config?.mutation === true,
        })
  })
  // JSON only: Fastify's built-in text/plain parser would hand a string body to the schema, which
  // then answers `body: expected object`; an unsupported type is 415 unsupported_media_type instead.
  app.removeContentTypeParser('text/plain')
  app.setValidatorCompiler(refusingNul(wordedValidatorCompiler))
  app.setSerializerCompiler(serializerCompiler)
  app.decorate('draining', false)
  app.addHook('onRequest', async (_request, reply) => {
    if (app.draining) {
      reply.header('connection', 'close')
      throw new AppError('unavailable', 'the server is shutting down: retry, or use another server')
    }
  })
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id)
    if (app.draining) reply.header('connection', 'close')
    return payload
  })
  registerErrorHandler(app)
  registerAuth(app)
  registerIdempotency(app)

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'licctl license server',
        version: VERSION,
        description: 'License administration API. Errors: {"error":{"code","message","details?"}}.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      // Paths are relative to wherever the server listens (`licctl server start --host --port`).
      servers: [{ url: 'http://127.0.0.1:8080', description: 'a licctl server on this machine' }],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  })

  await app.register(
    async (v1) => {
      for (const routes of topicRoutes) await v1.register(routes)
      v1.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger())
    },
    { prefix: '/v1' },
  )
  if (opts.housekeeping) startHousekeeping(app, opts.housekeeping)
  return app
}
