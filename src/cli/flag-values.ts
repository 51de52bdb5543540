import { Flags } from '@oclif/core'
import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { inWords } from '../contract/issue-text.js'
import { CAPITAL_M, formatDuration, hasCapitalM, parseDuration } from '../domain/duration.js'
import { dateProblem, durationProblem, instantProblem } from '../domain/time-range.js'
import { databaseUrlProblem, sqliteFileOf } from '../storage/database-url.js'
import { quote, UsageError } from './errors.js'
import { initCommand } from './init-command.js'

/**
 * The one reader of every time, duration and count flag. Each value is checked here, before any
 * request, and a bad one is a usage error (exit 2) that names the flag and quotes the input —
 * never the server's `body.expires: Invalid input`. Times stay within what licctl stores
 * (domain/time-range.ts, the bound the contract and the server use); bounds of counts and durations
 * are the contract's, read from its schema.
 */

/** A time as a person types it: a duration, a calendar date, or an instant with its offset. */
export type TimeValue =
  | { kind: 'duration'; ms: number }
  | { kind: 'date'; date: string; ms: number }
  | { kind: 'instant'; ms: number }

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const INSTANT = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/i

/** Epoch ms of 00:00 UTC on a real calendar date (2024-02-30 is not one), else null. */
function dateMs(text: string): number | null {
  const m = DATE.exec(text)
  if (!m) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999 (0001-01-01 as 1901).
  const back = new Date(0)
  const ms = back.setUTCFullYear(y, mo - 1, d)
  return back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d ? ms : null
}

/** Reads a time flag's text; null when it is none of the forms. */
export function readTime(text: string): TimeValue | null {
  const t = text.trim()
  const ms = parseDuration(t)
  if (ms !== null) return { kind: 'duration', ms }
  const day = dateMs(t)
  if (day !== null) return { kind: 'date', date: t, ms: day }
  const m = INSTANT.exec(t)
  if (!m || dateMs(m[1]!) === null) return null
  const [h, min, s, oh, om] = [m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as number[]
  if (h! > 23 || min! > 59 || s! > 59 || oh! > 23 || om! > 59) return null
  const at = Date.parse(t)
  return Number.isNaN(at) ? null : { kind: 'instant', ms: at }
}

const DAY_MS = 86_400_000

type TimeForm = 'duration' | 'date' | 'instant'
const FORM_TEXT: Record<TimeForm, string> = {
  duration: 'a duration like 90d',
  date: 'a date like 2027-12-31',
  instant: 'an instant with its offset',
}

function notA(flag: string, text: string, forms: TimeForm[]): UsageError {
  if (forms.includes('duration') && hasCapitalM(text))
    return new UsageError(`${flag}: ${CAPITAL_M}, got ${quote(text)}`)
  const expected = forms.map((f) => FORM_TEXT[f])
  const list = expected.length > 1 ? `${expected.slice(0, -1).join(', ')} or ${expected.at(-1)}` : expected[0]
  const what =
    DATE.test(text.trim()) && dateMs(text.trim()) === null ? 'not a real calendar date' : `expected ${list}`
  return new UsageError(`${flag}: ${what}, got ${quote(text)}`)
}

/** An instant (epoch ms) within the times licctl stores, or a usage error naming the flag. */
function storable(flag: string, text: string, ms: number): number {
  const problem = instantProblem(ms)
  if (problem !== null) throw new UsageError(`${flag}: ${problem}, got ${quote(text)}`)
  return ms
}

/** Seconds bounds of a duration flag; the contract's when it has them. */
export interface SecondsBounds {
  min: number
  max: number
}

/**
 * A duration flag (15m, 2h, 14d) in whole seconds, within `bounds` (seconds; at least 1s when none
 * are given), or a usage error naming the flag and the bounds as durations. With `zero` (what 0
 * means, e.g. 'none'), `0` in any unit (`0`, `0s`) is 0, and the errors say so.
 */
export function durationSeconds(
  flag: string,
  text: string,
  bounds?: SecondsBounds,
  opts: { zero?: string } = {},
): number {
  const v = readTime(text)
  if (opts.zero !== undefined && (text.trim() === '0' || (v?.kind === 'duration' && v.ms === 0))) return 0
  const orZero = opts.zero === undefined ? '' : `, or 0 for ${opts.zero}`
  if (v?.kind !== 'duration' && hasCapitalM(text))
    throw new UsageError(`${flag}: ${CAPITAL_M}, got ${quote(text)}`)
  if (v?.kind !== 'duration')
    throw new UsageError(`${flag}: expected a duration like 90s, 15m, 2h or 14d${orZero}, got ${quote(text)}`)
  const seconds = Math.round(v.ms / 1000)
  // `0s` is a duration, just too short: said as every zero duration is (durationProblem), not
  // "expected a duration"; a higher least bound says itself. (With `zero`, 0 was taken above.)
  const zero = seconds < 1 && (bounds?.min ?? 1) <= 1 ? durationProblem(v.ms) : null
  if (zero !== null) throw new UsageError(`${flag}: ${zero}, got ${quote(text)}`)
  if (bounds && !(seconds >= bounds.min && seconds <= bounds.max))
    throw new UsageError(
      `${flag} must be between ${formatDuration(bounds.min * 1000)} and ${formatDuration(bounds.max * 1000)}${orZero}, got ${quote(text)}`,
    )
  return seconds
}

/**
 * A time flag as an ISO-8601 instant: a duration counted from now (`direction` 1: ahead, -1: back),
 * an instant with its offset, or — when `date` says how — a calendar date in UTC: `start` (00:00 of
 * that day) or `end` (valid through that day: 00:00 of the next).
 */
export function instantValue(
  flag: string,
  text: string,
  opts: { direction: 1 | -1; date?: 'start' | 'end'; now?: number },
): string {
  const v = readTime(text)
  const now = opts.now ?? Date.now()
  const at =
    v?.kind === 'duration'
      ? now + opts.direction * v.ms
      : v?.kind === 'instant'
        ? v.ms
        : v?.kind === 'date' && opts.date
          ? v.ms + (opts.date === 'end' ? DAY_MS : 0)
          : null
  if (at === null)
    throw notA(flag, text, opts.date ? ['duration', 'date', 'instant'] : ['duration', 'instant'])
  return new Date(storable(flag, text, at)).toISOString()
}

/**
 * An expiration as the API takes it (the contract's `expiryInput`): a date stays a date (the server
 * makes it valid through that day in the organization's time zone), an instant keeps its offset's
 * meaning, and a duration (365d) is sent as a duration, counted from now on the server's clock — never
 * this machine's, which may be ahead of it.
 */
export function expiryValue(flag: string, text: string): string {
  const v = readTime(text)
  if (v?.kind === 'date') {
    const problem = dateProblem(v.date)
    if (problem !== null) throw new UsageError(`${flag}: ${problem}, got ${quote(text)}`)
    return v.date
  }
  if (v?.kind === 'instant') return new Date(storable(flag, text, v.ms)).toISOString()
  if (v?.kind === 'duration') return serverDuration(flag, text, v.ms)
  throw notA(flag, text, ['date', 'instant', 'duration'])
}

/**
 * A bound of a window in the past as the API takes it (the contract's `pastInput`): a duration ago
 * (7d) is sent as a duration, counted back from now on the server's clock — never this machine's,
 * which may be off; a date is 00:00 UTC of that day, and a date or an instant is sent as an instant.
 */
export function pastValue(flag: string, text: string): string {
  const v = readTime(text)
  return v?.kind === 'duration'
    ? serverDuration(flag, text, v.ms)
    : instantValue(flag, text, { direction: -1, date: 'start' })
}

/** A duration for the server to count on its own clock: as typed (lower case), within durationProblem's bounds. */
function serverDuration(flag: string, text: string, ms: number): string {
  const problem = durationProblem(ms)
  if (problem !== null) throw new UsageError(`${flag}: ${problem}, got ${quote(text)}`)
  return text.trim().toLowerCase()
}

/** A whole number within bounds, or a usage error naming the flag and the bounds. */
export function integerValue(flag: string, text: string, bounds: { min: number; max: number }): number {
  const t = text.trim()
  if (!/^[+-]?\d+$/.test(t)) throw new UsageError(`${flag}: not a whole number, got ${quote(text)}`)
  const n = Number(t)
  if (!(n >= bounds.min && n <= bounds.max))
    throw new UsageError(`${flag} must be between ${bounds.min} and ${bounds.max}, got ${quote(text)}`)
  return n
}

/**
 * A comma-separated list (`--models R-1000,R-2000`), each item trimmed. An empty item (`,,`, a
 * trailing comma) is refused naming the flag: read as nothing, it would silently mean an empty list.
 */
export function listValue(flag: string, text: string): string[] {
  const items = text.split(',').map((m) => m.trim())
  if (items.some((m) => m === ''))
    throw new UsageError(`${flag}: expected names separated by commas, with none empty, got ${quote(text)}`)
  return items
}

/** A comma-separated list flag (see listValue). */
export const listFlag = Flags.custom<string[]>({
  async parse(input, _ctx, flag) {
    return listValue(`--${flag.name}`, input)
  },
})

/** The bounds of a zod number schema (`.int().min().max()` in the contract). */
export interface NumberSchema {
  minValue: number | null
  maxValue: number | null
}

const boundsOf = (s: NumberSchema) => ({
  min: s.minValue ?? Number.MIN_SAFE_INTEGER,
  max: s.maxValue ?? Number.MAX_SAFE_INTEGER,
})

/**
 * A count flag whose bounds are the contract's: `schema` loads the contract's field lazily (zod
 * loads only when the flag is given, and the command needs it then anyway).
 */
export const countFlag = Flags.custom<number, { schema: () => Promise<NumberSchema> }>({
  async parse(input, _ctx, flag) {
    return integerValue(`--${flag.name}`, input, boundsOf(await flag.schema()))
  },
})

/** What a contract schema answers (zod's safeParse), without the CLI importing zod's types. */
export interface TextSchema {
  safeParse(
    value: unknown,
    params: { error: typeof inWords },
  ): { success: boolean; error?: { issues: Array<{ message: string }> } }
}

/** `text` if the contract's `schema` takes it, else a usage error naming the flag and quoting `input`. */
function checkedBy(schema: TextSchema, flag: string, text: string, input = text): string {
  const result = schema.safeParse(text, { error: inWords })
  if (!result.success)
    throw new UsageError(`${flag}: ${result.error?.issues[0]?.message ?? 'invalid'}, got ${quote(input)}`)
  return text
}

/**
 * A text flag checked by the contract's own schema (a time zone): the rule lives in the contract,
 * the refusal names the flag.
 */
export const contractFlag = Flags.custom<string, { schema: () => Promise<TextSchema> }>({
  async parse(input, _ctx, flag) {
    return checkedBy(await flag.schema(), `--${flag.name}`, input)
  },
})

/**
 * A window as the API takes it (`expiry check --within 30d`): a duration read as every time flag
 * reads one (readTime: surrounding space trimmed, any case), sent as typed in lower case, within the
 * contract's `schema` for it. Anything else is refused in the schema's words, naming the flag.
 */
export function windowValue(flag: string, text: string, schema: TextSchema): string {
  const v = readTime(text)
  return checkedBy(schema, flag, v?.kind === 'duration' ? text.trim().toLowerCase() : text, text)
}

/** A window flag whose rule is the contract's field `schema` (see windowValue). */
export const windowFlag = Flags.custom<string, { schema: () => Promise<TextSchema> }>({
  async parse(input, _ctx, flag) {
    return windowValue(`--${flag.name}`, input, await flag.schema())
  },
})

/** An integer flag with bounds the CLI owns (a port, a page limit). */
export const integerFlag = Flags.custom<number, { min: number; max: number }>({
  async parse(input, _ctx, flag) {
    return integerValue(`--${flag.name}`, input, { min: flag.min, max: flag.max })
  },
})

/** An expiration flag for pools and add-ons (see expiryValue). */
export const expiryFlag = Flags.custom<string>({
  async parse(input, _ctx, flag) {
    return expiryValue(`--${flag.name}`, input)
  },
})

/**
 * A duration flag, in whole seconds within the bounds of the contract's field `schema` (a default is
 * given in seconds, with `defaultHelp` as typed).
 */
export const durationFlag = Flags.custom<number, { schema: () => Promise<NumberSchema>; zero?: string }>({
  async parse(input, _ctx, flag) {
    const opts = flag.zero === undefined ? {} : { zero: flag.zero }
    return durationSeconds(`--${flag.name}`, input, boundsOf(await flag.schema()), opts)
  },
})

/** A time flag for a bound of a window in the past (see pastValue). */
export const pastFlag = Flags.custom<string>({
  async parse(input, _ctx, flag) {
    return pastValue(`--${flag.name}`, input)
  },
})

/**
 * Kept for callers written before the flag builders: the same reader, with an absolute form of the
 * caller's own. Prefer instantFlag.
 */
export function timeFlag(
  flag: string,
  text: string,
  opts: { direction: 1 | -1; absolute(text: string): number | null; expected: string },
): string {
  const v = readTime(text)
  const at = v?.kind === 'duration' ? Date.now() + opts.direction * v.ms : opts.absolute(text)
  if (at === null) throw new UsageError(`${flag}: expected ${opts.expected}, got ${quote(text)}`)
  return new Date(storable(flag, text, at)).toISOString()
}

/**
 * `--db` of any `server` command, refused (exit 2) before anything opens it: a PostgreSQL URL that
 * cannot work; an empty value or `:memory:`, which SQLite reads as a database that vanishes when the
 * command ends (`init` would print an operator token for nothing, `migrate` report migrations applied
 * to nothing: `--db "$DB"` with `DB` unset must not look like success); and a file that exists but
 * is not a SQLite database (SQLite's own "file is not a database" names no file, and comes after
 * the warning that the file holds the issuing secret).
 */
export function databaseFlag(db: string): string {
  const fix = 'name a SQLite file or a postgres:// URL'
  if (db === '') throw new UsageError(`--db: must not be empty: ${fix}`)
  if (db === ':memory:')
    throw new UsageError(`--db: ':memory:' is a database that vanishes when the command ends: ${fix}`)
  const problem = databaseUrlProblem(db)
  if (problem) throw new UsageError(`--db: ${problem}`)
  const file = sqliteFileOf(db)
  if (file !== undefined && /[\\/]$/.test(file))
    throw new UsageError(`--db: ${quote(file, 200)} names a directory: give the database file's name in it`)
  const notSqlite = file === undefined ? undefined : notSqliteProblem(file)
  if (notSqlite) throw new UsageError(`--db: ${quote(file!, 200)} ${notSqlite}`)
  return db
}

/** Every SQLite database file begins with these 16 bytes (an empty file is a new database). */
const SQLITE_HEADER = 'SQLite format 3\0'

/** Why an existing `file` cannot be a SQLite database, or undefined (none there, or one). */
function notSqliteProblem(file: string): string | undefined {
  const stat = statSync(file, { throwIfNoEntry: false })
  if (stat === undefined) return undefined
  if (stat.isDirectory()) return 'is a directory, not a SQLite database'
  if (!stat.isFile() || stat.size === 0) return undefined
  const head = Buffer.alloc(SQLITE_HEADER.length)
  let fd: number | undefined
  try {
    fd = openSync(file, 'r')
    readSync(fd, head, 0, head.length, 0)
  } catch {
    // Unreadable (permissions): the database's own error says so when it opens the file.
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
  return head.toString('latin1') === SQLITE_HEADER ? undefined : 'is not a SQLite database'
}

/**
 * `--db` of a command that works on an existing database (`server migrate`, `server start`): a SQLite
 * file that does not exist is refused (exit 2), not created. SQLite would create an empty file, and
 * `migrate` would then build a database nobody can use (it has no operator token: only `server
 * init` issues one), so a mistyped path in an upgrade would pass silently. A `postgres://` URL is
 * left to the database.
 */
export function existingDatabase(db: string): string {
  databaseFlag(db)
  const file = sqliteFileOf(db)
  if (file !== undefined && !statSync(file, { throwIfNoEntry: false }))
    throw new UsageError(`--db: no such SQLite file: ${quote(db, 200)}`, {
      code: 'database_not_found',
      hint: `\`${initCommand(db)}\` creates one; check the path if it should exist`,
    })
  if (file !== undefined) assertWritableSqlite(file)
  return db
}

/**
 * A SQLite database the server can write: the file, the -wal and -shm files SQLite keeps beside it
 * (when there), and the directory it makes them in. Checked before opening, with exit 2 naming what
 * and why: opened, SQLite takes a file it may not write read-only without a word, so a server
 * started as another user answered health checks and reads while every write failed, and a
 * read-only directory failed with SQLite's bare "attempt to write a readonly database" (exit 1).
 * `server init` checks the same before it creates the file.
 */
export function assertWritableSqlite(file: string): void {
  const dir = dirname(file)
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    const reason = accessProblem(f, constants.R_OK | constants.W_OK)
    // One not there yet is made in the directory, checked below.
    if (reason === undefined || reason === 'ENOENT') continue
    throw new UsageError(`--db: cannot write ${quote(f, 200)}: ${ACCESS_REASONS[reason] ?? reason}`, {
      code: 'database_not_writable',
      hint: 'the user licctl runs as must be able to read and write the database and the -wal and -shm files beside it (check their owner and mode)',
    })
  }
  const reason = accessProblem(dir, constants.W_OK)
  if (reason !== undefined)
    throw new UsageError(
      `--db: cannot create files in ${quote(dir, 200)}: ${ACCESS_REASONS[reason] ?? reason}; SQLite keeps the database's -wal and -shm files beside it`,
      {
        code: 'database_not_writable',
        hint: 'the user licctl runs as must be able to write that directory: give the database a directory of its own',
      },
    )
}

const ACCESS_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
}

/** Why `path` cannot be accessed so (an errno code such as EACCES), or undefined when it can. */
function accessProblem(path: string, mode: number): string | undefined {
  try {
    accessSync(path, mode)
    return undefined
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err)
  }
}
