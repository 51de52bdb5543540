import { exitCodeFor } from '../contract/errors.js'
import { redactTokens } from '../domain/tokens.js'

/**
 * An expected failure the user can act on. `exitCode` follows the spec's table; `code` is the
 * API's error code (or a CLI one such as `usage`); `hint` is the next step, when there is one.
 */
export class LicctlError extends Error {
  readonly exitCode: number
  readonly code: string
  readonly details: unknown
  readonly hint: string | undefined
  constructor(
    message: string,
    opts: { code: string; exitCode: number; details?: unknown; hint?: string; cause?: unknown },
  ) {
    super(redactTokens(message), opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = new.target.name
    this.code = opts.code
    this.exitCode = opts.exitCode
    this.details = redactDetails(opts.details)
    this.hint = opts.hint
  }
}

/** Details are printed under --json: a token echoed anywhere inside them is redacted too. */
function redactDetails(details: unknown): unknown {
  if (details === undefined) return undefined
  try {
    return JSON.parse(redactTokens(JSON.stringify(details))) as unknown
  } catch {
    return undefined
  }
}

/** Usage or input error: bad flags, arguments, input file, missing --yes (exit 2). */
export class UsageError extends LicctlError {
  constructor(message: string, opts: { code?: string; details?: unknown; hint?: string } = {}) {
    super(message, {
      code: opts.code ?? 'usage',
      exitCode: 2,
      details: opts.details,
      ...(opts.hint ? { hint: opts.hint } : {}),
    })
  }
}

/** An error answered by the server. The subclass says which exit-code family it belongs to. */
export class ApiError extends LicctlError {
  constructor(
    message: string,
    readonly status: number,
    opts: { code: string; exitCode: number; details?: unknown; requestId?: string | undefined },
  ) {
    super(message, opts)
    this.requestId = opts.requestId
  }
  readonly requestId: string | undefined
}
export class InputRejectedError extends ApiError {}
export class RuleRefusedError extends ApiError {}
export class AuthError extends ApiError {}
export class NotFoundError extends ApiError {}
export class ServerError extends ApiError {}

/** The server could not be reached, or the connection broke (exit 1). */
export class NetworkError extends LicctlError {
  constructor(message: string, cause?: unknown) {
    super(message, {
      code: 'network_error',
      exitCode: 1,
      cause,
      hint: 'check the server URL and that the server is running',
    })
  }
}

const CLASS_BY_EXIT: Record<number, typeof ApiError> = {
  2: InputRejectedError,
  3: RuleRefusedError,
  4: AuthError,
  5: NotFoundError,
}

/** One function from an HTTP answer to one error: status and code → class and exit code. */
export function fromResponse(status: number, body: unknown, requestId?: string): ApiError {
  const err = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error
  const code = typeof err?.code === 'string' ? err.code : httpCode(status)
  const message = typeof err?.message === 'string' ? err.message : `server answered ${status}`
  const exitCode = exitCodeFor(code, status)
  const Class = CLASS_BY_EXIT[exitCode] ?? ServerError
  return new Class(message, status, { code, exitCode, details: err?.details, requestId })
}

function httpCode(status: number): string {
  if (status === 401) return 'unauthenticated'
  if (status === 403) return 'forbidden'
  if (status === 404) return 'not_found'
  if (status === 409) return 'rule_violation'
  if (status === 429) return 'rate_limited'
  if (status >= 500) return 'server_error'
  return 'bad_request'
}
