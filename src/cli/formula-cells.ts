/**
 * Spreadsheet formulas in CSV/TSV cells (OWASP "CSV Injection"): Excel, LibreOffice and Google
 * Sheets run a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula,
 * so a member named `=HYPERLINK("http://evil","x")` by one admin would fire in the spreadsheet of
 * another who opened `--output csv`. One rule, for the writer (`--output csv|tsv`) and the reader
 * (a bulk `--file`), so that a list's output still reads back as the values it listed:
 *
 * - Written: a text cell that begins with one of those characters, after any single quotes it
 *   begins with, gets one more `'` in front, as OWASP recommends (a spreadsheet shows the rest as
 *   text), and is quoted: `=SUM(A1)` → `"'=SUM(A1)"`, and `'=x` → `"''=x"`. A number is written as
 *   it is (`-5`): a spreadsheet reads it as the number it is, never as a formula.
 * - Read: a cell of that form (one or more `'`, then one of those characters) loses its first `'`.
 *   Anything else is read as it is: `'Hello` stays `'Hello`, and `=x` typed in a file stays `=x`.
 *
 * Every text reads back exactly as it was written: the cells the writer changed are exactly those
 * the reader changes back, `'` doubled or not. (Doubling every leading `'` would not do: `'Hello`,
 * common in a hand-written file, would read as `Hello`.)
 */
const FORMULA = /^'*[=+\-@\t\r]/
const NEUTRALISED = /^'+[=+\-@\t\r]/

/** A text cell as written: a spreadsheet would run it as a formula, so it is prefixed with `'`. */
export const neutralised = (cell: string): string => (FORMULA.test(cell) ? `'${cell}` : cell)

/** A cell as read: the `'` the writer put in front of a would-be formula comes off again. */
export const unneutralised = (cell: string): string => (NEUTRALISED.test(cell) ? cell.slice(1) : cell)

/** The cells `neutralised` changed, for the writer to quote (OWASP: "wrap each cell in double quotes"). */
export const NEUTRALISED_CELL = NEUTRALISED
