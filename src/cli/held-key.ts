import { keyOrSerial } from '../domain/license-key.js'
import { UsageError } from './errors.js'

/**
 * A device key as an admin names one the organization holds (`devices transfer --key`, `devices keys
 * retire`): its serial as `devices keys list` shows it, or the whole key, checked before any
 * request. `where` starts the refusal (`--key: `) when the key came from a flag.
 */
export function heldKey(input: string, where = ''): string {
  const checked = keyOrSerial(input)
  if (!checked.ok)
    throw new UsageError(`${where}${checked.message}`, {
      code: 'key_mistyped',
      hint: 'give the whole key, or its serial as `licctl devices keys list` shows it',
    })
  return checked.key
}
