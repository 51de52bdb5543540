import { distance } from 'fastest-levenshtein'
import { byteOrder } from '../domain/text-order.js'

/** What a flag definition says about its names (oclif's flag definitions). */
interface Named {
  aliases?: readonly string[]
  hidden?: boolean
}

/**
 * The flag meant by one the command does not have, as the command-not-found hook suggests a
 * command: a flag the typed name begins (`--admin` → `--admin-email`), else those a typo or two
 * away (`--nmae` → `--name`), the closest only. Nothing when no match is clear: a word far from
 * every flag, or more than three flags it could be.
 */
export function closestFlags(typed: string, flags: Readonly<Record<string, Named>>): string[] {
  const word = typed.replace(/^--?/, '').replace(/=.*$/s, '')
  if (word.length < 2) return []
  const names = Object.entries(flags).flatMap(([name, def]) =>
    def.hidden ? [] : [name, ...(def.aliases ?? [])],
  )
  const prefixed = names.filter((n) => n.startsWith(word))
  const close =
    prefixed.length > 0
      ? prefixed.map((name) => ({ name, d: 0 }))
      : names
          .map((name) => ({ name, d: distance(word, name) }))
          .filter(({ d }) => d <= 2 && d * 2 <= word.length)
  const best = Math.min(...close.map(({ d }) => d))
  const found = close.filter(({ d }) => d === best).map(({ name }) => name)
  return found.length > 3 ? [] : found.sort(byteOrder).map((n) => `--${n}`)
}
