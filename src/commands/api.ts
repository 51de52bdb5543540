import { isUtf8 } from 'node:buffer'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../cli/base-command.js'
import { quote, stdoutJson, UsageError } from '../cli/errors.js'
import { ApiError, ClientError } from '../client/errors.js'
import type { Page } from '../client/pages.js'
import type { Transport } from '../client/transport.js'
import { IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_RULE } from '../domain/idempotency-key.js'
import { isObject } from '../domain/json-object.js'

const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const
type Method = (typeof METHODS)[number]

export default class Api extends ApiCommand<typeof Api> {
  static override summary = 'Make an authenticated request to the licctl API and print the response'
  static override description = `Like \`gh api\`, with the current profile's server and token (or LICCTL_URL/LICCTL_TOKEN). The path is relative to /v1 (a leading /v1 is kept).
-f key=value adds a string field, -F key=value a typed one (numbers, true, false, null; @file reads the value from a file, @- from stdin); key[]=value appends to an array and a[b]=value nests. Fields make a JSON body (the method becomes POST), or the query string with -X GET/DELETE. --input sends a JSON file (- for stdin).
The response body is printed as indented JSON on stdout (--jq filters it); errors go to stderr with the usual exit codes.
--paginate (GET only) follows a list's nextCursor through every page and prints one document, {"items": [...every page's items]}, which --jq then filters as a whole; with it, fields go in the query. Nothing is printed unless every page arrived.`
  static override enableJsonFlag = false
  // It prints the response body, not a document of its own: no --json field lists, and --jq filters
  // the body as it is.
  static override baseFlags = {
    org: ApiCommand.baseFlags.org,
    profile: ApiCommand.baseFlags.profile,
    jq: Flags.string({
      description: "Filter the response with a jq expression (strings print raw), e.g. --jq '.items[].email'",
      helpGroup: 'GLOBAL',
    }),
  } as typeof ApiCommand.baseFlags
  static override examples = [
    '<%= config.bin %> api /orgs/acme/users',
    '<%= config.bin %> api -X GET /orgs/acme/audit -f action=user -F limit=5',
    "<%= config.bin %> api /orgs/acme/audit --paginate -F limit=500 --jq '.items | length'",
    '<%= config.bin %> api -X PATCH /orgs/acme -f contactPhone="+49 30 1234567"',
    '<%= config.bin %> api /orgs/acme/users/bulk-add --input users.json',
  ]
  static override args = { path: Args.string({ description: 'API path, e.g. /orgs/acme', required: true }) }
  static override flags = {
    // In any case, as gh and curl take it (`-X get`), sent as declared (the base command's options).
    method: Flags.option({
      options: METHODS,
      char: 'X',
      helpValue: '<method>',
      description:
        'HTTP method: GET, POST, PATCH, PUT or DELETE, in any case (default GET, or POST with a body)',
    })(),
    field: Flags.string({ char: 'f', description: 'string field key=value (repeatable)', multiple: true }),
    'typed-field': Flags.string({
      char: 'F',
      description: 'typed field key=value: numbers, true, false, null, or @file for its text (repeatable)',
      multiple: true,
    }),
    input: Flags.string({ description: 'JSON file for the request body (- for stdin)' }),
    header: Flags.string({ char: 'H', description: 'extra header key:value (repeatable)', multiple: true }),
    'idempotency-key': Flags.string({ description: 'send this Idempotency-Key (makes a retry safe)' }),
    paginate: Flags.boolean({
      description: 'GET every page of a list (following nextCursor) and print them as one {"items": [...]}',
      default: false,
    }),
  }

  /** --paginate reads a list: any other method is refused before the profile is read. */
  protected override async validate(): Promise<void> {
    const { method, paginate } = this.flags
    if (paginate && method !== undefined && method !== 'GET')
      throw new UsageError(`--paginate follows the pages of a list, with GET only, not -X ${method}`, {
        hint: 'drop --paginate to send a single request',
      })
  }

  async run(): Promise<void> {
    const { path: raw } = this.args
    if (raw.includes('://'))
      throw new UsageError('the path must be relative to the server, e.g. /orgs/acme', {
        hint: 'the token is only ever sent to the profile’s server',
      })
    const path = /^\/?v1(\/|$)/.test(raw) ? '/' + raw.replace(/^\//, '') : `/v1/${raw.replace(/^\//, '')}`
    const fields = buildFields(this.flags.field ?? [], this.flags['typed-field'] ?? [])
    if (this.flags.input !== undefined && fields !== undefined)
      throw new UsageError('use --input or fields (-f/-F), not both')
    const { paginate } = this.flags
    const body = this.flags.input !== undefined ? await readJson(this.flags.input) : fields
    // --paginate reads (validate() refused any other -X): its fields are the list's query.
    const method: Method = this.flags.method ?? (body === undefined || paginate ? 'GET' : 'POST')
    const inQuery = method === 'GET' || method === 'DELETE'
    if (inQuery && this.flags.input !== undefined)
      throw new UsageError(`--input sends a body, which ${method} does not take`)
    const query = inQuery && fields ? queryOf(fields) : undefined
    const headers = parseHeaders(this.flags.header ?? [])
    // An empty key (`--idempotency-key "$KEY"` with KEY unset) would send none: a retry unsafe.
    const key = this.flags['idempotency-key']
    if (key === '') throw new UsageError('--idempotency-key: must not be empty')
    // The server's rule, said with the flag before any request (it would answer 'Idempotency-Key must …').
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key))
      throw new UsageError(`--idempotency-key: must be ${IDEMPOTENCY_KEY_RULE}, got ${quote(key)}`)
    const client = await this.client()
    const res = paginate
      ? await everyPage(client.transport, path, query ?? {}, headers)
      : await client.transport
          .request(method, path, {
            ...(query ? { query } : body !== undefined ? { body } : {}),
            headers,
            ...(this.flags['idempotency-key'] ? { idempotencyKey: this.flags['idempotency-key'] } : {}),
          })
          .catch((err: unknown) => {
            throw body === undefined ? bodyRequired(err, method, path) : err
          })
    if (res === null || res === undefined) return
    const { jq } = this.flags
    if (jq === undefined) process.stdout.write(stdoutJson(JSON.stringify(res, null, 2)) + '\n')
    else
      process.stdout.write(await (await import('../cli/structured-output.js')).runJq(JSON.stringify(res), jq))
  }
}

/**
 * The server's refusal of a request sent without the body its endpoint needs (an issue at `body`
 * itself), said with the flags that give one; any other error as it is.
 */
function bodyRequired(err: unknown, method: Method, path: string): unknown {
  const issues = err instanceof ApiError && err.code === 'validation_failed' ? err.details : undefined
  const atBody =
    isObject(issues) &&
    Array.isArray(issues.issues) &&
    issues.issues.some((i) => isObject(i) && i.path === 'body')
  if (!atBody) return err
  return new UsageError(
    `${method} ${path} needs a JSON body: give fields with -f/-F key=value, or a JSON file with --input (- for stdin)`,
    { code: 'validation_failed', details: (err as ApiError).details },
  )
}

/**
 * --paginate: every page of the list at `path`, from the query's cursor (if any) on, as one
 * document of all their items. Collected before anything is printed: a page that fails leaves no
 * half document on stdout. An answer that is not a list page is a usage error naming the flag.
 */
async function everyPage(
  transport: Transport,
  path: string,
  query: Record<string, string>,
  headers: Record<string, string>,
): Promise<{ items: unknown[] }> {
  const { cursorPages } = await import('../client/pages.js')
  const fetchPage = async (cursor: string | undefined): Promise<Page<unknown>> =>
    listPage(path, await transport.request('GET', path, { query: { ...query, cursor }, headers }))
  const items: unknown[] = []
  for await (const page of cursorPages(fetchPage, query.cursor)) items.push(...page.items)
  return { items }
}

/** An answer as a list page (`items`, and `nextCursor` or none), else a usage error of --paginate. */
function listPage(path: string, answer: unknown): Page<unknown> {
  if (!isObject(answer) || !Array.isArray(answer.items))
    throw new UsageError(`--paginate: GET ${path} does not answer a list page (no "items" array)`, {
      hint: 'drop --paginate to print the answer as it is',
    })
  const next = answer.nextCursor
  if (next !== undefined && next !== null && typeof next !== 'string')
    throw new ClientError(`--paginate: GET ${path} answered a nextCursor that is not a string`, {
      code: 'bad_response',
    })
  return { items: answer.items as unknown[], nextCursor: next ?? null }
}

/**
 * -f/-F fields as a JSON object (`a[b]=1` nests, `a[]=1` appends), or undefined when none. A -F
 * value `@file` is the file's text (`@-` standard input), as gh's -F reads it; `read` reads it.
 */
export function buildFields(
  strings: string[],
  typed: string[],
  read: (source: string) => Buffer = readSource,
): Record<string, unknown> | undefined {
  if (strings.length + typed.length === 0) return undefined
  // Stdin is read once: a second `@-` read it empty and sent "" without a word (gh refuses it too).
  const fromStdin = typed.filter((f) => FIELD.exec(f)?.[3] === '@-')
  if (fromStdin.length > 1)
    throw new UsageError(
      `stdin can be read only once, but ${fromStdin.map((f) => `-F ${quote(f)}`).join(' and ')} ${fromStdin.length === 2 ? 'both' : 'all'} read it`,
      { hint: 'read one field from stdin (@-) and the others from files (-F key=@file)' },
    )
  const out: Record<string, unknown> = {}
  const all = [...strings.map((f) => [f, false] as const), ...typed.map((f) => [f, true] as const)]
  for (const [field, isTyped] of all) {
    const m = FIELD.exec(field)
    if (!m) throw new UsageError(`field '${field}': expected key=value`)
    const keys = [m[1]!, ...[...m[2]!.matchAll(/\[([^\]]*)\]/g)].map((k) => k[1]!)]
    const value = isTyped ? typedValue(m[1]! + m[2]!, m[3]!, read) : m[3]!
    const append = keys.length > 1 && keys.at(-1) === ''
    const names = append ? keys.slice(0, -1) : keys
    if (names.includes('')) throw new UsageError(`field '${field}': [] may only come last`)
    let node = out
    for (const name of names.slice(0, -1))
      node = (isObject(node[name]) ? node[name] : (node[name] = {})) as Record<string, unknown>
    const last = names.at(-1)!
    if (!append) node[last] = value
    else if (Array.isArray(node[last])) (node[last] as unknown[]).push(value)
    else node[last] = [value]
  }
  return out
}

/** A field: its key, its `[b]`/`[]` suffixes, and its value. */
const FIELD = /^([^=[\]]+)((?:\[[^=[\]]*\])*)=(.*)$/s

function typedValue(key: string, raw: string, read: (source: string) => Buffer): unknown {
  // `-F body=@notes.txt` sent the text '@notes.txt' itself, where gh sends the file's content.
  if (raw.length > 1 && raw.startsWith('@')) return fileValue(key, raw.slice(1), read)
  if (raw === 'true') return true
  if (raw === 'false') return false
  if (raw === 'null') return null
  // A whole number past 2^53 would be sent rounded (99999999999999999999 as 100000000000000000000,
  // or as "1e+20" in a query): refused, naming the field, rather than changed silently.
  if (/^-?\d+$/.test(raw) && !Number.isSafeInteger(Number(raw)))
    throw new UsageError(
      `field ${quote(key)}: ${quote(raw)} is too large for a JSON number (at most ${Number.MAX_SAFE_INTEGER}); -f sends it as text`,
    )
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw)
  return raw
}

/** A -F `@file` value: the file's text, as it is (a UTF-8 byte order mark dropped). */
function fileValue(key: string, source: string, read: (source: string) => Buffer): string {
  const name = source === '-' ? 'stdin' : source
  let bytes: Buffer
  try {
    bytes = read(source)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const reason = FILE_REASONS[e.code ?? ''] ?? e.message
    throw new UsageError(`field ${quote(key)}: cannot read ${name}: ${reason}`, {
      hint: 'a -F value that begins with @ names a file to read (@- for stdin); send the text itself with -f',
    })
  }
  if (!isUtf8(bytes)) throw new UsageError(`field ${quote(key)}: ${name} is not UTF-8 text`)
  return bytes.toString('utf8').replace(/^\uFEFF/, '')
}

const FILE_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory, not a file',
  EACCES: 'permission denied',
}

const readSource = (source: string): Buffer => readFileSync(source === '-' ? 0 : source)

function queryOf(fields: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields).map(([k, v]) => {
      if (isObject(v) || Array.isArray(v)) throw new UsageError(`field '${k}': a query value must be flat`)
      return [k, String(v)]
    }),
  )
}

/** A header name as HTTP allows it (RFC 9110's token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** What a header value may not hold: a line break would end it (undici refuses it, unnamed). */
// eslint-disable-next-line no-control-regex
const HEADER_VALUE_CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f]/

/**
 * -H lines as headers. A name HTTP does not allow, or a value holding a line break or another
 * control character (`-H "X-Trace: $(cat id.txt)"` from a file with CRLF endings), is refused here,
 * naming the header, with exit 2: sent on, undici refuses it as if the server could not be reached.
 */
function parseHeaders(lines: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of lines) {
    const i = line.indexOf(':')
    if (i < 1) throw new UsageError(`header ${quote(line)}: expected key:value`)
    const name = line.slice(0, i).trim()
    if (!HEADER_NAME.test(name))
      throw new UsageError(`header ${quote(name)}: not a header name (letters, digits and - only)`)
    if (name.toLowerCase() === 'authorization')
      throw new UsageError('the token comes from the profile, not --header')
    const value = line.slice(i + 1).trim()
    if (HEADER_VALUE_CONTROLS.test(value))
      throw new UsageError(
        `header ${quote(name)}: the value must not contain line breaks or control characters, got ${quote(value)}`,
      )
    out[name.toLowerCase()] = value
  }
  return out
}

/**
 * --input's JSON document: a file, or stdin for `-`. A UTF-8 byte order mark (what Windows editors
 * put first) is skipped, as `--file` of the bulk commands skips it.
 */
async function readJson(input: string): Promise<unknown> {
  const name = input === '-' ? 'stdin' : input
  let text: string
  if (input === '-') {
    const chunks: Buffer[] = []
    for await (const c of process.stdin) chunks.push(c as Buffer)
    text = Buffer.concat(chunks).toString('utf8')
  } else {
    try {
      text = await readFile(input, 'utf8')
    } catch (err) {
      const { cannotRead } = await import('../cli/bulk/source.js')
      throw new UsageError(`--input: ${cannotRead(input, err as NodeJS.ErrnoException).message}`)
    }
  }
  text = text.replace(/^\uFEFF/, '')
  if (text.trim() === '') throw new UsageError(`--input: ${name} is empty: expected a JSON document`)
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new UsageError(`--input: ${name} is not valid JSON`)
  }
}
