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

export const notFound = (what: string, details?: Record<string, unknown>) =>
  new AppError('not_found', `${what} not found`, details)
export const refused = (code: ErrorCode, message: string, details?: Record<string, unknown>) =>
  new AppError(code, message, details)
