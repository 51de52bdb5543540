/**
 * A schema issue's message in plain words. zod's own wording of a bound, a type or an option list
 * (`Too small: expected string to have >=1 characters`, `Invalid input: expected string, received
 * undefined`, `Invalid option: expected one of "NL"|"CC"`) reads as a validator's, not as licctl's:
 * it becomes `must not be empty`, `required`, `expected one of NL, CC`. A contract's own message
 * (`not a host name: …`) is returned as it is. The server says it in its `validation_failed`
 * answers and the client in the refusals it makes before sending, so both say the same.
 */
export function issueInWords(message: string): string {
  let m = /^Too (small|big): expected (\w+) to have (>=|>|<=|<)(\d+) (\w+)$/.exec(message)
  if (m) {
    const [, , , bound, n, unit] = m as unknown as [string, string, string, string, string, string]
    const count = Number(n)
    if (bound === '>=' && count === 1 && unit === 'characters') return 'must not be empty'
    if (bound === '>=' && count === 1) return `must have at least 1 ${singular(unit)}`
    return `must have ${BOUND_WORDS[bound]} ${n} ${count === 1 ? singular(unit) : unit}`
  }
  m = /^Too (?:small|big): expected \w+ to be (>=|>|<=|<)(\S+)$/.exec(message)
  if (m) return `must be ${BOUND_WORDS[m[1]!]} ${m[2]!}`
  m = /^Invalid input: expected (\w+), received (\w+)$/.exec(message)
  if (m) return m[2] === 'undefined' ? 'required' : `expected ${article(m[1]!)}, got ${article(m[2]!)}`
  m = /^Invalid option: expected one of (.+)$/.exec(message)
  if (m) return `expected one of ${m[1]!.split('|').map(unquoted).join(', ')}`
  if (message === 'Invalid ISO datetime') return 'expected an ISO-8601 instant, e.g. 2026-01-31T09:00:00Z'
  if (message === 'Invalid ISO date') return 'expected a date, e.g. 2026-01-31'
  m = /^Invalid input: expected (.+)$/.exec(message)
  if (m) return `must be ${unquoted(m[1]!)}`
  return message
}

const BOUND_WORDS: Record<string, string> = {
  '>=': 'at least',
  '>': 'more than',
  '<=': 'at most',
  '<': 'less than',
}

const singular = (unit: string): string =>
  ({ characters: 'character', items: 'item', entries: 'entry', bytes: 'byte' })[unit] ?? unit

/** `string` as `a string`, `object` as `an object`; `null` and `undefined` as they are. */
const article = (type: string): string =>
  type === 'null' || type === 'undefined' ? type : `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`

/** zod's `"NL"` as `NL`: a literal in a list reads without its JSON quotes. */
const unquoted = (value: string): string => (/^".*"$/.test(value) ? value.slice(1, -1) : value)
