import type { FastifyError, FastifyInstance } from 'fastify'
import { isResponseSerializationError } from 'fastify-type-provider-zod'
import { AppError } from '../errors.js'
import { isRefusedInput } from '../text-input.js'
import { refusedBeforeBody } from './auth.js'

/** One error shape for every failure: {"error":{"code","message","details?"}} with an honest status. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((thrown: FastifyError, request, reply) => {
    // A body Fastify could not read, sent with a read-only token to a route that takes a dry run:
    // the token's refusal.
    const err = (thrown instanceof AppError ? undefined : refusedBeforeBody(request, thrown)) ?? thrown
    if (err instanceof AppError) {
      // A refusal that says when to come back (a rate limit) says it in the header too.
      const retryAfter = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds
      if (err.code === 'rate_limited' && typeof retryAfter === 'number')
        reply.header('retry-after', String(retryAfter))
      return reply.status(err.status).send({
        error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
      })
    }
    if (isRefusedInput(err)) {
      const part = PART_NAMES[err.validationContext ?? 'body'] ?? err.validationContext ?? 'body'
      // No body at all where one is needed: say that, not "expected an object, got null".
      const noBody = part === 'body' && (request.body === undefined || request.body === null)
      const issues = noBody
        ? [{ path: 'body', message: 'a JSON body is required' }]
        : err.validation.flatMap((v) => validationIssues(part, v))
      const first = issues[0]
      // A bulk request over the item limit is its own code: the fix is to split it, not to edit it.
      const tooMany = err.validation.find(
        (v) =>
          part === 'body' &&
          v.instancePath === '/items' &&
          v.keyword === 'too_big' &&
          (v.params as { origin?: unknown }).origin === 'array',
      )
      if (tooMany) {
        const max = Number((tooMany.params as { maximum?: unknown }).maximum)
        return reply.status(400).send({
          error: {
            code: 'too_many_items',
            message: `at most ${max} items per request: send the rest in further requests`,
            details: { maxItems: max },
          },
        })
      }
      return reply.status(400).send({
        error: {
          code: 'validation_failed',
          message: first ? `${first.path}: ${first.message}` : 'invalid request',
          details: { issues },
        },
      })
    }
    if (isDatabaseUnavailable(err)) {
      // Not a bug and not the caller's fault: the database is down, restarting, or locked past the
      // busy timeout. 503 tells clients to retry (licctl does); the server recovers by itself.
      request.log.warn({ err: { code: err.code, message: err.message } }, 'database unavailable')
      reply.header('retry-after', '1')
      return reply.status(503).send({
        error: {
          code: 'unavailable',
          message: 'the database is unavailable (unreachable, restarting or busy): retry shortly',
        },
      })
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .status(413)
        .send({ error: { code: 'payload_too_large', message: 'request body is too large' } })
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const type = request.headers['content-type']
      return reply.status(415).send({
        error: {
          code: 'unsupported_media_type',
          message: type
            ? `unsupported content type '${type.split(';')[0]!.trim().slice(0, 100)}': send application/json`
            : 'a request body needs Content-Type: application/json',
        },
      })
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send({ error: { code: 'bad_request', message: err.message } })
    }
    if (isResponseSerializationError(err))
      request.log.error({ err, issues: err.cause.issues }, 'response did not match its schema')
    else request.log.error({ err }, 'unhandled error')
    return reply
      .status(500)
      .send({ error: { code: 'internal', message: `internal error (request ${request.id})` } })
  })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!
    // A path that exists under other methods: 405 with the ones it takes (RFC 9110 §15.5.6), not
    // "no route", which sent `api -X DELETE …/activations/ids` looking for a typo in the path.
    const allowed = allowedMethods(app.routeList, path)
    if (allowed.length > 0)
      return reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send({
          error: {
            code: 'method_not_allowed',
            message: `${request.method} is not allowed on ${path}: it takes ${allowed.join(', ')}`,
            details: { allowed },
          },
        })
    return reply
      .status(404)
      .send({ error: { code: 'not_found', message: `no route ${request.method} ${path}` } })
  })
}

/**
 * The methods routes answer on `path` (as sent, percent-encoded), in the router's terms: a `:param`
 * is one segment, a trailing slash is ignored, HEAD goes with GET. Empty when no route has the path.
 */
export function allowedMethods(
  routes: ReadonlyArray<{ method: string; url: string }>,
  path: string,
): string[] {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path
  const methods = new Set<string>()
  for (const { method, pattern } of routePatterns(routes)) if (pattern.test(trimmed)) methods.add(method)
  if (methods.has('GET')) methods.add('HEAD')
  return [...methods].sort()
}

// Connection-level failures: node's socket errors, PostgreSQL's connection-exception (08…) and
// operator-intervention (57P0…) classes, SQLite busy/locked past the busy timeout.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_RECOVERY',
  'SQLITE_LOCKED',
])
const UNAVAILABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated unexpectedly)/

export function isDatabaseUnavailable(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 4;
    e = e.cause as typeof e, depth++
  ) {
    const code = typeof e.code === 'string' ? e.code : ''
    if (UNAVAILABLE_CODES.has(code) || code.startsWith('08')) return true
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return true
    // An aggregate of connection attempts (IPv4 and IPv6 both refused).
    if (Array.isArray((e as { errors?: unknown }).errors))
      return (e as { errors: unknown[] }).errors.some(isDatabaseUnavailable)
  }
  return false
}

// Where the invalid input was, as a person would name it: `query.limit`, not `querystring/limit`.
const PART_NAMES: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
}

/** A field path such as `body.items[3].email` from the validator's `/items/3/email`. */
function fieldPath(part: string, instancePath: string): string {
  let path = part
  for (const segment of instancePath.split('/').filter(Boolean))
    path += /^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`
  return path
}

/**
 * One issue per problem. Zod reports unknown keys once, on the object that holds them (path `/`
 * at the top level); name each unknown key instead, so the path points at what to remove.
 */
function validationIssues(
  part: string,
  v: { keyword: string; instancePath: string; message?: string | undefined; params: unknown },
): Array<{ path: string; message: string }> {
  const keys = (v.params as { keys?: unknown }).keys
  if (v.keyword === 'unrecognized_keys' && Array.isArray(keys) && keys.length > 0)
    return keys.map((key) => ({
      path: fieldPath(part, `${v.instancePath}/${String(key)}`),
      message: part === 'query' ? 'unknown query parameter' : 'unknown field',
    }))
  return [{ path: fieldPath(part, v.instancePath), message: v.message ?? 'invalid' }]
}

/** Each route's URL as a pattern, made once per route list (not again on every unknown request). */
const patternsOf = new WeakMap<
  object,
  { count: number; patterns: Array<{ method: string; pattern: RegExp }> }
>()

function routePatterns(
  routes: ReadonlyArray<{ method: string; url: string }>,
): Array<{ method: string; pattern: RegExp }> {
  const known = patternsOf.get(routes)
  if (known && known.count === routes.length) return known.patterns
  const patterns = routes.map((route) => {
    const pattern = route.url
      .replace(/\/+$/, '')
      .split('/')
      .map((segment) =>
        segment.startsWith(':')
          ? '[^/]+'
          : segment === '*'
            ? '.*'
            : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('/')
    return { method: route.method, pattern: new RegExp(`^${pattern || '/'}$`) }
  })
  patternsOf.set(routes, { count: routes.length, patterns })
  return patterns
}
