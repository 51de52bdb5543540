import { UsageError } from '../errors.js'

/**
 * What a bulk input may be. CSV files are streamed, so their size alone is never a problem; what is
 * kept is bounded instead: one row's length (the parser holds a row until it ends) and the number
 * of rows (every target is remembered to report duplicates). JSON files and standard input are read
 * whole, so they have a size limit. Each limit is far above any real input and names the way out.
 */

/** Characters in one CSV row: every column of every command is limited to a few hundred. */
export const MAX_ROW_CHARS = 65_536

/** Rows in one input (LICCTL_BULK_MAX_ROWS raises it): 176 MB peak RSS at 1,000,000 rows, 379 MB at 3,000,000. */
export const MAX_ROWS = 1_000_000

/** Bytes of an input read whole: a JSON file or standard input (LICCTL_BULK_MAX_INPUT_BYTES). */
export const MAX_WHOLE_INPUT_BYTES = 64 * 1024 * 1024

function fromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name])
  return Number.isSafeInteger(value) && value > 0 ? value : fallback
}

export const maxRows = (): number => fromEnv('LICCTL_BULK_MAX_ROWS', MAX_ROWS)
export const maxWholeInputBytes = (): number => fromEnv('LICCTL_BULK_MAX_INPUT_BYTES', MAX_WHOLE_INPUT_BYTES)

const mib = (bytes: number) =>
  bytes < 1024 * 1024 ? `${bytes} bytes` : `${+(bytes / 1024 / 1024).toFixed(1)} MiB`

/** A JSON file or standard input over the limit, refused before it is read. */
export function inputTooLarge(what: string, bytes: number | undefined): UsageError {
  const max = maxWholeInputBytes()
  return new UsageError(
    `${what} is ${bytes === undefined ? 'over' : mib(bytes) + ', over'} the limit of ${mib(max)} for input read whole (JSON files and standard input); nothing was applied`,
    {
      code: 'input_too_large',
      details: { limit: max, ...(bytes === undefined ? {} : { bytes }) },
      hint: 'give a CSV file by its path (CSV files are streamed, of any size), split the input, or raise the limit with LICCTL_BULK_MAX_INPUT_BYTES',
    },
  )
}

/** An input with more rows than the limit, refused as soon as the row past it is read. */
export function tooManyRows(where: string): UsageError {
  const max = maxRows()
  return new UsageError(
    `${where}more than ${max.toLocaleString('en-US')} ${max === 1 ? 'row' : 'rows'}, the limit for one input; nothing was applied`,
    {
      code: 'input_too_large',
      details: { limit: max },
      hint: 'split the file, or raise the limit with LICCTL_BULK_MAX_ROWS',
    },
  )
}
