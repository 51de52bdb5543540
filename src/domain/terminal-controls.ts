/**
 * What a terminal acts on in the text it prints, as regular-expression class ranges: the C0
 * controls, and beyond them DEL, the C1 controls (`\x9b` is a CSI on some terminals) and the
 * bidirectional marks and overrides that reorder what it shows. One definition for both ends: the
 * API refuses these in free text others see (contract/common.ts), the CLI escapes them in what it
 * prints (cli/errors.ts). JSON.stringify escapes the C0 ones itself, and only those.
 */
export const C0_CONTROLS = '\\u0000-\\u001f'
export const CONTROLS_BEYOND_C0 = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069'
