import { ApiError, ClientError, isRefusedAuthentication, redactDetails } from '../client/errors.js'
import { exitCodeFor } from '../contract/errors.js'
import { isObject } from '../domain/json-object.js'
import { redactTokens } from '../domain/redact.js'
import {
  C0_CONTROLS,
  CONTROLS_BEYOND_C0,
  escapeControls,
  INVISIBLE,
  writtenJoiners,
} from '../domain/terminal-controls.js'

// Shared with the server's messages (domain/terminal-controls.ts).
export { escapeControls, quote } from '../domain/terminal-controls.js'

/**
 * An expected failure the user can act on, raised by the CLI itself. `exitCode` follows the
 * spec's table; `code` is a CLI code (`usage`, `not_logged_in`, …); `hint` is the next step.
 */
export class CliError extends Error {
  readonly exitCode: number
  readonly code: string
  readonly details: unknown
  readonly hint: string | undefined
  /** The message as raised: oclif prefixes a flag parser's error message ("Parsing --x …"). */
  readonly reason: string
  /** The message alone does not say what to type: point at the command's --help (a usage error). */
  readonly pointToHelp: boolean
  constructor(
    message: string,
    opts: {
      code: string
      exitCode: number
      details?: unknown
      hint?: string
      cause?: unknown
      pointToHelp?: boolean
    },
  ) {
    super(redactTokens(message), opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = new.target.name
    this.code = opts.code
    this.exitCode = opts.exitCode
    this.details = redactDetails(opts.details)
    this.hint = opts.hint
    this.reason = this.message
    this.pointToHelp = opts.pointToHelp ?? false
  }
}

/** Usage or input error: bad flags, arguments, input file, missing --yes (exit 2). */
export class UsageError extends CliError {
  constructor(
    message: string,
    opts: { code?: string; details?: unknown; hint?: string; pointToHelp?: boolean } = {},
  ) {
    super(message, {
      code: opts.code ?? 'usage',
      exitCode: 2,
      details: opts.details,
      ...(opts.hint ? { hint: opts.hint } : {}),
      pointToHelp: opts.pointToHelp ?? false,
    })
  }
}

/**
 * The server's refusal with a next step the CLI knows (a flag, a command line): the same code,
 * message, details and exit code, plus the hint. Any other error is returned as it is.
 */
export function withHint(err: unknown, code: string, hint: string): unknown {
  if (!(err instanceof ApiError) || err.code !== code) return err
  return new CliError(err.message, {
    code,
    exitCode: exitCodeFor(code, err.status),
    details: err.details,
    hint,
    cause: err,
  })
}

/** How a failure is shown: one code, one exit code (SPEC §2), one message, and maybe a next step. */
export interface Failure {
  code: string
  exitCode: number
  message: string
  details: unknown
  hint: string | undefined
  /** Known to the CLI (not a bug): no stack trace, no pointer to --help unless it is a usage error. */
  expected: boolean
}

/** The client's own error codes and what they mean at the command line. */
const CLIENT_CODES: Record<string, { exitCode: number; hint?: string }> = {
  network_error: { exitCode: 1, hint: 'check the server URL and that the server is running' },
  // No answer within the request's time (the message says whose and how long).
  timeout: {
    exitCode: 1,
    hint: 'set LICCTL_TIMEOUT to wait longer, e.g. LICCTL_TIMEOUT=2m (30s by default)',
  },
  bad_response: { exitCode: 1 },
  invalid_url: { exitCode: 2 },
  // An input the client refuses before sending it (an empty argument), as the server would.
  validation_failed: { exitCode: 2 },
}

/**
 * The one mapping from any error to what the user sees. API errors take their exit code from the
 * contract's error catalog (by code, else by status); the client's own codes from CLIENT_CODES;
 * oclif's parse errors are usage errors; anything else is unexpected (exit 1).
 */
export function failureOf(err: unknown): Failure {
  const e = (err ?? {}) as Error & { oclif?: { exit?: number }; code?: unknown }
  const parseError =
    e.oclif?.exit === 2 ||
    e.name === 'NonExistentFlagsError' ||
    Boolean(e.constructor?.name?.endsWith('FlagsError'))
  const parsed: { message: string; hint?: string; expected?: boolean } | undefined =
    !(err instanceof CliError) && parseError
      ? (missingArguments(err) ?? parseErrorText(e.message ?? ''))
      : undefined
  const message = safeMessage(
    parsed?.message ?? (firstLine(err instanceof CliError ? err.reason : (e.message ?? '')) || String(err)),
  )
  if (err instanceof CliError)
    return {
      code: err.code,
      exitCode: err.exitCode,
      message,
      details: err.details,
      hint: err.hint,
      expected: !err.pointToHelp,
    }
  if (err instanceof ApiError)
    return {
      code: err.code,
      // The client's own codes mean the same whatever the status: an answer it could not read
      // (bad_response, a web page at the URL) is its own failure, and a 404 page is not "not found".
      // Too many failed authentications: the token presented is refused (exit 4), however the
      // server words the wait.
      exitCode: isRefusedAuthentication(err)
        ? exitCodeFor('unauthenticated', 401)
        : (CLIENT_CODES[err.code]?.exitCode ?? exitCodeFor(err.code, err.status)),
      message,
      details: err.details,
      hint: undefined,
      expected: true,
    }
  if (err instanceof ClientError) {
    const known = CLIENT_CODES[err.code] ?? { exitCode: 1 }
    return {
      code: err.code,
      exitCode: known.exitCode,
      message,
      details: err.details,
      hint: known.hint,
      expected: true,
    }
  }
  const exitCode = parseError ? 2 : (e.oclif?.exit ?? 1)
  return {
    code: exitCode === 2 ? 'usage' : 'unexpected',
    exitCode,
    message,
    details: undefined,
    hint: parsed?.hint,
    // A value refused in licctl's words says what to type: no pointer to --help, as for the CLI's own.
    expected: parsed?.expected ?? false,
  }
}

/** The flags given on the command line, from the parser's tokens that oclif's parse errors carry. */
function flagsGiven(parse: { output?: { raw?: unknown } } | undefined): string[] {
  const raw = parse?.output?.raw
  if (!Array.isArray(raw)) return []
  return raw.flatMap((t: { type?: unknown; flag?: unknown }) =>
    t.type === 'flag' && typeof t.flag === 'string' ? [t.flag] : [],
  )
}

/**
 * oclif's missing-argument error (its RequiredArgsError, known by what it carries: `args`, the
 * definitions of the arguments missing, and `parse`, the parser's input and tokens) as licctl
 * words its own: `missing argument PATH (API path, e.g. /orgs/acme)`. When a flag taking several
 * values was given, it may have taken the argument as one of them (`licctl api -H x:y /me`): the
 * hint says so, naming only such a flag given. Undefined for any other error.
 */
function missingArguments(err: unknown): { message: string; hint?: string } | undefined {
  const { args, parse } = err as {
    args?: unknown
    parse?: {
      input?: { flags?: Record<string, { type?: unknown; multiple?: unknown }> }
      output?: { raw?: unknown }
    }
  }
  // UnexpectedArgsError's `args` are the words typed; InvalidArgsSpecError's an object.
  if (!Array.isArray(args) || args.length === 0 || !parse) return undefined
  const missing = args.filter((a): a is { name: string; description?: unknown } => isObject(a))
  if (missing.length !== args.length || missing.some((a) => typeof a.name !== 'string')) return undefined
  const named = missing.map((a) => a.name.toUpperCase())
  const described = missing.map(
    (a, i) =>
      `${named[i]!}${typeof a.description === 'string' && a.description ? ` (${a.description})` : ''}`,
  )
  const given = flagsGiven(parse)
  const several = Object.entries(parse.input?.flags ?? {})
    .filter(([name, def]) => def.type === 'option' && def.multiple === true && given.includes(name))
    .map(([name]) => `--${name}`)
  return {
    message: `missing ${missing.length === 1 ? 'argument' : 'arguments'} ${described.join(', ')}`,
    ...(several.length
      ? {
          hint: `${wordList(several)} ${several.length === 1 ? 'takes' : 'take'} several values: give ${wordList(named)} before ${several.length === 1 ? 'it' : 'them'}, or end the flags with --`,
        }
      : {}),
  }
}

/**
 * oclif's errors for a flag given no value or given twice, which carry nothing but their text, as
 * licctl words its own: `--output: expected one of csv, tsv, got no value` (as the CLI refuses a
 * value outside the options), `--output: may be given only once`; `expected: true`, the message
 * says what to type. Undefined when the message is neither. (A value outside a flag's or an
 * argument's options, flags refused together and a required flag missing never reach here: the
 * base command refuses them in licctl's words.)
 */
export function parseErrorText(raw: string): { message: string; expected: true } | undefined {
  const head = raw
    .split('\n')
    .map((l) => l.replace(ANY_SGR, '').trim())
    .find((l) => l && !l.startsWith('See more help'))
  if (head === undefined) return undefined
  // `--output` last, or followed by another flag: oclif's "Flag --output expects one of these values".
  const noValue = /^Flag --([\w-]+) expects (?:one of these values: (.*)|a value)$/.exec(head)
  if (noValue)
    return {
      message: `--${noValue[1]}: expected ${noValue[2] === undefined ? 'a value' : `one of ${noValue[2]}, got no value`}`,
      expected: true,
    }
  const once = /^Flag --([\w-]+) can only be specified once$/.exec(head)
  if (once) return { message: `--${once[1]}: may be given only once`, expected: true }
  return undefined
}

/** `a`, `a and b`, `a, b and c`. */
export const wordList = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)!}`

// eslint-disable-next-line no-control-regex
const ANY_SGR = /\u001b\[[0-9;]*m/g

function firstLine(message: string): string {
  // oclif's parse errors span several lines ("See more help with --help"); keep the reason.
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('See more help'))
    .join(' ')
}

/** Longest message shown: a reason, not a dump of the input. */
const MAX_MESSAGE = 600

/**
 * What any message may put on a terminal: no token, no control character (escaped instead, so a
 * binary input cannot move the cursor or ring the bell), and no more than a screenful.
 */
export function safeMessage(message: string): string {
  const text = escapeControls(redactTokens(message))
  return text.length > MAX_MESSAGE ? text.slice(0, MAX_MESSAGE - 1) + '…' : text
}

/** A colour sequence, or one control or invisible character (as escapeControls, without U+FFFD). */
const SGR_OR_CONTROL = new RegExp(
  `\\u001b\\[[0-9;]*m|[${C0_CONTROLS}${CONTROLS_BEYOND_C0}${INVISIBLE}]`,
  'gu',
)
/**
 * The colour sequences the CLI's own output uses (chalk at level 1): reset, bold, dim, italic,
 * underline, the 16 colours and their backgrounds. Not blink, inverse or hidden (`\x1b[8m` would
 * hide what follows).
 */
// eslint-disable-next-line no-control-regex
const OWN_SGR = /^\u001b\[(?:(?:0|1|2|3|4|22|23|24|3[0-7]|39|4[0-7]|49|9[0-7]|10[0-7])(?:;(?!m)|(?=m)))*m$/

/**
 * Human output for a terminal: the CLI's own colours, line breaks and tabs as they are, and every
 * other control character and every invisible one escaped as `escapeControls` does, whatever stored
 * text put it there (a name saved before the API refused them, or by another client). A name
 * holding `\x1b[2J` would otherwise clear the admin's screen when a table lists it, and one holding
 * a zero-width space would look like another (`b\u200bob`). A joiner where it is how the text is
 * written (Persian, an emoji family) stays.
 */
export function terminalSafeText(text: string): string {
  const kept = writtenJoiners(text)
  return text.replace(SGR_OR_CONTROL, (m, at: number) =>
    m === '\n' || m === '\t' || (m.length > 1 && OWN_SGR.test(m)) || kept?.has(at) ? m : escapeControls(m),
  )
}

/** Every control character a terminal acts on, and every invisible one (ESCAPED without U+FFFD). */
const RAW_UNSAFE = new RegExp(`[${C0_CONTROLS}${CONTROLS_BEYOND_C0}${INVISIBLE}]`, 'gu')

/**
 * `--jq` output for a terminal. jq prints strings raw (`-r`, as gh does), so a stored value's
 * control characters would reach the terminal as they are: each is escaped but line breaks and
 * tabs (a multi-line value, `@tsv`). C0 ones and DEL as messages quote them (`\x1b`): jq escapes
 * those inside the JSON it prints, so they come only from raw strings. The others (C1, bidi marks),
 * which jq leaves raw in JSON too, as `\u009b`: what a JSON string may say, so JSON stays JSON. So
 * are the invisible ones (a zero-width space, a byte-order mark, a soft hyphen: `\u200b`), as tables
 * show them, so that `b\u200bob` does not look like `bob`; a joiner where it is how the text is
 * written (Persian, an emoji family) stays. Into a pipe nothing is escaped: scripts get the bytes.
 * Unlike terminalSafeText, no colour is kept: the CLI puts none in jq's output.
 */
export function terminalSafeRaw(text: string): string {
  const kept = writtenJoiners(text)
  return text.replace(RAW_UNSAFE, (ch, at: number) => {
    if (ch === '\n' || ch === '\t' || kept?.has(at)) return ch
    const code = ch.codePointAt(0)!
    return code < 0x20 || code === 0x7f ? escapeControls(ch) : jsonEscape(ch)
  })
}

/** One character as a JSON string escapes it: `\u200b`. */
const jsonEscape = (ch: string): string => `\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`

/** What JSON.stringify writes as it is: every control but the C0 ones. */
const RAW_IN_JSON = new RegExp(`[${CONTROLS_BEYOND_C0}]`, 'gu')

/**
 * JSON text for a terminal: JSON.stringify escapes C0 controls but writes DEL, C1 controls and
 * bidirectional overrides as they are. Those become `\u…` escapes here: the same document to a
 * parser, nothing a terminal acts on. (They occur only inside strings, so the text stays JSON.)
 */
export function escapeRawInJson(json: string): string {
  return json.replace(RAW_IN_JSON, jsonEscape)
}

/** One line of JSON for a terminal (escapeRawInJson). */
export function terminalSafeJson(value: unknown): string {
  return escapeRawInJson(JSON.stringify(value))
}

/** What JSON.stringify writes as it is and a terminal acts on or shows as nothing. */
const RAW_OR_INVISIBLE_IN_JSON = new RegExp(`[${CONTROLS_BEYOND_C0}${INVISIBLE}]`, 'gu')

/**
 * JSON text for stdout (`--json`, `licctl api`, a streamed log or bulk report). On a terminal, the
 * invisible characters too become `\u…` escapes (a zero-width space, a byte-order mark, a soft
 * hyphen: `\u200b`), as tables, messages and `--jq` show them, so that `b\u200bob` does not read
 * as `bob`; a joiner where it is how the text is written (Persian, an emoji family) stays. The same
 * document to a parser. Into a pipe or a file, only what a terminal acts on (escapeRawInJson): a
 * stored name's invisible characters are written as they are.
 */
export function stdoutJson(json: string): string {
  if (!process.stdout.isTTY) return escapeRawInJson(json)
  const kept = writtenJoiners(json)
  return json.replace(RAW_OR_INVISIBLE_IN_JSON, (ch, at: number) => (kept?.has(at) ? ch : jsonEscape(ch)))
}
