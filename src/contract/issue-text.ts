import type * as z from 'zod'

/**
 * A schema issue in plain words, as an error map given to each parse (`safeParse(value, { error:
 * inWords })`): zod's own wording of a bound, a type or an option list (`Too small: expected string
 * to have >=1 characters`, `Invalid input: expected string, received undefined`) reads as a
 * validator's, not as licctl's: it becomes `must not be empty`, `required`, `expected one of NL, CC`.
 *
 * The words are made from the issue's own fields (its code, bound, origin, expected type), never by
 * reading zod's English back, so a new zod wording cannot slip through. A contract's own message
 * (`not a host name: …`) wins over this map (zod asks a schema's own error first), and an issue this
 * map does not word (undefined) gets zod's. The server words its `validation_failed` answers with
 * it and the client the refusals it makes before sending, so both say the same. Given per parse, not
 * through zod's global configuration: a program that embeds the client keeps its own zod messages.
 */
export function inWords(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small'
      const bound = small ? issue.minimum : issue.maximum
      const words = issue.exact
        ? 'exactly'
        : small
          ? issue.inclusive
            ? 'at least'
            : 'more than'
          : issue.inclusive
            ? 'at most'
            : 'less than'
      const unit = UNITS[issue.origin]
      if (!unit) return `must be ${words} ${boundText(issue.origin, bound)}`
      if (small && !issue.exact && issue.inclusive && Number(bound) === 1 && issue.origin === 'string')
        return 'must not be empty'
      return `must have ${words} ${String(bound)} ${Number(bound) === 1 ? unit[0] : unit[1]}`
    }
    case 'invalid_type':
      // zod checks `.int()` as a type: 1.5 is not "a number" to be told it is one.
      if (issue.expected === 'int' && typeof issue.input === 'number' && Number.isFinite(issue.input))
        return 'must be a whole number'
      return issue.input === undefined
        ? 'required'
        : `expected ${article(TYPE_NAMES[issue.expected] ?? issue.expected)}, got ${article(typeOf(issue.input))}`
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${literal(issue.values[0])}`
        : `expected one of ${issue.values.map(literal).join(', ')}`
    case 'invalid_format':
      if (issue.format === 'datetime') return 'expected an ISO-8601 instant, e.g. 2026-01-31T09:00:00Z'
      if (issue.format === 'date') return 'expected a date, e.g. 2026-01-31'
      return undefined
    default:
      return undefined
  }
}

/** What a sized value counts, one and many. */
const UNITS: Record<string, readonly [string, string]> = {
  string: ['character', 'characters'],
  array: ['item', 'items'],
  set: ['item', 'items'],
  map: ['entry', 'entries'],
  file: ['byte', 'bytes'],
}

const TYPE_NAMES: Record<string, string> = { nan: 'NaN' }

/** A bound as a person reads it: a date's as its instant. */
const boundText = (origin: string, bound: unknown): string =>
  origin === 'date' && (typeof bound === 'number' || typeof bound === 'bigint')
    ? new Date(Number(bound)).toISOString()
    : String(bound)

/** The type of what was given, as zod names it: `array` and `null` apart from `object`. */
function typeOf(input: unknown): string {
  if (input === null) return 'null'
  if (Array.isArray(input)) return 'array'
  if (typeof input === 'number' && !Number.isFinite(input)) return String(input)
  return typeof input
}

/** A literal as it reads in a sentence: `NL`, not `"NL"`; a bigint with its `n`. */
const literal = (value: unknown): string => (typeof value === 'bigint' ? `${value}n` : String(value))

/** `string` as `a string`, `object` as `an object`; `null`, `undefined`, `NaN` as they are. */
const article = (type: string): string =>
  ['null', 'undefined', 'NaN', 'Infinity', '-Infinity'].includes(type)
    ? type
    : `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`
