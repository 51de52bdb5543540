/**
 * Byte order of two texts' UTF-8, the order lists come out in on both dialects (SQLite's BINARY,
 * PostgreSQL's "C"; storage/migrations/0013-byte-order-keys.ts): `Zeta` before `alpha`, `-` before
 * digits before `_`. Code point order is UTF-8 byte order; `<` on strings compares UTF-16 units,
 * which differs past U+FFFF (a surrogate, D800–DFFF, must sort after E000–FFFF), and
 * `localeCompare` is a language's order.
 */
export function byteOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

/** A UTF-16 unit's rank in code point order: surrogates (pairs, past U+FFFF) above the rest of the BMP. */
function codePointRank(unit: number): number {
  return unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit
}

let collator: Intl.Collator | undefined

/**
 * The order people expect of names with numbers in them: `AP-2` before `AP-10`, a key's license
 * `…-2` before `…-10` (Intl.Collator with `numeric`). Names it finds equal (`AP-02` and `AP-2`)
 * keep byte order between them, so the order is total: the same on every run and both dialects.
 * For lists read whole (not paged: a cursor follows the database's byte order).
 */
export function naturalOrder(a: string, b: string): number {
  // Made on first use: building a collator loads ICU data that most commands never need.
  collator ??= new Intl.Collator('en', { numeric: true })
  return collator.compare(a, b) || byteOrder(a, b)
}
