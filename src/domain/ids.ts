import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz' // Crockford base32, lowercase

function base32(bytes: Uint8Array): string {
  let out = ''
  let bits = 0
  let value = 0
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31]
  return out
}

/**
 * A prefixed, time-ordered id such as `ls_01hx…`: 48 bits of milliseconds then 80 random bits,
 * so ids sort by creation time (cursor pagination uses that) and the prefix says what it names.
 */
export function newId(prefix: string, nowMs: number = Date.now()): string {
  const bytes = new Uint8Array(16)
  let t = nowMs
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256
    t = Math.floor(t / 256)
  }
  bytes.set(randomBytes(10), 6)
  return `${prefix}_${base32(bytes)}`
}

/** Random url-safe secret of `bytes` bytes. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}
