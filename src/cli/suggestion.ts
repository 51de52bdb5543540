import { distance } from 'fastest-levenshtein'
import { byteOrder } from '../domain/text-order.js'

/** At most this many edits from the word typed (a typo or two), and at most half of it. */
const MAX_EDITS = 2
/** More names than this as close: no match is clear, so none is suggested. */
const MAX_SUGGESTIONS = 3

/**
 * The names a mistyped word most likely meant, the one ranking of licctl's "did you mean" (a flag)
 * and "Try this" (a command or topic): the names the word begins (`--admin` → `--admin-email`,
 * `expiry ch` → `expiry check`), else those a typo or two away (`--nmae` → `--name`, `sets` →
 * `seats`), by edit distance (fastest-levenshtein). Only the closest, in byte order; nothing when
 * the word is a single character, or more than three names are as close.
 */
export function closest(typed: string, names: Iterable<string>): string[] {
  if (typed.length < 2) return []
  const scored = [...new Set(names)]
    .filter((name) => name !== typed)
    .map((name) => ({ name, d: name.startsWith(typed) ? 0 : distance(typed, name) }))
    .filter(({ d }) => d <= MAX_EDITS && d * 2 <= typed.length)
  const best = Math.min(...scored.map(({ d }) => d))
  const found = scored.filter(({ d }) => d === best).map(({ name }) => name)
  return found.length > MAX_SUGGESTIONS ? [] : found.sort(byteOrder)
}
