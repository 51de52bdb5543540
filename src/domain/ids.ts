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
 * Random bytes for ids, drawn from a pool filled 4 KB at a time: one `randomBytes` call per id
 * cost 60–100 µs on these machines (a system call each time), three per seat checkout. Ids are
 * not secrets; `randomSecret` still draws its own bytes.
 */
const POOL_SIZE = 4096
let pool = Buffer.alloc(0)
let poolAt = POOL_SIZE

function randomTen(): Uint8Array {
  if (poolAt + 10 > pool.length) {
    pool = randomBytes(POOL_SIZE)
    poolAt = 0
  }
  const out = new Uint8Array(pool.subarray(poolAt, poolAt + 10))
  poolAt += 10
  return out
}

/** Per prefix: ids of one kind made on different clocks (request ids, audit ids under a test clock) don't reset each other. */
const last = new Map<string, { ms: number; random: Uint8Array }>()

/**
 * A prefixed, time-ordered id such as `ls_01hx…`: 48 bits of milliseconds then 80 random bits,
 * so ids sort by creation time (cursor pagination and the audit log's order use that) and the
 * prefix says what it names. Within one millisecond the random part is incremented, as monotonic
 * ULIDs do, so ids of one kind made one after another in this process (the rows of one bulk
 * request, say) still sort in the order they were made.
 */
export function newId(prefix: string, nowMs: number = Date.now()): string {
  const ms = nowMs
  let state = last.get(prefix)
  if (state && ms === state.ms) {
    for (let i = state.random.length - 1; i >= 0; i--) {
      state.random[i] = (state.random[i]! + 1) & 0xff
      if (state.random[i] !== 0) break
    }
  } else {
    state = { ms, random: randomTen() }
    last.set(prefix, state)
  }
  const bytes = new Uint8Array(16)
  let t = ms
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256
    t = Math.floor(t / 256)
  }
  bytes.set(state.random, 6)
  return `${prefix}_${base32(bytes)}`
}

/** Random url-safe secret of `bytes` bytes. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}
