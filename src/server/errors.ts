import { errorCatalog, type ErrorCode } from '../contract/errors.js'

/** An expected error: the caller can fix it. Carries a catalogued code, hence its status and exit code. */
export class AppError extends Error {
  readonly status: number
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message)
    this.name = 'AppError'
    this.status = errorCatalog[code].status
  }
}

/**
 * The one way a service says something is not there (code not_found, exit 5): `message` is the whole
 * sentence, so it can read as one ("no entitlement for 'x'", "host 'h' holds no activation of A-1"),
 * not "<what> not found" glued onto a phrase that does not take it.
 */
export const notFound = (message: string, details?: Record<string, unknown>) =>
  new AppError('not_found', message, details)
export const refused = (code: ErrorCode, message: string, details?: Record<string, unknown>) =>
  new AppError(code, message, details)

/**
 * A refused input field, shaped like the contract's own validation errors: the message starts with
 * the field's path (`query.kind: …`) and `details.issues` names it, so a client can say which of its
 * own options was wrong (the CLI names the flag).
 */
export const invalidField = (path: string, message: string) =>
  new AppError('validation_failed', `${path}: ${message}`, { issues: [{ path, message }] })
