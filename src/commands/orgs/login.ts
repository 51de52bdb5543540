import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { CliError, UsageError } from '../../cli/errors.js'
import { canPrompt, promptText } from '../../cli/prompts.js'
import { serverUrlProblem } from '../../cli/server-url.js'
import { isTokenText, TOKEN_TEXT_HINT } from '../../cli/token-text.js'

export default class OrgsLogin extends BaseCommand<typeof OrgsLogin> {
  static override summary = 'Save a profile (server URL, organization, token) and make it current'
  static override description =
    'On a terminal, asks for what is missing. In scripts pass --url and --org and pipe the token on stdin with --with-token: tokens never go in arguments, where other users and shell history could see them. The token is checked against the server before it is saved (mode 0600). Without --org the profile is the operator’s.'
  static override examples = [
    '<%= config.bin %> orgs login',
    'echo "$LICCTL_TOKEN" | <%= config.bin %> orgs login --url https://licenses.example.com --org acme --with-token',
  ]
  static override flags = {
    url: Flags.string({ description: 'license server URL' }),
    org: Flags.string({ description: 'organization slug (omit for the operator)' }),
    'with-token': Flags.boolean({ description: 'read the token from stdin', default: false }),
  }

  async run() {
    // A malformed LICCTL_TIMEOUT is refused before anything is asked.
    const timeoutMs = (await import('../../cli/request-timeout.js')).requestTimeoutMs()
    const interactive = canPrompt() && !this.flags['with-token']
    const url =
      this.flags.url ??
      (interactive
        ? await promptText('Server URL', { default: await knownServer(), validate: promptUrlProblem })
        : undefined)
    if (!url)
      throw new UsageError('missing --url (not on a terminal, so no prompt)', {
        hint: 'licctl orgs login --url <server> --org <slug> --with-token < token.txt',
      })
    // Named as given, before the token is read: the client would only say "invalid server URL".
    const problem = this.flags.url === undefined ? undefined : serverUrlProblem(this.flags.url)
    if (problem)
      throw new UsageError(`--url: ${problem}`, { hint: 'e.g. --url https://licenses.example.com' })
    let token: string | undefined
    if (this.flags['with-token']) token = (await readAll(process.stdin)).trim()
    else if (interactive) token = await promptText('Token', { secret: true })
    if (!token)
      throw new UsageError(
        this.flags['with-token'] ? 'no token on stdin' : 'no token given (not on a terminal, so no prompt)',
        { hint: 'pipe the token on stdin with --with-token; tokens never go in arguments' },
      )
    // `Bearer lic_…` or a token pasted with a space failed as the server's 'malformed Authorization
    // header: expected Bearer <token>' (exit 4), about a header the user never wrote.
    if (!isTokenText(token))
      throw new UsageError(
        `not a token: the token ${this.flags['with-token'] ? 'on stdin' : 'given'} holds a space or a control character`,
        { hint: TOKEN_TEXT_HINT },
      )
    const [{ LicctlClient }, { Profiles }] = await Promise.all([
      import('../../client/index.js'),
      import('../../cli/profiles.js'),
    ])
    const client = LicctlClient.create({
      baseUrl: url,
      token,
      userAgent: `licctl/${this.config.version}`,
      timeoutMs,
    })
    try {
      const me = await client.meta.whoami({})
      const org = this.flags.org ?? me.org ?? undefined
      if (me.kind === 'user' && this.flags.org && this.flags.org !== me.org)
        throw new CliError(`this token belongs to organization '${me.org}', not '${this.flags.org}'`, {
          code: 'wrong_organization',
          exitCode: 4,
        })
      // The operator may log in for any organization: make sure it exists before saving (exit 5).
      if (me.kind === 'operator' && org) await client.orgs.show({ org })
      const profiles = new Profiles()
      const name = profiles.save({ url, token, ...(org ? { org } : {}) })
      const who =
        me.kind === 'operator'
          ? 'the operator'
          : `${me.email} (${me.role}${me.readOnly ? ', read-only' : ''})`
      this.say(`Logged in to ${url} as ${who}; profile '${name}' is now current.`)
      return {
        profile: name,
        url,
        org: org ?? null,
        kind: me.kind,
        email: me.email,
        role: me.role,
        readOnly: me.readOnly,
      }
    } finally {
      await client.close()
    }
  }
}

/**
 * The server a login most likely means: LICCTL_URL, else the current profile's (logging in to
 * another organization of the same server), else a server on this machine.
 */
async function knownServer(): Promise<string> {
  if (process.env.LICCTL_URL) return process.env.LICCTL_URL
  const { Profiles } = await import('../../cli/profiles.js')
  return new Profiles().current()?.url ?? 'http://127.0.0.1:8080'
}

/** Said at the prompt, before the token is asked for: a URL the client could not use. */
function promptUrlProblem(value: string): true | string {
  const url = URL.parse(value.trim())
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    return `a server URL starts with http:// or https://, e.g. http://${value.trim() || '127.0.0.1:8080'}`
  return serverUrlProblem(value.trim()) ?? true
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  if (stream.isTTY)
    throw new UsageError('--with-token reads the token from stdin, but stdin is a terminal', {
      hint: 'pipe it: echo "$TOKEN" | licctl orgs login … --with-token',
    })
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
