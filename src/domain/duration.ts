const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/**
 * Why a duration in capitals is refused: units read in either case (`2H`, `30D`), except `M`, which
 * most people read as months (`--expires 12M`) and which would otherwise be twelve minutes.
 */
export const CAPITAL_M = 'M is not a unit: minutes are a lowercase m, and months have none (in days: 30d)'

/** Whether the text is a duration but for a capital M (`12M`, `1H30M`): say CAPITAL_M, not "not a duration". */
export function hasCapitalM(text: string): boolean {
  const trimmed = text.trim()
  return trimmed.includes('M') && /^(\d+[smhdw])+$/i.test(trimmed)
}

/**
 * Parses a duration such as `90s`, `15m`, `2h`, `30d`, `2w` or `1h30m` into milliseconds.
 * One parser for every duration flag. Returns null when the text is not a duration (nor is
 * anything with a capital M: see CAPITAL_M).
 */
export function parseDuration(text: string): number | null {
  if (text.includes('M')) return null
  const trimmed = text.trim().toLowerCase()
  if (!/^(\d+[smhdw])+$/.test(trimmed)) return null
  let total = 0
  for (const [, n, unit] of trimmed.matchAll(/(\d+)([smhdw])/g)) total += Number(n) * UNITS[unit!]!
  return total
}

/** Whether a duration's text is in whole days or weeks only (`30d`, `2w`, `1w3d`). */
export function isWholeDays(text: string): boolean {
  return /^(\d+[dw])+$/i.test(text.trim())
}

/**
 * Whole seconds as a duration flag reads them back exactly, in the largest unit that divides them:
 * 7200 → `2h`, 90 → `90s` (a hint that repeats a flag the user gave, where `formatDuration` would round).
 */
export function exactDuration(seconds: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    const size = UNITS[unit]! / 1_000
    if (seconds % size === 0) return `${seconds / size}${unit}`
  }
  return `${seconds}s`
}

/** A short human form of a duration: `3d 4h`, `12m`, `45s`. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms)
  const parts: string[] = []
  let rest = Math.floor(abs / 1000)
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size)
    rest -= n * size
    if (n > 0) parts.push(`${n}${unit}`)
    if (parts.length === 2) break
  }
  // Under a second shows as 0s, never as "-0s".
  if (parts.length === 0) return '0s'
  return (ms < 0 ? '-' : '') + parts.join(' ')
}
