/**
 * What a terminal acts on in the text it prints, as regular-expression class ranges: the C0
 * controls, and beyond them DEL, the C1 controls (`\x9b` is a CSI on some terminals) and the
 * bidirectional marks and overrides that reorder what it shows. One definition for both ends: the
 * API refuses these in free text others see (contract/common.ts), the CLI escapes them in what it
 * prints (cli/errors.ts). JSON.stringify escapes the C0 ones itself, and only those.
 */
export const C0_CONTROLS = '\\u0000-\\u001f'
export const CONTROLS_BEYOND_C0 = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069'

/** What a terminal acts on (above), and U+FFFD: a binary file's bytes quoted back. */
const CONTROLS = new RegExp(`[${C0_CONTROLS}${CONTROLS_BEYOND_C0}\\ufffd]`, 'gu')

/** Control characters (and U+FFFD) as escapes: `\x1b`, `\n`, `\u202e`. */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (ch) => {
    if (ch === '\n') return '\\n'
    if (ch === '\r') return '\\r'
    if (ch === '\t') return '\\t'
    const code = ch.codePointAt(0)!
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

/**
 * User input quoted in a message: in single quotes, control characters escaped (`\x1b`, `\n`),
 * and cut short with `…` (the whole input is the user's to look at, the message only names it).
 */
export function quote(input: string, max = 40): string {
  const chars = [...input]
  const cut = chars.length > max ? chars.slice(0, max).join('') : input
  return `'${escapeControls(cut)}${chars.length > max ? '…' : ''}'`
}
