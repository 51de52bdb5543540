import { createHash, timingSafeEqual } from 'node:crypto'
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

/**
 * Whether a presented token's hash equals a stored one, in constant time. Tokens are found by an
 * index lookup on the hash (a digest the caller cannot steer byte by byte); this re-check is the
 * comparison that decides, and it takes the same time whichever byte differs.
 */
export function sameTokenHash(presentedHash: string, storedHash: string): boolean {
  const a = Buffer.from(presentedHash, 'utf8')
  const b = Buffer.from(storedHash, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}

export { redactTokens } from './redact.js'
