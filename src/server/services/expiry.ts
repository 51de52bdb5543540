import { expiryInstant } from '../../domain/dates.js'
import { AppError } from '../errors.js'
import type { OrgRow } from './access.js'

/**
 * An expiration as sent (a calendar date, valid through that day in the organization's time zone,
 * or an instant) as the instant it ends. One rule for every pool, add-on and license.
 */
export function expiryFor(input: string, org: OrgRow): number {
  const at = expiryInstant(input, org.time_zone)
  if (at === null) throw new AppError('validation_failed', `expires: not a date or instant: ${input}`)
  return at
}
