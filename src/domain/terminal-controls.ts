/**
 * What a terminal acts on in the text it prints, as regular-expression class ranges: the C0
 * controls, and beyond them DEL, the C1 controls (`\x9b` is a CSI on some terminals) and the
 * bidirectional marks and overrides that reorder what it shows. One definition for both ends: the
 * API refuses these in free text others see (contract/common.ts), the CLI escapes them in what it
 * prints (cli/errors.ts). JSON.stringify escapes the C0 ones itself, and only those.
 */
export const C0_CONTROLS = '\\u0000-\\u001f'
export const CONTROLS_BEYOND_C0 = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069'

/**
 * What shows as nothing, so that two names differ where nobody can see it (`bob` and `b\u200bob`):
 * the zero-width characters (space, non-joiner, joiner, the word joiner and the invisible
 * operators, a byte-order mark inside the text, the Mongolian vowel separator), the soft hyphen and
 * the Hangul fillers. The API refuses them in free text others see, the CLI shows them as escapes
 * (both but for a joiner where it is how the text is written: `writtenJoiners`). The bidirectional
 * marks, embeddings, overrides and isolates, which reorder what follows them (Trojan Source), are
 * among the controls above: they act on a terminal too.
 */
const ZERO_WIDTH = '\\u180e\\u200b-\\u200d\\u2060-\\u2064\\u206a-\\u206f\\ufeff'
const SOFT_HYPHEN = '\\u00ad'
export const BLANK_FILLERS = '\\u115f\\u1160\\u3164\\uffa0'
export const INVISIBLE = `${ZERO_WIDTH}${SOFT_HYPHEN}${BLANK_FILLERS}`

/** Scripts whose shaping a zero-width non-joiner or joiner between two of their letters changes. */
const JOINING_SCRIPTS =
  'Arabic Syriac Thaana Nko Mongolian Devanagari Bengali Gurmukhi Gujarati Oriya Tamil Telugu Kannada Malayalam Sinhala'
let joinersInContext: RegExp | undefined

/**
 * Where a zero-width non-joiner or joiner is part of how a name is written, not hidden in it:
 * between two letters of a script whose shaping it changes (Persian, where a non-joiner parts two
 * letters of a word; an Indic conjunct), and a joiner between two emoji (a family, a technologist).
 * Accepted there, as IDNA accepts them in context (RFC 5892, CONTEXTJ); between Latin letters
 * (`b\u200dob`) they hide. Built on first use: the scripts' tables would cost every command's
 * start a millisecond.
 */
export function joinerInContext(): RegExp {
  if (joinersInContext) return joinersInContext
  const letter = `[${JOINING_SCRIPTS.split(' ')
    .map((sc) => `\\p{sc=${sc}}`)
    .join('')}]`
  const emoji = '[\\p{Extended_Pictographic}\\p{Emoji_Modifier}\\ufe0f]'
  const joiner = `(?<=${letter})[\\u200c\\u200d](?=${letter})|(?<=${emoji})\\u200d(?=${emoji})`
  return (joinersInContext = new RegExp(joiner, 'gu'))
}

/** The offsets in `text` of its joiners in context (joinerInContext): shown as they are. */
export function writtenJoiners(text: string): ReadonlySet<number> | undefined {
  if (!/[\u200c\u200d]/.test(text)) return undefined
  return new Set(Array.from(text.matchAll(joinerInContext()), (m) => m.index))
}

/** What is shown escaped (above), and U+FFFD: a binary file's bytes quoted back. */
const ESCAPED = new RegExp(`[${C0_CONTROLS}${CONTROLS_BEYOND_C0}${INVISIBLE}\\ufffd]`, 'gu')

/** One character as an escape: `\n`, `\x1b`, `\u202e`, `\u200b`. */
function escapeCharacter(ch: string): string {
  if (ch === '\n') return '\\n'
  if (ch === '\r') return '\\r'
  if (ch === '\t') return '\\t'
  const code = ch.codePointAt(0)!
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`
}

/**
 * Control characters, invisible ones (but a joiner where it is how the text is written) and U+FFFD
 * as escapes: `\x1b`, `\n`, `\u202e`, `\u200b`.
 */
export function escapeControls(text: string): string {
  const kept = writtenJoiners(text)
  return text.replace(ESCAPED, (ch, at: number) => (kept?.has(at) ? ch : escapeCharacter(ch)))
}

/**
 * User input quoted in a message: in single quotes, control and invisible characters escaped
 * (`\x1b`, `\n`, `\u200b`), and cut short with `…` (the whole input is the user's to look at, the
 * message only names it).
 */
export function quote(input: string, max = 40): string {
  const chars = [...input]
  const cut = chars.length > max ? chars.slice(0, max).join('') : input
  return `'${escapeControls(cut)}${chars.length > max ? '…' : ''}'`
}
