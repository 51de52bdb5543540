import * as z from 'zod'
import {
  BLANK_FILLERS,
  C0_CONTROLS,
  CONTROLS_BEYOND_C0,
  INVISIBLE,
  joinerInContext,
} from '../domain/terminal-controls.js'
import { parseDuration } from '../domain/duration.js'
import { dateProblem, durationProblem, instantProblem, isCalendarDate } from '../domain/time-range.js'

/** UTC instant on the wire: ISO-8601 with a Z. */
export const instant = z.iso.datetime({ offset: false })
export const slug = z
  .string()
  .min(2)
  .max(40)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lowercase letters, digits and single dashes')
/**
 * An email address as zod's default reads one (dot-separated atoms, a domain with a top-level name of
 * two letters or more), letters and digits of any script included (RFC 6531, 6532: `jörg@bücher.de`,
 * a punycode `xn--` top-level name too). Letters, marks and digits only: nothing invisible (format
 * characters), no space or control, as in a name.
 */
export const EMAIL_PATTERN =
  /^(?:[\p{L}\p{M}\p{N}_'+-]+\.)*[\p{L}\p{M}\p{N}_'+-]*[\p{L}\p{M}\p{N}_+-]@(?:[\p{L}\p{N}][\p{L}\p{M}\p{N}-]*\.)+(?:\p{L}[\p{L}\p{M}]+|xn--[A-Za-z0-9-]+)$/u
/**
 * A user's email, as stored and matched: one spelling per address, whatever was typed. Composed
 * (NFC: `ö` typed as o and a combining diaeresis is the one character) and lower case (in every
 * script: `JÖRG@` is `jörg@`), so that one address is one user, on both ends.
 */
export const email = z
  .email({ pattern: EMAIL_PATTERN })
  .max(254)
  .transform((s) => s.normalize('NFC').toLowerCase())
/** What would move a terminal's cursor, clear it or reorder it when an admin lists what someone else typed. */
const CONTROLS = `${C0_CONTROLS}${CONTROLS_BEYOND_C0}`

const CONTROL_CHARACTERS = new RegExp(`[${CONTROLS}]`, 'u')
/** Controls, and what shows as nothing (domain/terminal-controls.ts: INVISIBLE). */
const HIDDEN_CHARACTERS = new RegExp(`[${CONTROLS}${INVISIBLE}]`, 'u')
const BIDIRECTIONAL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u
const BLANK_FILLER = new RegExp(`[${BLANK_FILLERS}]`, 'u')

/** Why text holding `ch` is refused: a control character, or which invisible one (`U+200B, zero-width`). */
function refusal(ch: string): string {
  const code = ch.codePointAt(0)!
  if (code <= 0x9f) return 'must not contain control characters'
  const kind = BIDIRECTIONAL.test(ch)
    ? 'bidirectional'
    : ch === '\u00ad'
      ? 'soft hyphen'
      : BLANK_FILLER.test(ch)
        ? 'blank filler'
        : 'zero-width'
  return `must not contain invisible characters (U+${code.toString(16).toUpperCase().padStart(4, '0')}, ${kind})`
}

/** Refuses `text` when it holds a control or invisible character, naming the first (`refusal`). */
function refuseHidden(c: z.core.ParsePayload<string>, text: string): void {
  if (!HIDDEN_CHARACTERS.test(text)) return
  const value = /[\u200c\u200d]/.test(text) ? text.replace(joinerInContext(), '') : text
  const found = HIDDEN_CHARACTERS.exec(value)
  if (found) c.issues.push({ code: 'custom', message: refusal(found[0]), input: c.value, continue: true })
}

/**
 * Refuses text others see that holds a control character or an invisible one, naming the first
 * (`must not contain invisible characters (U+200B, zero-width)`): the one rule for every name and
 * free-text field of the contract (`plainText`, `multilineText`, `host`, `licenseName`).
 */
export const withoutHiddenCharacters = (c: z.core.ParsePayload<string>): void => refuseHidden(c, c.value)

/**
 * The same for text that finds what is stored rather than names something (`hostRef`), with only
 * the characters refused before the invisible ones were: nothing stored then becomes unreachable.
 */
export const withoutControls = (c: z.core.ParsePayload<string>): void => {
  const found = CONTROL_CHARACTERS.exec(c.value)
  if (found) c.issues.push({ code: 'custom', message: refusal(found[0]), input: c.value, continue: true })
}

/**
 * Free text others see on a terminal (a name, a device's site): trimmed, 1..max, no control
 * character and no invisible one (withoutHiddenCharacters).
 */
export const plainText = (max: number) => z.string().trim().min(1).max(max).check(withoutHiddenCharacters)

/**
 * Free text of several lines others see (a postal address): as plainText, but its line breaks are
 * its own, written `\n` whichever way they came (`\r\n`, `\r`); every other control character and
 * every invisible one is refused.
 */
export const multilineText = (max: number) =>
  z
    .string()
    .overwrite((s) => s.replace(/\r\n?/g, '\n'))
    .trim()
    .min(1)
    .max(max)
    .check((c) => refuseHidden(c, c.value.replaceAll('\n', ' ')))
export const orgParams = z.strictObject({ org: slug })

/**
 * A whole number in a bulk row: a JSON number, or a CSV cell of decimal digits — refused, like the
 * count flags refuse it, when written any other way (`0x2`, `1e1`, `2.0`), where coercion would
 * read a number into it.
 */
export const wholeNumber = <T extends z.ZodType<number, number>>(n: T) =>
  z.preprocess((v, ctx) => {
    if (typeof v !== 'string') return v
    // Digits past the largest safe integer are held at it, so that the schema's own bound answers
    // (`<=1000` for a page size), not the safe-integer limit.
    if (/^\s*[+-]?\d+\s*$/.test(v))
      return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Number(v)))
    ctx.issues.push({ code: 'custom', message: `not a whole number, got ${JSON.stringify(v)}`, input: v })
    return z.NEVER
  }, n)

/** What a bulk row's yes/no column may say (any case); anything else refuses the row. */
export const YES_NO_WORDS = { true: true, yes: true, '1': true, false: false, no: false, '0': false } as const

/** A yes/no column of a bulk row: a JSON boolean, or one of `YES_NO_WORDS` in any case. */
export const yesNo = z.preprocess((v, ctx) => {
  if (typeof v !== 'string') return v
  const word = v.trim().toLowerCase()
  if (Object.hasOwn(YES_NO_WORDS, word)) return YES_NO_WORDS[word as keyof typeof YES_NO_WORDS]
  ctx.issues.push({
    code: 'custom',
    message: `not true/false, yes/no or 1/0 (any case), got ${JSON.stringify(v)}`,
    input: v,
  })
  return z.NEVER
}, z.boolean())

export const role = z.enum(['admin', 'member'])
export type Role = z.infer<typeof role>

export const pageQuery = z.strictObject({
  limit: wholeNumber(z.number().int().min(1).max(1000)).default(100),
  cursor: z.string().max(200).optional(),
})
export type PageQuery = z.infer<typeof pageQuery>

export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() })
}

export const okBody = z.object({ ok: z.literal(true) })

/** A duration as typed (`90d`, `12h`, `1h30m`; units s, m, h, d, w), sent as it is. */
export const durationText = z
  .string()
  // Either case, spelled out: JSON Schema's pattern (the OpenAPI document) has no flags. Not M:
  // `12M` reads as months to most people, and would be minutes (domain/duration.ts, CAPITAL_M).
  .regex(/^(\d+[smhdwSHDW])+$/, 'a duration like 90s, 15m, 2h, 30d or 2w')
  .meta({ description: 'A duration from now on the server’s clock: 90s, 15m, 2h, 30d, 2w, 1h30m.' })

/**
 * A bound of a window in the past on the wire (`orgs audit --since`): an ISO-8601 instant, or a
 * duration ago (`7d`), counted back from now on the server's clock, so a client whose clock is off
 * does not move the window. The server turns it into an instant with `instantAgo`
 * (domain/time-range.ts); a duration is no longer than any time licctl stores.
 */
export const pastInput = z
  .union(
    [
      instant,
      durationText.meta({
        description: 'A duration ago on the server’s clock: 90s, 15m, 2h, 30d, 2w, 1h30m.',
      }),
    ],
    { error: 'expected an ISO-8601 instant (2026-01-01T00:00:00Z) or a duration like 7d' },
  )
  .check((c) => {
    const ms = parseDuration(c.value)
    const problem = ms === null ? null : durationProblem(ms)
    if (problem !== null) c.issues.push({ code: 'custom', message: problem, input: c.value })
  })
  .meta({ description: 'An ISO-8601 instant, or a duration ago on the server’s clock (7d, 12h).' })

/**
 * An expiration on the wire: a calendar date (valid through that day in the organization's time
 * zone), an ISO-8601 instant, or a duration (`7d`), counted from now on the server's clock, so a
 * client whose clock is ahead cannot push it past a limit. The server turns it into an instant with
 * `validUntil`. Each stays within the times licctl stores and shows (domain/time-range.ts: dates
 * through 9999-12-29; a duration the server checks against its own now).
 */
export const expiryInput = z
  .union([z.iso.date(), z.iso.datetime({ offset: true }), durationText], {
    error:
      'expected a date (2027-12-31), an ISO-8601 instant with its offset (2027-12-31T17:00:00Z) or a duration like 7d',
  })
  .check((c) => {
    const ms = parseDuration(c.value)
    const problem = isCalendarDate(c.value)
      ? dateProblem(c.value)
      : ms !== null
        ? durationProblem(ms)
        : instantProblem(Date.parse(c.value))
    if (problem !== null) c.issues.push({ code: 'custom', message: problem, input: c.value })
  })
  .meta({
    description:
      'A date (valid through that day in the organization’s time zone), an instant with its offset, or a duration from now on the server’s clock (7d, 12h).',
  })
