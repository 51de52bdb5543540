import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Device license keys: 25 symbols of Crockford base32 in five dash-separated groups of five
 * (29 characters), e.g. `7K3QX-M9TZ4-0P2VA-HCW8E-R1N5D`.
 *
 *   symbols  0..11  serial (60 random bits, the key's identity)
 *   symbols 12..22  authenticity tag (55 bits of HMAC-SHA256 over the serial, keyed by the server's issuing secret)
 *   symbols 23..24  check symbols
 *
 * The check symbols make the 25 symbols a codeword of a Reed-Solomon code over GF(32):
 * Σ x_i = 0 and Σ α^i x_i = 0. The code has minimum distance 3, so any change of one or two symbols
 * is detected — in particular every single substitution and every adjacent transposition — and a
 * single substitution is located (α^j = S1/S0), which is how the CLI names the group to re-check.
 */

export const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const SYMBOLS = 25
const SERIAL = 12
const TAG = 11
const GROUP = 5

// GF(32) with the primitive polynomial x^5 + x^2 + 1; α = 2.
const EXP: number[] = []
const LOG: number[] = new Array<number>(32).fill(-1)
for (let i = 0, x = 1; i < 31; i++) {
  EXP[i] = x
  LOG[x] = i
  x <<= 1
  if (x & 32) x ^= 0b100101
}
const mul = (a: number, b: number): number => (a === 0 || b === 0 ? 0 : EXP[(LOG[a]! + LOG[b]!) % 31]!)
const div = (a: number, b: number): number => (a === 0 ? 0 : EXP[(LOG[a]! - LOG[b]! + 31) % 31]!)
const pow = (i: number): number => EXP[i % 31]!

function syndromes(symbols: number[]): [number, number] {
  let s0 = 0
  let s1 = 0
  symbols.forEach((x, i) => {
    s0 ^= x
    s1 ^= mul(pow(i), x)
  })
  return [s0, s1]
}

/** The two check symbols that complete 23 data symbols into a codeword. */
function checkSymbols(data: number[]): [number, number] {
  const [a, b] = syndromes(data) // with the check symbols still missing (zero)
  // c23 + c24 = a ; α^23 c23 + α^24 c24 = b  ⇒  c24 = (b + α^23 a) / (α^23 (1 + α))
  const c24 = div(b ^ mul(pow(23), a), mul(pow(23), 1 ^ pow(1)))
  return [a ^ c24, c24]
}

const toText = (symbols: number[]): string =>
  Array.from({ length: SYMBOLS / GROUP }, (_, g) =>
    symbols
      .slice(g * GROUP, g * GROUP + GROUP)
      .map((s) => ALPHABET[s])
      .join(''),
  ).join('-')

function fromBits(bytes: Buffer, count: number): number[] {
  const out: number[] = []
  for (let i = 0; i < count; i++) {
    let v = 0
    for (let b = 0; b < 5; b++) {
      const bit = i * 5 + b
      v = (v << 1) | ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1)
    }
    out.push(v)
  }
  return out
}

function tagSymbols(secret: string, serial: string): number[] {
  const mac = createHmac('sha256', secret).update(`licctl-device-key:v1:${serial}`).digest()
  return fromBits(mac, TAG)
}

/** A new key for the server holding `secret`. Returns the printed key and its serial (its identity). */
export function issueKey(
  secret: string,
  random: (n: number) => Buffer = randomBytes,
): { key: string; serial: string } {
  const serialSymbols = fromBits(random(8), SERIAL)
  const serial = serialSymbols.map((s) => ALPHABET[s]).join('')
  const data = [...serialSymbols, ...tagSymbols(secret, serial)]
  return { key: toText([...data, ...checkSymbols(data)]), serial }
}

export type KeyCheck =
  | { ok: true; key: string; serial: string }
  | { ok: false; reason: 'format' | 'mistyped'; message: string; group?: number }

/** Upper case, and the look-alikes Crockford folds (O→0, I/L→1); spaces around are ignored. */
export function normalizeKey(input: string): string {
  return input.trim().toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1')
}

/**
 * The symbols of a key or serial as typed, normalized and without its dashes: the one reading of
 * key input, so a key typed without dashes (or copied with them elsewhere) is the same key, as a
 * serial is the same serial with or without them.
 */
function keyText(input: string): string {
  return normalizeKey(input).replace(/-/g, '')
}

/**
 * A key's serial as `devices keys list` shows it (12 symbols, e.g. `8R6DRPCCYYX2`; look-alikes and
 * case folded as in a key, dashes ignored), or undefined when `input` is not one. A serial names a
 * key the organization already holds (its identity); it proves nothing, so it only stands for a key
 * where the key's authenticity is not the question (a transfer between one admin's organizations).
 */
export function keySerial(input: string): string | undefined {
  const text = keyText(input)
  if (text.length !== SERIAL) return undefined
  for (const ch of text) if (!ALPHABET.includes(ch)) return undefined
  return text
}

/**
 * A key the organization holds, as an admin names it where its authenticity is not the question
 * (transfer, retire): its serial (`key` is then the serial too), or the whole key, checked.
 */
export function keyOrSerial(input: string): KeyCheck {
  const serial = keySerial(input)
  return serial !== undefined ? { ok: true, key: serial, serial } : checkKey(input)
}

/**
 * The check the CLI runs before any request (and the server again): the shape, the alphabet and
 * the check symbols. It says which group to re-check when a single mistyped symbol explains it.
 */
export function checkKey(input: string): KeyCheck {
  const text = keyText(input)
  if (text.length !== SYMBOLS)
    return {
      ok: false,
      reason: 'format',
      message: 'a key is five groups of five characters separated by dashes',
    }
  const symbols: number[] = []
  for (const [i, ch] of [...text].entries()) {
    const v = ALPHABET.indexOf(ch)
    const group = Math.floor(i / GROUP) + 1
    if (v < 0)
      return {
        ok: false,
        reason: 'mistyped',
        group,
        message: `key looks mistyped: "${ch}" in group ${group} is not a key character`,
      }
    symbols.push(v)
  }
  const [s0, s1] = syndromes(symbols)
  // As issued (five groups of five), however it was typed.
  if (s0 === 0 && s1 === 0) return { ok: true, key: toText(symbols), serial: text.slice(0, SERIAL) }
  if (s0 !== 0 && s1 !== 0) {
    const at = LOG[div(s1, s0)]!
    if (at < SYMBOLS) {
      const group = Math.floor(at / GROUP) + 1
      return { ok: false, reason: 'mistyped', group, message: `key looks mistyped: check group ${group}` }
    }
  }
  return {
    ok: false,
    reason: 'mistyped',
    message: 'key looks mistyped: check it again (two characters may be swapped)',
  }
}

/** Whether a well-formed key carries the tag of the server holding `secret` (constant time). */
export function verifyKeyTag(secret: string, key: string): boolean {
  const symbols = key
    .replace(/-/g, '')
    .split('')
    .map((c) => ALPHABET.indexOf(c))
  const serial = key.replace(/-/g, '').slice(0, SERIAL)
  const expected = Buffer.from(tagSymbols(secret, serial))
  const given = Buffer.from(symbols.slice(SERIAL, SERIAL + TAG))
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** Re-complete a changed key's check symbols (tests and forgeries: a well-formed key with any tag). */
export function withCheckSymbols(symbols: number[]): string {
  const data = symbols.slice(0, SERIAL + TAG)
  return toText([...data, ...checkSymbols(data)])
}

/** A key's 25 symbol values. */
export function keySymbols(key: string): number[] {
  return keyText(key)
    .split('')
    .map((c) => ALPHABET.indexOf(c))
}
