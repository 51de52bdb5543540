import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { CliError, quote, UsageError } from '../../cli/errors.js'
import { canPrompt, promptText } from '../../cli/prompts.js'
import type { Profile } from '../../cli/profiles.js'
import type { LicctlClient } from '../../client/index.js'
import { serverUrlProblem } from '../../cli/server-url.js'
import { shellWord } from '../../cli/shell-word.js'
import { isTokenText, TOKEN_TEXT_HINT } from '../../cli/token-text.js'

export default class OrgsLogin extends BaseCommand<typeof OrgsLogin> {
  static override summary = 'Save a profile (server URL, organization, token) and make it current'
  static override description =
    'On a terminal, asks for what is missing. In scripts pass --url and --org and pipe the token on stdin with --with-token: tokens never go in arguments, where other users and shell history could see them. The token is checked against the server before it is saved (mode 0600). The operator’s token is always saved as profile `operator` (act on an organization with --profile operator --org <slug>); a login that replaces another user’s token in a profile says whose it was.'
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
    const [{ LicctlClient }, { Profiles, profileName }] = await Promise.all([
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
      // The operator's token goes in profile `operator` whatever --org names: saved under the
      // organization's name it silently replaced that organization's admin profile, and its token.
      const saved = me.kind === 'operator' ? undefined : org
      const profiles = new Profiles()
      const previous = profiles.get(profileName(saved ? { org: saved } : {}))
      const replaced =
        previous && (await replacedToken(previous, url, me, `licctl/${this.config.version}`, timeoutMs))
      const name = profiles.save({ url, token, ...(saved ? { org: saved } : {}) })
      this.say(`Logged in to ${url} as ${whoIs(me)}; profile '${name}' is now current.`)
      if (me.kind === 'operator' && org)
        this.say(
          `The operator's token is kept in profile 'operator', not in one named after ${quote(org, 40)} (that name is for its users' tokens): act on ${quote(org, 40)} with --profile operator --org ${shellWord(org)}.`,
        )
      if (replaced) this.note(`Replaced ${replaced} in profile '${name}'.`)
      return {
        profile: name,
        url,
        org: saved ?? null,
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

type Whoami = Awaited<ReturnType<LicctlClient['meta']['whoami']>>

const whoIs = (me: Whoami): string =>
  me.kind === 'operator' ? 'the operator' : `${me.email} (${me.role}${me.readOnly ? ', read-only' : ''})`

/**
 * What saving this login loses from the profile it replaces, said as gh says which account it
 * replaced: another user's token (asked of the server with that token), or a token for another
 * server. Nothing when it is the same token, the same user's (a new token), or one the server no
 * longer accepts.
 */
async function replacedToken(
  old: Profile,
  url: string,
  me: Whoami,
  userAgent: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const { sameServer } = await import('../../cli/connection.js')
  if (!sameServer(old.url, url)) return `its token for ${old.url}`
  const { LicctlClient, ApiError } = await import('../../client/index.js')
  const client = LicctlClient.create({ baseUrl: old.url, token: old.token, userAgent, timeoutMs })
  try {
    const was = await client.meta.whoami({})
    // The same token (its id), or another of the same user's: nobody's access is lost.
    const same =
      was.tokenId === me.tokenId || (was.kind === me.kind && was.email === me.email && was.org === me.org)
    return same ? undefined : `the token of ${whoIs(was)}`
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return undefined
    return 'the token it held (whose, the server could not say)'
  } finally {
    await client.close()
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
