import { Command, Errors, Flags, ux, type Interfaces } from '@oclif/core'
import { ApiError, ClientError, isRefusedAuthentication } from '../client/errors.js'
import type { LicctlClient } from '../client/index.js'
import type { Connection } from './connection.js'
import { inAnyCase } from '../domain/any-case.js'
import { redactTokens } from '../domain/redact.js'
import { byteOrder } from '../domain/text-order.js'
import {
  CliError,
  failureOf,
  quote,
  stdoutJson,
  terminalSafeJson,
  terminalSafeText,
  UsageError,
  withHint,
  wordList,
} from './errors.js'
import { flagOf } from './field-flag.js'
import { dropTables, stderrColor } from './output.js'
import { dropOutputWhenStdoutCloses } from './stdout.js'

export type InferredFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>
export type InferredArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * The base of every command: `--json`, parsing, and one error handler that turns every failure
 * into a one-line reason on stderr (JSON with --json) and the spec's exit code.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true
  /**
   * Request fields a command takes under another name (`cloud provision ADDON` sends `key`): a
   * refusal of the field then names the argument or flag (flagRefusal). A key may name the part
   * too (`'body.host'`), when one field name is two flags: the body's and the query's.
   */
  static requestFieldNames: Readonly<Record<string, string>> = {}
  /** Replaces oclif's own --json (same flag, told about field lists) and adds --jq. */
  static override baseFlags = {
    json: Flags.boolean({
      description: 'Format output as JSON. `--json a,b` keeps only these fields (of each item, for a list).',
      helpGroup: 'GLOBAL',
    }),
    jq: Flags.string({
      description:
        "Filter the JSON output with a jq expression (implies --json; strings print raw), e.g. --jq '.items[].email'",
      helpGroup: 'GLOBAL',
    }),
  }

  protected flags!: InferredFlags<T>
  protected args!: InferredArgs<T>
  /**
   * Every positional argument, as typed and in the order typed (commands taking many targets are
   * non-strict): from the parser's tokens, not its `argv`, which oclif sorts by each value's first
   * position, so a repeated value moved up beside its first (`a b a` came back as `a a b`) and a
   * duplicate was reported at the wrong argument.
   */
  protected positionals: string[] = []

  /** `--json a,b`: the fields asked for (undefined: every field). */
  private fields: string[] | undefined

  public override async init(): Promise<void> {
    dropOutputWhenStdoutCloses()
    await super.init()
    if (this.ctor.enableJsonFlag) this.argv = await this.takeFieldList(this.argv)
    const { args, flags, raw, metadata } = await this.parse({
      flags: anyCase(withoutFlagRules(this.ctor.flags), 'flag'),
      baseFlags: anyCase(withoutFlagRules(this.ctor.baseFlags), 'flag'),
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: anyCase(withoutStdin(this.ctor.args), 'arg'),
      strict: this.ctor.strict,
    })
    const refused = flagRulesRefusal(
      { ...this.ctor.baseFlags, ...this.ctor.flags } as Record<string, FlagRules>,
      flags as Record<string, unknown>,
      (name) => metadata.flags?.[name]?.setFromDefault === true,
    )
    if (refused) throw refused
    this.flags = flags as InferredFlags<T>
    this.args = args as InferredArgs<T>
    this.positionals = raw.flatMap((t) => (t.type === 'arg' ? [t.input] : []))
    await this.checkOutputFlags()
    // say() drops human text then: its tables need not be drawn.
    dropTables(this.jsonEnabled() || this.delimitedFormat !== undefined)
    await this.validate()
  }

  /**
   * A command's own checks of its flags and arguments together (`--idle` goes with `--stale`), run
   * after parsing and before `run()`: before the profile is read or a request sent, so a usage
   * error exits 2 whatever the token or the server.
   */
  protected async validate(): Promise<void> {}

  /**
   * Output flags that cannot all be honoured are refused before the command does anything (a bulk
   * job must not be applied, then fail on its output): --jq or a bare --json with --output, a
   * field the command's document does not have, and a --jq filter that does not compile.
   */
  private async checkOutputFlags(): Promise<void> {
    const { jq, json } = this.flags as { jq?: string; json?: boolean }
    const format = this.delimitedFormat
    if (format && jq !== undefined)
      throw new UsageError(`--jq and --output ${format} cannot be used together`, {
        hint: `--jq filters the JSON document; --output ${format} prints its rows as ${format.toUpperCase()}`,
      })
    if (format && json && !this.fields)
      throw new UsageError(`--json and --output ${format} cannot be used together`, {
        hint: `to choose the columns, name them: --json a,b --output ${format}`,
      })
    if (!this.fields && jq === undefined) return
    const m = await import('./structured-output.js')
    if (jq !== undefined) await m.checkJq(jq)
    if (!this.fields) return
    const { fields } = await m.shapeOf(this.id, undefined)
    if (fields.length > 0) m.checkFields(this.fields, fields)
  }

  /**
   * What a command that writes its JSON itself (a bulk job's streamed report, the audit log's
   * NDJSON) must apply: the fields of `--json a,b` (already checked) and the `--jq` filter.
   */
  protected get structuredOutput(): { json: boolean; fields: string[] | undefined; jq: string | undefined } {
    return { json: this.jsonEnabled(), fields: this.fields, jq: (this.flags as { jq?: string }).jq }
  }

  /**
   * oclif flags take a value always or never, and `--json` alone must keep working everywhere. So
   * the field list is taken out of argv before parsing: `--json=a,b` always, `--json a,b` when the
   * next word is a list of names (a comma, or a field of this command's output: `seats list
   * --json cad-pro` still names a product).
   */
  private async takeFieldList(argv: string[]): Promise<string[]> {
    const out = [...argv]
    const end = () => (out.includes('--') ? out.indexOf('--') : out.length)
    for (let i = 0; i < end(); i++) {
      const word = out[i]!
      if (word.startsWith('--json=')) {
        this.fields = splitFields(word.slice('--json='.length))
        out[i] = '--json'
        continue
      }
      const next = out[i + 1]
      // A word with a comma is a field list even when malformed (`id,,x`, `id, name`): no argument
      // licctl takes has one, and "Unexpected argument: id,,x" would not say what is wrong.
      if (
        word !== '--json' ||
        i + 1 >= end() ||
        next === undefined ||
        (!FIELD_LIST.test(next) && !next.includes(','))
      )
        continue
      const takesArgs = Object.keys(this.ctor.args ?? {}).length > 0 || this.ctor.strict === false
      const fieldish =
        next.includes(',') ||
        !takesArgs ||
        (await import('./structured-output.js').then(async (m) =>
          (await m.shapeOf(this.id, undefined)).fields.includes(next),
        ))
      if (!fieldish) continue
      this.fields = splitFields(next)
      out.splice(i + 1, 1)
    }
    return out
  }

  /** --jq implies --json: errors then go to stderr as JSON too. */
  public override jsonEnabled(): boolean {
    return super.jsonEnabled() || this.argv.some((a) => a === '--jq' || a.startsWith('--jq='))
  }

  /** `--output csv|tsv` (list commands): no human text on stdout either. */
  protected get delimitedFormat(): 'csv' | 'tsv' | undefined {
    const output = (this.flags as { output?: string } | undefined)?.output
    return output === 'csv' || output === 'tsv' ? output : undefined
  }

  /**
   * Writes a human line to stdout, unless the output is for a program (--json, --jq, --output). Its
   * control characters are escaped but for the CLI's own colours (terminalSafeText): what it lists
   * was typed by others.
   */
  protected say(text: string): void {
    if (!this.jsonEnabled() && !this.delimitedFormat)
      process.stdout.write(terminalSafeText(text.endsWith('\n') ? text : text + '\n'))
  }

  /**
   * oclif's run loop, with the result printed here: as JSON (with --json, its fields selected),
   * through jq, or as CSV/TSV. Printed before `finally`, so a bad field list or jq filter is an
   * error like any other.
   */
  protected override async _run<R>(): Promise<R> {
    let err: Error | undefined
    let result: R | undefined
    try {
      await this.init()
      result = (await this.run()) as R
      if (result !== undefined && result !== null) await this.printResult(result)
    } catch (e) {
      err = e as Error
      await this.catch(err)
    } finally {
      await this.finally(err)
    }
    return result as R
  }

  private async printResult(result: unknown): Promise<void> {
    const jq = (this.flags as { jq?: string }).jq
    const format = this.delimitedFormat
    if (!this.jsonEnabled() && !format) return
    if (!this.fields && jq === undefined && !format) return this.logJson(result)
    const m = await import('./structured-output.js')
    const shape = await m.shapeOf(this.id, result)
    const fields = this.fields ? m.checkFields(this.fields, shape.fields) : undefined
    const doc = fields ? m.selectFields(result, fields, shape.list) : result
    if (format) {
      const rows = m.rowsOf(doc, shape.list)
      if (!rows) throw new UsageError(`--output ${format} is for list commands`)
      process.stdout.write(await m.renderDelimited(rows, fields ?? shape.fields, format))
    } else if (jq !== undefined) {
      const found = process.exitCode
      try {
        process.stdout.write(await m.runJq(JSON.stringify(doc), jq))
      } catch (e) {
        // The filter compiled before the command ran, and failed on this document. What the command
        // found (expiry check's 7) is still its exit code: the filter's error is said beside it, so
        // a CI job never reads a usage error where licenses are failing.
        if (typeof found !== 'number' || found === 0) throw e
        this.note(`${stderrColor().red('Error:')} ${(e as Error).message}`)
      }
    } else this.logJson(doc)
  }

  /**
   * `--json`: oclif's document (indented, coloured on a terminal), with the characters JSON leaves
   * raw (DEL, C1 controls, bidi overrides) escaped, so stored text cannot act on the terminal, and
   * on a terminal the invisible ones too (stdoutJson).
   */
  override logJson(json: unknown): void {
    ux.stdout(stdoutJson(ux.colorizeJson(json, { pretty: true, theme: this.config.theme?.json })))
  }

  /** Writes a note to stderr (warnings, hints): never mixes with the result on stdout. */
  protected note(text: string): void {
    process.stderr.write(terminalSafeText(text.endsWith('\n') ? text : text + '\n'))
  }

  protected override async catch(err: Error): Promise<void> {
    if (err instanceof Errors.ExitError) throw err
    const ctor = this.ctor as typeof this.ctor & { requestFieldNames?: Readonly<Record<string, string>> }
    // An organization from LICCTL_ORG (no --org given) is refused under that name, not as --org.
    const org = (this.flags as { org?: string } | undefined)?.org
    const fromEnv = org === undefined && process.env.LICCTL_ORG ? { org: 'LICCTL_ORG' } : {}
    const failure = failureOf(
      // The global flags too: `--org ACME` is refused as `params.org`.
      flagRefusal(
        err,
        { ...ctor.baseFlags, ...ctor.flags },
        ctor.args ?? {},
        ctor.requestFieldNames ?? {},
        fromEnv,
      ) ?? err,
    )
    process.exitCode = failure.exitCode
    if (this.jsonEnabled()) {
      const details = failure.details !== undefined ? { details: failure.details } : {}
      process.stderr.write(
        terminalSafeJson({ error: { code: failure.code, message: failure.message, ...details } }) + '\n',
      )
      return
    }
    failure.hint ??= await nonexistentFlagHint(err)
    const c = stderrColor()
    let text = `${c.red('Error:')} ${failure.message}\n`
    if (failure.hint) text += `${c.dim('Hint:')} ${failure.hint}\n`
    if (failure.exitCode === 2 && !failure.expected)
      text += `${c.dim('See:')} ${this.config.bin} ${this.id?.replaceAll(':', ' ') ?? ''} --help\n`
    if (!failure.expected && failure.exitCode === 1 && process.env.DEBUG)
      text += redactTokens(err.stack ?? '') + '\n'
    process.stderr.write(text)
  }
}

/**
 * `Nonexistent flag: --admin`: the flag meant, when one is clearly close (`did you mean
 * --admin-email?`), from the command's own flags that oclif's error carries. Its module (and its
 * edit distance) loads only here, on the way out.
 */
export async function nonexistentFlagHint(err: Error): Promise<string | undefined> {
  const { parse } = err as Error & {
    parse?: {
      input?: { flags?: Record<string, { aliases?: string[]; hidden?: boolean }> }
      output?: { nonExistentFlags?: unknown }
    }
  }
  const flags = parse?.input?.flags
  // The flags the parser found the command lacks (oclif refuses those first), not its message's text.
  const typed = parse?.output?.nonExistentFlags
  if (!Array.isArray(typed) || typed.length === 0 || !flags) return undefined
  const { closestFlags } = await import('./flag-suggestion.js')
  const meant = typed.flatMap((t: unknown) => {
    const close = typeof t === 'string' ? closestFlags(t, flags) : []
    if (close.length === 0) return []
    const options = close.length === 1 ? close[0]! : `${close.slice(0, -1).join(', ')} or ${close.at(-1)!}`
    return [typed.length === 1 ? `did you mean ${options}?` : `${quote(String(t))}: did you mean ${options}?`]
  })
  return meant.length > 0 ? meant.join('; ') : undefined
}

/**
 * The refusal of one request field (`query.failWithin: …`, by a rule only the server knows: the
 * organization's calendar, the kinds topics register) as a usage error naming the command's flag
 * for that field (`--fail-within: …`), as the CLI's own checks do; a path parameter
 * (`params.id: …`), or a body field the command takes as its argument (`body.slug`), names that
 * argument (`ID: …`, `SLUG: …`); a nested field names the flag of its path (`body.admin.email`:
 * `--admin-email`).
 */
function flagRefusal(
  err: Error,
  flags: Record<string, unknown>,
  args: Record<string, unknown>,
  fieldNames: Readonly<Record<string, string>>,
  /** Flags whose value came from an environment variable instead, by the variable's name. */
  fromEnv: Readonly<Record<string, string>> = {},
): UsageError | undefined {
  if (!(err instanceof ClientError) || err.code !== 'validation_failed') return undefined
  const issues = (
    err.details as { issues?: Array<{ path?: unknown; message?: unknown; input?: unknown }> } | undefined
  )?.issues
  // One field, refused by one rule or several (`Too small`, then its pattern): the first says it.
  const issue =
    Array.isArray(issues) && issues.length > 0 && issues.every((i) => i.path === issues[0]!.path)
      ? issues[0]
      : undefined
  const [, part, field] =
    (typeof issue?.path === 'string'
      ? /^(body|query|params)\.([A-Za-z]+(?:\.[A-Za-z]+)*)$/.exec(issue.path)
      : null) ?? []
  if (field === undefined || typeof issue?.message !== 'string') return undefined
  // `body.host` may be one flag and `query.host` another (`orphans --clear` and `--host`).
  const path = fieldNames[`${part}.${field}`] ?? fieldNames[field] ?? field
  // The value refused by its format, quoted as every flag's own check quotes it (the client names it).
  const reason =
    typeof issue.input === 'string' ? `${issue.message}, got ${quote(issue.input)}` : issue.message
  // A field the command takes as its argument (`orgs create SLUG` sends `body.slug`).
  if (Object.hasOwn(args, path)) return new UsageError(`${path.toUpperCase()}: ${reason}`, { code: err.code })
  // A nested field is the flag of its path (`body.admin.email` is `--admin-email`).
  const flag = flagOf(path)
  // The code stays the server's (validation_failed): scripts reading --json see what they always did.
  if (Object.hasOwn(fromEnv, flag)) return new UsageError(`${fromEnv[flag]}: ${reason}`, { code: err.code })
  return Object.hasOwn(flags, flag) ? new UsageError(`--${flag}: ${reason}`, { code: err.code }) : undefined
}

/** The organization a command with no connection and none named checks its input for (never sent). */
const UNCONNECTED_ORG = 'no-organization'

const FIELD_LIST = /^[A-Za-z_][\w]*(,[A-Za-z_][\w]*)*$/

function splitFields(text: string): string[] {
  const fields = text.split(',').map((f) => f.trim())
  if (fields.some((f) => f === ''))
    throw new UsageError(`--json: expected field names separated by commas, got '${text}'`)
  return fields
}

/**
 * oclif fills a missing argument from piped stdin. licctl never wants that: stdin carries tokens
 * (`orgs login --with-token`) and files (`--file -`), and a target read from it by surprise is wrong.
 */
function withoutStdin(args: Interfaces.ArgInput | undefined): Interfaces.ArgInput {
  return Object.fromEntries(
    Object.entries(args ?? {}).map(([name, arg]) => [name, { ...arg, ignoreStdin: true }]),
  )
}

/** What a flag's definition says of other flags and of itself being given: checked by flagRulesRefusal. */
interface FlagRules {
  required?: boolean
  exclusive?: readonly string[]
}

/**
 * Flag definitions without `required` and `exclusive`, for oclif's parser: the base command
 * refuses those itself after parsing (flagRulesRefusal), in licctl's words. oclif's refusal carries
 * nothing but its English text ("--all=true cannot also be provided when using --limit"), which
 * the CLI would have to read back, and which any oclif release may reword. The definitions
 * themselves are unchanged: help, completion and the manifest see them as declared.
 */
function withoutFlagRules<D>(defs: D): D {
  if (defs === undefined) return defs
  return Object.fromEntries(
    Object.entries(defs as Record<string, FlagRules>).map(([name, def]) => {
      if (!def.required && !def.exclusive) return [name, def]
      const { required: _required, exclusive: _exclusive, ...rest } = def
      return [name, rest]
    }),
  ) as D
}

/**
 * Flags given together that a definition's `exclusive` refuses, and required flags not given, as
 * one usage error (exit 2, pointing at --help): `--all and --limit cannot be used together`, `only
 * one of --addon, --device and --pool may be given`, `missing required flag --quantity`, joined by
 * `; ` when both. A flag set from its default is not given. The flags refused together are named
 * pair by pair (the flag refused, then the flag whose definition refuses it), the pairs in byte
 * order, as oclif's sorted messages named them. Undefined when every rule holds.
 */
export function flagRulesRefusal(
  defs: Readonly<Record<string, FlagRules>>,
  flags: Readonly<Record<string, unknown>>,
  fromDefault: (name: string) => boolean,
): UsageError | undefined {
  const given = (name: string) => flags[name] !== undefined && !fromDefault(name)
  const pairs = Object.entries(defs)
    .filter(([name]) => given(name))
    .flatMap(([name, def]) =>
      (def.exclusive ?? []).filter((other) => other !== name && given(other)).map((other) => [other, name]),
    )
    .sort(([a, b], [c, d]) => byteOrder(a!, c!) || byteOrder(b!, d!))
  const together = [...new Set(pairs.flat())].map((f) => `--${f}`)
  const missing = Object.entries(defs)
    .filter(([name, def]) => def.required && flags[name] === undefined)
    .map(([name]) => `missing required flag --${name}`)
    .sort(byteOrder)
  const said = [
    ...(together.length === 0
      ? []
      : [
          together.length === 2
            ? `${together[0]!} and ${together[1]!} cannot be used together`
            : `only one of ${wordList(together)} may be given`,
        ]),
    ...missing,
  ]
  return said.length > 0 ? new UsageError(said.join('; '), { pointToHelp: true }) : undefined
}

/** What anyCase needs of a flag or an argument: its values, and how its input is parsed. */
interface WithOptions {
  options?: readonly string[]
  parse?: (input: string, ...rest: unknown[]) => Promise<unknown>
}

/**
 * Flags and arguments with `options` take them in any case, as `api -X get` does: `--type cc` is
 * `--type CC`, `--role Admin` is `admin`; and a value outside them is refused here, as the CLI's own
 * flag checks refuse (`--type: expected one of NL, CC, got 'xx'`, `ROLE: …`), never in oclif's
 * words. oclif checks a value with `options.includes` before its `parse`, so each such definition
 * is copied with an `includes` that lets every value through to a `parse` that finds the option as
 * declared, or refuses the value. The definitions themselves are unchanged: help, completion and
 * the error for a flag given no value (it lists the options) see them as declared.
 */
function anyCase<D>(defs: D, kind: 'flag' | 'arg'): D {
  if (defs === undefined) return defs
  return Object.fromEntries(
    Object.entries(defs as Record<string, WithOptions>).map(([name, def]) => {
      const { options, parse } = def
      if (!options) return [name, def]
      const declared = (input: string) => {
        const option = inAnyCase(options, input)
        if (option !== undefined) return option
        const named = kind === 'flag' ? `--${name}` : name.toUpperCase()
        throw new UsageError(`${named}: expected one of ${options.join(', ')}, got ${quote(input)}`)
      }
      return [
        name,
        {
          ...def,
          options: Object.assign([...options], { includes: () => true }),
          parse: async (input: string, ...rest: unknown[]) =>
            parse ? parse(declared(input), ...rest) : declared(input),
        },
      ]
    }),
  ) as D
}

/** A command that talks to the license server: adds --org and builds the client from the profile. */
export abstract class ApiCommand<T extends typeof Command> extends BaseCommand<T> {
  static override baseFlags = {
    ...BaseCommand.baseFlags,
    org: Flags.string({
      description:
        'Organization to act on: its profile, or this org with the current profile’s server and token (env LICCTL_ORG).',
      helpGroup: 'GLOBAL',
    }),
    profile: Flags.string({
      description:
        'Profile whose server and token to use, whatever --org names (env LICCTL_PROFILE): `--profile operator --org acme` for operator work on acme.',
      helpGroup: 'GLOBAL',
    }),
  }

  private _client: LicctlClient | undefined
  private _org: string | undefined
  /** The server, and where the token came from (the profile, or LICCTL_TOKEN): a refusal's hint names it (refusedTokenHint). */
  private _connection: Pick<Connection, 'url' | 'profile'> | undefined
  /** Why there is no connection (not logged in, no such profile, …), when there is none. */
  private _unconnected: Error | undefined

  /**
   * Flag > LICCTL_URL/LICCTL_ORG/LICCTL_TOKEN > the --org profile > the current profile; each
   * request waits at most LICCTL_TIMEOUT (request-timeout.ts).
   *
   * With no connection (not logged in, a profile not found, a malformed LICCTL_URL), the command
   * still runs up to its first request: each client call checks its input against the contract
   * before sending (client/resource.ts), so a bad flag or argument is the error said first (exit 2,
   * naming it), as gh does, whatever the command. The first request, `serverUrl`, and a prompt
   * (nothing is asked of a user who cannot go on) then fail with why there is no connection.
   */
  protected async client(): Promise<LicctlClient> {
    if (this._client) return this._client
    const [{ resolveConnection }, { requestTimeoutMs }] = await Promise.all([
      import('./connection.js'),
      import('./request-timeout.js'),
    ])
    const { org, profile } = this.flags as { org?: string; profile?: string }
    // Given but empty (`--org "$ORG"` with ORG unset) is not left out: the current profile's
    // organization would be acted on instead of the one meant.
    for (const [flag, value] of [
      ['org', org],
      ['profile', profile],
    ] as const)
      if (value === '')
        throw new UsageError(`--${flag}: must not be empty`, {
          hint: `name ${flag === 'org' ? 'an organization' : 'a profile'}, or leave --${flag} out to use the current profile`,
        })
    let conn: ReturnType<typeof resolveConnection> | undefined
    let timeoutMs: number | undefined
    try {
      // A malformed LICCTL_TIMEOUT is a usage error (exit 2), said before a missing login (exit 4).
      timeoutMs = requestTimeoutMs()
      conn = resolveConnection(org, profile)
    } catch (err) {
      this._unconnected = err as Error
    }
    const { LicctlClient } = await import('../client/index.js')
    if (!conn) {
      const { refusePrompts } = await import('./prompts.js')
      refusePrompts(this._unconnected!)
      this._org = org || process.env.LICCTL_ORG || undefined
      return (this._client = LicctlClient.unconnected(this._unconnected!))
    }
    this._org = conn.org
    this._connection = conn
    this._client = LicctlClient.create({
      baseUrl: conn.url,
      token: conn.token,
      userAgent: `licctl/${this.config.version}`,
      timeoutMs,
    })
    return this._client
  }

  /** Whether `client()` found a connection (false: its first request fails saying why). */
  protected get connected(): boolean {
    return this._unconnected === undefined
  }

  /** The server this command talks to (after `client()`); with no connection, why there is none. */
  protected get serverUrl(): string | undefined {
    if (this._unconnected) throw this._unconnected
    return this._connection?.url
  }

  /** The organization this call acts on; usage error when none is known. */
  protected async org(): Promise<string> {
    const client = await this.client()
    if (this._org) return this._org
    // No connection, and no organization named: one the contract accepts, so that the command's
    // input is checked; its first request fails with why there is no connection (see client()).
    if (this._unconnected) return UNCONNECTED_ORG
    // LICCTL_URL and LICCTL_TOKEN alone (a CI job): a member's token acts for one organization only,
    // its own, so the server says which instead of the job having to repeat it in LICCTL_ORG. Never
    // a profile's organization (none was read). The operator's token acts for every organization:
    // it must name one.
    if (this._connection && this._connection.profile === undefined && !isOperatorToken()) {
      const me = await client.meta.whoami({})
      if (me.kind === 'user' && me.org) return (this._org = me.org)
    }
    throw (await import('./connection.js')).noOrganization()
  }

  public override async finally(err: Error | undefined): Promise<void> {
    await this._client?.close()
    return super.finally(err)
  }

  protected override async catch(err: Error): Promise<void> {
    // A token the server refuses: say whose it is and how to replace it (a revoked token in a
    // profile otherwise reads as a bare 'invalid or revoked token'). Not a token the request carried
    // in a field (a transfer's destination token: its refusal names the field).
    if (
      this._connection &&
      err instanceof ApiError &&
      err.code === 'unauthenticated' &&
      (err.details as { field?: unknown } | undefined)?.field === undefined
    ) {
      const { refusedTokenHint } = await import('./connection.js')
      return super.catch(withHint(err, err.code, refusedTokenHint(this._connection)) as Error)
    }
    // The token failed too often to be checked again for now: refused all the same (exit 4), and
    // what to do is the same as for a refused token.
    if (this._connection && isRefusedAuthentication(err)) {
      const e = err as ApiError
      const { refusedTokenHint } = await import('./connection.js')
      return super.catch(
        new CliError(e.message, {
          code: e.code,
          exitCode: 4,
          details: e.details,
          hint: refusedTokenHint(this._connection),
          cause: e,
        }),
      )
    }
    return super.catch(await this.withOperatorHint(err))
  }

  /**
   * Operator work refused to another token, on a machine that has the operator's profile: the
   * server's answer says to send the operator's token; the hint says how, without pasting it.
   */
  private async withOperatorHint(err: Error): Promise<Error> {
    if (!(err instanceof ApiError) || (err.details as { requires?: unknown })?.requires !== 'operator')
      return err
    // Not when the variables replace every profile (--profile is refused then), nor for another
    // server. The token sent was not the operator's: the server refused it operator work.
    if (process.env.LICCTL_URL && process.env.LICCTL_TOKEN) return err
    const [{ Profiles }, { sameServer }] = await Promise.all([
      import('./profiles.js'),
      import('./connection.js'),
    ])
    const operator = new Profiles().get('operator')
    if (!operator || !this._connection || !sameServer(operator.url, this._connection.url)) return err
    return withHint(err, err.code, 'this machine has the operator’s profile: add --profile operator') as Error
  }
}

/** Whether LICCTL_TOKEN is the operator's, by its prefix (`lic_op_`): it names no organization. */
function isOperatorToken(): boolean {
  return (process.env.LICCTL_TOKEN ?? '').trim().startsWith('lic_op_')
}

/**
 * `--output csv|tsv`, the one definition every list command has: its rows (`items`, or the list its
 * --json schema names) print as CSV or TSV with the same field list as --json.
 */
export const listOutputFlags = {
  output: Flags.option({
    options: ['csv', 'tsv'] as const,
    description:
      'Print the list as CSV or TSV with a header row (every field, or those of --json a,b); it reads back as a bulk --file. Not with --jq.',
    helpGroup: 'GLOBAL',
  })(),
}

/** A command that lists from the server: ApiCommand with `--output csv|tsv`. */
export abstract class ListCommand<T extends typeof Command> extends ApiCommand<T> {
  static override baseFlags = { ...ApiCommand.baseFlags, ...listOutputFlags }
}
