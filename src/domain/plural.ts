/**
 * Counts in messages, singular for one: `1 seat`, `3 seats`; `the only one is assigned`, `all 3 are
 * assigned`. Server and CLI messages use these so none says "all 1 seats" or "1 are".
 */

/** A count with its noun: `1 seat`, `3 seats` (`plural` when it is not the noun and an s). */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`
}

/** The pronoun for what a count named: `Free it` (1), `Free them` (2). */
export function itThem(n: number): 'it' | 'them' {
  return n === 1 ? 'it' : 'them'
}

/** The verb after a count: `1 is`, `3 are`. */
export function isAre(n: number): 'is' | 'are' {
  return n === 1 ? 'is' : 'are'
}

/**
 * Every one of `n` in a state: `all 3 are in use`, `the only one is in use`; with a noun,
 * `all 3 seats of 'cad' are in use`, `the only seat of 'cad' is in use` (`of` follows the noun).
 */
export function allOf(n: number, state: string, noun?: { one: string; many: string; of?: string }): string {
  const of = noun?.of ? ` of ${noun.of}` : ''
  if (n === 1) return `the only ${noun?.one ?? 'one'}${of} is ${state}`
  return `all ${n}${noun ? ` ${noun.many}` : ''}${of} are ${state}`
}

/** A message fragment as the start of a sentence: `All 3 seats …`, `The only seat …`. */
export function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
