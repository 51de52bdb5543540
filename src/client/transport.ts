import type * as NodeCrypto from 'node:crypto'
import type * as Http from 'node:http'
import type { Agent, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import { createRequire } from 'node:module'
import type * as z from 'zod'
import { exactDuration } from '../domain/duration.js'
import { redactTokens } from '../domain/redact.js'
import { ApiError, ClientError, fromResponse, isRefusedAuthentication, NetworkError } from './errors.js'

/** Node's UUIDv7 (24.16 and later), looked up on the first key: reads send none. */
let uuidV7: (() => string) | null | undefined

/**
 * A new Idempotency-Key: a UUIDv7 (RFC 9562) where Node makes them, else a random UUIDv4. A v7 key
 * starts with the time, so the keys a client makes one after another sort in that order and the
 * server appends each to the end of its key index; a v4 key lands on a random page of that index,
 * and every page a commit touches is written again to SQLite's log. Measured on seat checkouts over
 * HTTP: 25.5 kB written per checkout with v4 keys, 17.7 kB with v7 (docs/performance.md).
 */
export function newIdempotencyKey(): string {
  if (uuidV7 === undefined) {
    const { randomUUIDv7 } = process.getBuiltinModule('node:crypto') as {
      randomUUIDv7?: typeof NodeCrypto.randomUUIDv7
    }
    uuidV7 = randomUUIDv7 ?? null
  }
  // Web Crypto's global for the v4: no module to load.
  return uuidV7 ? uuidV7() : crypto.randomUUID()
}

export interface TransportOptions {
  baseUrl: string
  token?: string | undefined
  /** Injected for tests; defaults to a keep-alive agent (8 connections) for the base URL's origin. */
  agent?: Agent
  /**
   * The longest one request waits for its whole answer, from its first attempt: retries and the
   * waits between them included (DEFAULT_TIMEOUT_MS). What is left of it when an attempt fails is
   * what the next may take; an attempt that would start past it is not made. A request with a retry
   * budget (`retryFor`) keeps trying an unavailable server past it, each attempt given the whole of it.
   */
  timeoutMs?: number | undefined
  /** Retries for idempotent requests (GET, PUT, DELETE, any with an Idempotency-Key, or marked `retry`). */
  retries?: number
  userAgent?: string
  /** Waits between retries; tests make it instant. */
  sleep?: (ms: number) => Promise<void>
  /** The time a retry budget (`retryFor`) is measured by; tests move it with their `sleep`. */
  now?: () => number
}

export interface RequestOptions<S extends z.ZodType> {
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  /** Parses the response; a mismatch is a server bug, reported as such. */
  schema?: S
  /** Sent as Idempotency-Key; makes a POST safe to retry. `true` generates one. */
  idempotencyKey?: string | true
  /** Safe to retry without a key: a POST whose repetition changes nothing more (a heartbeat). */
  retry?: boolean
  /**
   * A time budget (ms) for an idempotent request that finds the server unavailable (429, 502, 503,
   * 504, a refused, dropped or timed-out connection): it is tried again, with backoff (at most 5 s
   * apart), until this long after its first such failure, and only then is that failure thrown. A
   * bulk batch waits out a database restart this way. Without it, `retries` attempts (~1–4 s).
   */
  retryFor?: number
  /**
   * Gives up on the request: once aborted, no further attempt is made, a wait under way ends at once
   * (the failure in hand is thrown), and an exchange in flight is dropped (its connection destroyed;
   * thrown as `aborted`). A bulk job being stopped waits out neither `retryFor` nor a silent server's
   * timeout. A mutation dropped in flight may still be applied by the server (whole, in its
   * transaction): the caller cannot know, and says so.
   */
  signal?: AbortSignal | undefined
  /**
   * Called once, when the request has spent its usual retries and goes on waiting on `retryFor`
   * (with that budget in ms): the moment a person watching would wonder why nothing happens.
   */
  onWaiting?: ((budgetMs: number) => void) | undefined
  /** Extra request headers (the `api` command's --header); they never replace authorization. */
  headers?: Record<string, string>
  /**
   * Called once the server's success answer (2xx) has fully arrived, before it is parsed and
   * checked: the server is done with the request (a mutation has committed), so a caller sending a
   * sequence (the bulk runner) may put the next request on the wire while this answer is handled.
   */
  onAnswer?: () => void
}

/** How long a request waits for its answer unless TransportOptions.timeoutMs says (the CLI's LICCTL_TIMEOUT). */
export const DEFAULT_TIMEOUT_MS = 30_000

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

// Node's own http client (the built-in llhttp parser): a request costs a fifth of what undici's
// modules, the node:http2 and node:tls internals they pull in, and its WebAssembly parser cost at
// start-up (issue 12). Taken with require: `import 'node:http'` builds an ES module namespace of
// every export, which runs its lazy WebSocket getters and so loads Node's bundled undici after all.
const require = createRequire(import.meta.url)
type HttpModule = typeof Http
const http = require('node:http') as HttpModule
let https: HttpModule | undefined

interface Answer {
  statusCode: number
  headers: IncomingHttpHeaders
  text: string
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504])

/**
 * A 429 for a token that failed to authenticate too often (errors.ts, isRefusedAuthentication): not
 * retried, since the token is refused whatever the wait, and each attempt counts as one more failure
 * against the client's address (a CI matrix sharing a revoked token locked itself out faster).
 */
function refusesAuthentication(status: number, text: string): boolean {
  if (status !== 429) return false
  const body = parseJson(text)
  return isRefusedAuthentication(body === NOT_JSON ? undefined : fromResponse(status, body))
}
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED'])

/**
 * Whether a failure is the server being unavailable (429, 502, 503, 504, a refused, dropped or
 * timed-out connection): what retries, and a retry budget (`retryFor`), wait out.
 */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof ApiError) return RETRYABLE_STATUS.has(err.status)
  if (err instanceof NetworkError)
    return RETRYABLE_CODES.has(String((err.cause as { code?: unknown } | undefined)?.code))
  return false
}

/** The one way the client talks HTTP: base URL, bearer auth, JSON, timeouts, retries, one error mapping. */
export class Transport {
  readonly baseUrl: URL
  private readonly basePath: string
  private readonly agent: Agent
  private readonly ownsAgent: boolean
  private readonly client: HttpModule

  constructor(private readonly opts: TransportOptions) {
    let base: URL
    try {
      base = new URL(opts.baseUrl)
    } catch {
      throw new ClientError(`invalid server URL: ${opts.baseUrl}`, { code: 'invalid_url' })
    }
    this.baseUrl = base
    // Every path starts with /v1: a server URL given with it (`https://licenses.example.com/v1`, as
    // the API's paths are written) names the server, and must not ask for /v1/v1/….
    this.basePath = base.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw new ClientError(`invalid server URL: ${opts.baseUrl}`, { code: 'invalid_url' })
    // node:https (and TLS) only for an https server.
    this.client = base.protocol === 'https:' ? (https ??= require('node:https') as HttpModule) : http
    this.ownsAgent = !opts.agent
    this.agent = opts.agent ?? new this.client.Agent({ keepAlive: true, maxSockets: 8 })
  }

  /**
   * The server this transport talks to, however its URL was written (`https://x`, `https://x/`,
   * `https://x/v1`): its origin and the path the API's `/v1` paths are appended to.
   */
  get server(): string {
    return this.baseUrl.origin + this.basePath
  }

  async request<S extends z.ZodType = z.ZodUnknown>(
    method: HttpMethod,
    path: string,
    opts: RequestOptions<S> = {},
  ): Promise<z.infer<S>> {
    const url = new URL(this.basePath + path, this.baseUrl.origin)
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v))
    const key = opts.idempotencyKey === true ? newIdempotencyKey() : opts.idempotencyKey
    const headers: Record<string, string> = {
      ...opts.headers,
      accept: 'application/json',
      'user-agent': this.opts.userAgent ?? 'licctl',
    }
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`
    if (key) headers['idempotency-key'] = key
    let payload: string | undefined
    if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body)
      headers['content-type'] = 'application/json'
    }
    const idempotent =
      method === 'GET' ||
      method === 'PUT' ||
      method === 'DELETE' ||
      method === 'HEAD' ||
      key !== undefined ||
      opts.retry === true
    const attempts = 1 + (idempotent ? (this.opts.retries ?? 3) : 0)
    const now = this.opts.now ?? Date.now
    const timeoutMs = this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
    const started = now()
    // The time budget (retryFor) runs from the first failure that finds the server unavailable.
    let unavailableSince: number | undefined
    /**
     * When the request gives up: timeoutMs after it started, retries included. Waiting out an
     * unavailable server (retryFor), timeoutMs after the budget's end: the attempt made as it ends
     * gets the whole timeout too.
     */
    const deadline = () =>
      Math.max(
        started + timeoutMs,
        unavailableSince === undefined || !opts.retryFor ? 0 : unavailableSince + opts.retryFor + timeoutMs,
      )
    /** Waits before the next attempt, or returns false when none is left (count and budget spent). */
    let waitingSaid = false
    const retried = async (attempt: number, retryAfter?: string | string[]): Promise<boolean> => {
      if (!idempotent || opts.signal?.aborted) return false
      const at = now()
      unavailableSince ??= at
      const left = (opts.retryFor ?? 0) - (at - unavailableSince)
      if (attempt >= attempts && left <= 0) return false
      // Within the count, the backoff as it is; past it, no wait beyond the budget: the last
      // attempt is made as the budget ends.
      const ms = this.backoffMs(attempt, retryAfter)
      const wait = attempt < attempts ? ms : Math.min(ms, left)
      // No attempt that would start when the request's time is up: the failure in hand is the answer.
      if (at + wait >= deadline()) return false
      if (attempt >= attempts && !waitingSaid) {
        waitingSaid = true
        opts.onWaiting?.(opts.retryFor ?? 0)
      }
      await this.pause(wait, opts.signal)
      return !opts.signal?.aborted
    }
    let waitingSince: number | undefined
    let waits = 0
    for (let attempt = 1; ; attempt++) {
      try {
        // What is left of the request's time, and never more than timeoutMs for one attempt.
        const limitMs = Math.max(1, Math.min(timeoutMs, deadline() - now()))
        const res = await this.send(url, method, headers, payload, opts.signal, limitMs)
        const text = res.text
        const requestId =
          typeof res.headers['x-request-id'] === 'string' ? res.headers['x-request-id'] : undefined
        if (
          RETRYABLE_STATUS.has(res.statusCode) &&
          !refusesAuthentication(res.statusCode, text) &&
          (await retried(attempt, res.headers['retry-after']))
        )
          continue
        if (res.statusCode >= 200 && res.statusCode < 300) opts.onAnswer?.()
        const body = parseJson(text)
        // Not the licctl API (a web page, a proxy's error page): its status says nothing about
        // licctl's resources, so a 404 page must not read as "not found" nor a 200 page as success.
        if (body === NOT_JSON) throw notJson(res, method, url, this.baseUrl.origin, requestId)
        // The same key is still running on the server (our earlier attempt, which we stopped waiting
        // for): wait and ask again, for as long as we would wait for an answer (and within the
        // request's time). Those waits are not attempts: the earlier attempt is still being
        // processed, and under load that can take a while.
        if (res.statusCode === 409 && errorCode(body) === 'idempotency_in_progress' && idempotent) {
          waitingSince ??= now()
          const until = Math.min(deadline(), waitingSince + timeoutMs)
          if (now() < until) {
            await this.pause(Math.min(this.backoffMs(Math.min(++waits, 5)), until - now()), opts.signal)
            if (opts.signal?.aborted) throw aborted(this.baseUrl.origin)
            // Asked again only with time left to hear the answer; else this answer is the error.
            if (now() < deadline()) {
              attempt--
              continue
            }
          }
        }
        if (res.statusCode >= 400) throw fromResponse(res.statusCode, body, requestId)
        if (!opts.schema) return body as z.infer<S>
        const parsed = opts.schema.safeParse(body)
        if (!parsed.success)
          throw new ClientError(
            `unexpected response from ${method} ${path}: ${issueText(parsed.error.issues[0])}`,
            { code: 'bad_response', details: parsed.error.issues },
          )
        return parsed.data
      } catch (err) {
        if (err instanceof ClientError) throw err
        // Dropped by the caller (its signal), not by the network: never retried, said as such.
        if ((err as Error).name === 'AbortError' && opts.signal?.aborted)
          throw aborted(this.baseUrl.origin, err)
        const code = (err as { code?: string }).code
        if (code && RETRYABLE_CODES.has(code) && (await retried(attempt))) continue
        // Our own limit, not the network's: said with the server and the time, code `timeout`.
        if (err instanceof AttemptTimeout)
          throw new NetworkError(
            `no answer from ${this.baseUrl.host} within ${durationText(timeoutMs)}${
              method === 'GET' || method === 'HEAD' ? '' : '; the server may still apply the change'
            }`,
            err,
            'timeout',
          )
        const reason =
          code === 'ECONNREFUSED'
            ? `connection refused`
            : code === 'EPROTO' && /wrong version number/.test((err as Error).message)
              ? // OpenSSL's words for a plain-HTTP answer to a TLS hello: the URL's scheme is wrong.
                `it does not speak TLS on that port (is the server's URL ${this.baseUrl.origin.replace(/^https:/, 'http:')}?)`
              : redactTokens((err as Error).message)
        throw new NetworkError(`cannot reach ${this.baseUrl.origin}: ${reason}`, err)
      }
    }
  }

  /**
   * One HTTP exchange: the whole answer as text, or the socket's error (ECONNREFUSED, …), or
   * AttemptTimeout when the whole answer has not arrived within `limitMs` (the connection and every
   * byte of the answer count: a server sending a byte now and then is no answer).
   */
  private send(
    url: URL,
    method: HttpMethod,
    headers: OutgoingHttpHeaders,
    payload: string | undefined,
    signal: AbortSignal | undefined,
    limitMs: number,
  ): Promise<Answer> {
    return new Promise<Answer>((settle, fail) => {
      const req = this.client.request(
        url,
        // Aborting `signal` destroys the request (an AbortError), whatever it is waiting for.
        { method, headers, agent: this.agent, ...(signal ? { signal } : {}) },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('error', reject)
          // The connection closed before the whole body came: retried like a dropped connection.
          res.on('close', () => {
            if (!res.complete)
              reject(Object.assign(new Error('connection closed mid-answer'), { code: 'ECONNRESET' }))
          })
          res.on('end', () =>
            resolve({
              statusCode: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          )
        },
      )
      req.on('error', reject)
      const timer = setTimeout(() => {
        // Failed first: destroying the request also closes its answer (a "connection closed").
        const err = new AttemptTimeout(limitMs)
        reject(err)
        req.destroy(err)
      }, limitMs)
      req.end(payload)
      // Settled once, whichever comes first, and the timer goes with it.
      function resolve(answer: Answer) {
        clearTimeout(timer)
        settle(answer)
      }
      function reject(err: unknown) {
        clearTimeout(timer)
        fail(err)
      }
    })
  }

  /** The wait before attempt `attempt + 1`: exponential with jitter, or the server's Retry-After; at most 5 s. */
  private backoffMs(attempt: number, retryAfter?: string | string[]): number {
    const header = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter
    // Seconds, or an HTTP date (RFC 9110; what some proxies and gateways send).
    const hinted = !header
      ? 0
      : /^\d+$/.test(header)
        ? Number(header) * 1000
        : Math.max(0, (Date.parse(header) || 0) - Date.now())
    return Math.min(5_000, Math.max(hinted, 100 * 2 ** (Math.min(attempt, 16) - 1) * (1 + Math.random())))
  }

  private sleep(ms: number): Promise<void> {
    return (this.opts.sleep ?? ((t: number) => new Promise<void>((r) => setTimeout(r, t))))(ms)
  }

  /** A wait between attempts that ends early when `signal` aborts (its timer cleared, not left to run). */
  private pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (!signal) return this.sleep(ms)
    if (signal.aborted) return Promise.resolve()
    return new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const done = () => {
        if (timer !== undefined) clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      signal.addEventListener('abort', done, { once: true })
      if (this.opts.sleep) void this.opts.sleep(ms).then(done)
      else timer = setTimeout(done, ms)
    })
  }

  async close(): Promise<void> {
    if (this.ownsAgent) this.agent.destroy()
  }
}

/** An attempt whose answer did not arrive in time: retried as a timed-out connection is. */
class AttemptTimeout extends Error {
  readonly code = 'ETIMEDOUT'
  constructor(ms: number) {
    super(`no answer within ${durationText(ms)}`)
  }
}

/** `30s`, `2m`, or `1500 ms` when not whole seconds: how long a request waited. */
function durationText(ms: number): string {
  return ms % 1000 === 0 ? exactDuration(ms / 1000) : `${ms} ms`
}

/**
 * A request its caller gave up on (RequestOptions.signal) before the server answered: code
 * `aborted`. A mutation may have been applied all the same; the caller says so.
 */
function aborted(origin: string, cause?: unknown): ClientError {
  return new ClientError(`stopped waiting for ${origin} to answer`, { code: 'aborted', cause })
}

/** Whether a request failed because its caller gave up on it (RequestOptions.signal). */
export function isAborted(err: unknown): boolean {
  return err instanceof ClientError && err.code === 'aborted'
}

/** A transport with no server: every request fails with `reason`, and nothing is sent. */
export class UnconnectedTransport extends Transport {
  constructor(private readonly reason: Error) {
    super({ baseUrl: 'http://unconnected.invalid' })
  }

  override request(): Promise<never> {
    return Promise.reject(this.reason)
  }
}

/** A schema issue with the field it is about: `items.0.email: Invalid email address`. */
function issueText(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid'
  return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message
}

function errorCode(body: unknown): unknown {
  return (body as { error?: { code?: unknown } } | null)?.error?.code
}

/** What parseJson returns for a body that is not JSON. */
const NOT_JSON = Symbol('not JSON')

function parseJson(text: string): unknown {
  if (text === '') return null
  try {
    return JSON.parse(text) as unknown
  } catch {
    return NOT_JSON
  }
}

/** An answer that is not JSON: from something else than the licctl API at that URL (exit 1). */
function notJson(res: Answer, method: HttpMethod, url: URL, origin: string, requestId?: string): ApiError {
  const type = res.headers['content-type']?.split(';')[0]?.trim() || 'no content type'
  const excerpt = redactTokens(res.text.slice(0, 200).replace(/\s+/g, ' ').trim())
  return new ApiError(
    `${method} ${url.pathname} answered ${res.statusCode} with ${type}, not JSON: is ${origin} a licctl server? It said: ${excerpt}`,
    res.statusCode,
    { code: 'bad_response', requestId },
  )
}
