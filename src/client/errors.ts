import { redactTokens } from '../domain/redact.js'

/**
 * A failed client call. `code` is the API's error code, or one of the client's own
 * (`network_error`, `timeout`, `bad_response`, `invalid_url`, `aborted`). The client knows no exit codes: the
 * CLI maps codes to them (src/cli/errors.ts), and another program using the client maps them as it
 * likes.
 */
export class ClientError extends Error {
  readonly code: string
  readonly details: unknown
  constructor(message: string, opts: { code: string; details?: unknown; cause?: unknown }) {
    super(redactTokens(message), opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = new.target.name
    this.code = opts.code
    this.details = redactDetails(opts.details)
  }
}

/** Details are printed under --json: a token echoed anywhere inside them is redacted too. */
export function redactDetails(details: unknown): unknown {
  if (details === undefined) return undefined
  try {
    return JSON.parse(redactTokens(JSON.stringify(details))) as unknown
  } catch {
    return undefined
  }
}

/** An error answered by the server: its HTTP status, error code, message, details and request id. */
export class ApiError extends ClientError {
  readonly status: number
  readonly requestId: string | undefined
  constructor(
    message: string,
    status: number,
    opts: { code: string; details?: unknown; requestId?: string | undefined },
  ) {
    super(message, opts)
    this.status = status
    this.requestId = opts.requestId
  }
}

/**
 * The server could not be reached, or the connection broke (`network_error`), or it did not answer
 * within the request's time (`timeout`).
 */
export class NetworkError extends ClientError {
  constructor(message: string, cause?: unknown, code: 'network_error' | 'timeout' = 'network_error') {
    super(message, { code, cause })
  }
}

/** One function from an HTTP answer to one error: the body's code, else one named from the status. */
export function fromResponse(status: number, body: unknown, requestId?: string): ApiError {
  const err = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error
  const code = typeof err?.code === 'string' ? err.code : httpCode(status)
  const message = typeof err?.message === 'string' ? err.message : `server answered ${status}`
  return new ApiError(message, status, { code, details: err?.details, requestId })
}

function httpCode(status: number): string {
  if (status === 401) return 'unauthenticated'
  if (status === 403) return 'forbidden'
  if (status === 404) return 'not_found'
  if (status === 405) return 'method_not_allowed'
  if (status === 409) return 'rule_violation'
  if (status === 429) return 'rate_limited'
  if (status >= 500) return 'server_error'
  return 'bad_request'
}

/**
 * Whether an answer refuses the request because its token failed to authenticate too often
 * (`429 rate_limited` with `details.notAuthenticated`): the token is not one the server accepts,
 * so the caller treats it as refused (the CLI: exit 4), and retrying only counts more failures.
 */
export function isRefusedAuthentication(err: unknown): boolean {
  return (
    err instanceof ApiError &&
    err.code === 'rate_limited' &&
    (err.details as { notAuthenticated?: unknown } | null | undefined)?.notAuthenticated === true
  )
}
