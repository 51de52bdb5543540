import { createHash } from 'node:crypto'
import { randomSecret } from './ids.js'

/** Recognizable token prefixes: secret scanners and humans can tell what leaked. */
export const TOKEN_PREFIX = { operator: 'lic_op_', user: 'lic_u_' } as const

export function generateToken(kind: keyof typeof TOKEN_PREFIX): {
  token: string
  hash: string
  prefix: string
} {
  const token = TOKEN_PREFIX[kind] + randomSecret(32)
  return { token, hash: hashToken(token), prefix: token.slice(0, TOKEN_PREFIX[kind].length + 4) }
}

/** Tokens are stored only as this hash. They are 256-bit random, so a fast hash is enough. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** Replaces anything that looks like a licctl token with a redacted marker. */
export function redactTokens(text: string): string {
  return text.replace(/lic_(op|u)_[A-Za-z0-9_-]{8,}/g, 'lic_$1_[REDACTED]')
}
