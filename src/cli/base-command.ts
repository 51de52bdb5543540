import { Command, Errors, Flags, type Interfaces } from '@oclif/core'
import type { LicctlClient } from '../client/index.js'
import { redactTokens } from '../domain/tokens.js'
import { failureOf, UsageError } from './errors.js'
import { dropOutputWhenStdoutCloses, stderrColor } from './output.js'

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
  static override baseFlags = {}

  protected flags!: InferredFlags<T>
  protected args!: InferredArgs<T>
  /** Every positional argument, in order (commands taking many targets are non-strict). */
  protected positionals: string[] = []

  public override async init(): Promise<void> {
    dropOutputWhenStdoutCloses()
    await super.init()
    const { args, flags, argv } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: withoutStdin(this.ctor.args),
      strict: this.ctor.strict,
    })
    this.flags = flags as InferredFlags<T>
    this.args = args as InferredArgs<T>
    this.positionals = argv.map(String)
  }

  /** Writes a human line to stdout, unless --json (then stdout holds only the JSON document). */
  protected say(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text.endsWith('\n') ? text : text + '\n')
  }

  /** Writes a note to stderr (warnings, hints): never mixes with the result on stdout. */
  protected note(text: string): void {
    process.stderr.write(text.endsWith('\n') ? text : text + '\n')
  }

  protected override async catch(err: Error): Promise<void> {
    if (err instanceof Errors.ExitError) throw err
    const failure = failureOf(err)
    process.exitCode = failure.exitCode
    if (this.jsonEnabled()) {
      const details = failure.details !== undefined ? { details: failure.details } : {}
      process.stderr.write(
        JSON.stringify({ error: { code: failure.code, message: failure.message, ...details } }) + '\n',
      )
      return
    }
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
 * oclif fills a missing argument from piped stdin. licctl never wants that: stdin carries tokens
 * (`orgs login --with-token`) and files (`--file -`), and a target read from it by surprise is wrong.
 */
function withoutStdin(args: Interfaces.ArgInput | undefined): Interfaces.ArgInput {
  return Object.fromEntries(
    Object.entries(args ?? {}).map(([name, arg]) => [name, { ...arg, ignoreStdin: true }]),
  )
}

/** A command that talks to the license server: adds --org and builds the client from the profile. */
export abstract class ApiCommand<T extends typeof Command> extends BaseCommand<T> {
  static override baseFlags = {
    org: Flags.string({
      description:
        'Organization to act on: its profile, or this org with the current profile’s server and token (env LICCTL_ORG).',
      helpGroup: 'GLOBAL',
    }),
  }

  private _client: LicctlClient | undefined
  private _org: string | undefined

  /** Flag > LICCTL_URL/LICCTL_ORG/LICCTL_TOKEN > the --org profile > the current profile. */
  protected async client(): Promise<LicctlClient> {
    if (this._client) return this._client
    // The connection first: when there is none, the client (undici, zod) is never loaded.
    const { resolveConnection } = await import('./connection.js')
    const conn = resolveConnection((this.flags as { org?: string }).org)
    const { LicctlClient } = await import('../client/index.js')
    this._org = conn.org
    this._client = LicctlClient.create({
      baseUrl: conn.url,
      token: conn.token,
      userAgent: `licctl/${this.config.version}`,
    })
    return this._client
  }

  /** The organization this call acts on; usage error when none is known. */
  protected async org(): Promise<string> {
    await this.client()
    if (!this._org)
      throw new UsageError('no organization selected', {
        hint: 'pass --org <slug>, set LICCTL_ORG, or `licctl orgs use <slug>`',
      })
    return this._org
  }

  public override async finally(err: Error | undefined): Promise<void> {
    await this._client?.close()
    return super.finally(err)
  }
}
