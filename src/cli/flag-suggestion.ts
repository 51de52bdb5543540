import { closest } from './suggestion.js'

/** What a flag definition says about its names (oclif's flag definitions). */
interface Named {
  aliases?: readonly string[]
  hidden?: boolean
}

/**
 * The flag meant by one the command does not have, ranked as the command-not-found hook ranks a
 * command (`closest`): `--admin` → `--admin-email`, `--nmae` → `--name`. Hidden flags are never
 * suggested.
 */
export function closestFlags(typed: string, flags: Readonly<Record<string, Named>>): string[] {
  const word = typed.replace(/^--?/, '').replace(/=.*$/s, '')
  const names = Object.entries(flags).flatMap(([name, def]) =>
    def.hidden ? [] : [name, ...(def.aliases ?? [])],
  )
  return closest(word, names).map((n) => `--${n}`)
}
