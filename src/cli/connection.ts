import { CliError, quote, UsageError } from './errors.js'
import { profileName, Profiles, type Profile } from './profiles.js'
import { serverUrlProblem } from './server-url.js'
import { isTokenText } from './token-text.js'

export interface Connection {
  url: string
  token: string
  org: string | undefined
  /** The profile the token was read from (its name), or undefined for LICCTL_TOKEN. */
  profile: string | undefined
}

/**
 * Where a call goes and as whom. `--profile` (or LICCTL_PROFILE) names the profile whose server and
 * token are used, whatever `--org` names (the operator's profile acting on an organization this
 * machine also has an admin's profile for). Else `--org` picks that organization's profile; without
 * one, the current profile's server and token are used for that organization (the operator's case).
 * With both LICCTL_URL and LICCTL_TOKEN set no profile is read at all, the current one's
 * organization included: the organization is --org or LICCTL_ORG, else none (CI: a job's token
 * must not act on whatever organization the machine's current profile happens to name). With only
 * one of them set, it replaces that part of the profile; LICCTL_ORG picks a profile like --org.
 */
export function resolveConnection(orgFlag: string | undefined, profileFlag?: string | undefined): Connection {
  const env = process.env
  // An empty variable (as CI systems often set) means unset.
  const envUrl = env.LICCTL_URL || undefined
  // A secret read from a file or pasted into a CI variable often ends with a line break.
  const envToken = env.LICCTL_TOKEN?.trim() || undefined
  const named = namedProfile(profileFlag)
  const namedBy = profileFlag ? '--profile' : 'LICCTL_PROFILE'
  if (named && envUrl && envToken)
    throw new UsageError(
      `${namedBy} ${quote(named, 40)} cannot be used while LICCTL_URL and LICCTL_TOKEN are set: they replace every profile`,
      { hint: `unset LICCTL_URL and LICCTL_TOKEN to use profile ${quote(named, 40)}` },
    )
  // Both set: the environment is the whole connection, and no profile (nor its org) is consulted.
  const profiles = envUrl && envToken ? undefined : new Profiles()
  const wanted = orgFlag || env.LICCTL_ORG || undefined
  const profile = named
    ? profileNamed(profiles!, named, namedBy)
    : ((wanted ? profiles?.get(wanted) : undefined) ?? profiles?.current())
  const url = envUrl ?? profile?.url
  const token = envToken ?? profile?.token
  // A profile's token goes only to that profile's server, never to another one named by LICCTL_URL.
  if (envUrl && !envToken && profile && !sameServer(envUrl, profile.url))
    throw notLoggedIn(
      `LICCTL_URL is set ${env.LICCTL_TOKEN === '' ? 'but LICCTL_TOKEN is empty' : 'without LICCTL_TOKEN'}, and profile '${profileName(profile)}' is for ${profile.url}`,
      'set LICCTL_TOKEN too, or unset LICCTL_URL to use the profile',
    )
  if (!url || !token) {
    // Profiles there, but none current (a `current` naming one that is gone): not "no profile".
    const known = Object.keys(profiles?.all() ?? {})
    if (!profile && known.length > 0 && !envUrl && !envToken)
      throw notLoggedIn(
        `no current profile: ${profiles!.currentName() ? `the current one, ${quote(profiles!.currentName()!, 40)}, does not exist` : 'none is chosen'}`,
        `pick one with \`licctl orgs use <profile>\` (known profiles: ${known.join(', ')}), or pass --profile`,
      )
    throw notLoggedIn(`not logged in: ${whatIsMissing(env.LICCTL_URL, env.LICCTL_TOKEN)}`, LOGIN_HINT)
  }
  if (envUrl) {
    const problem = serverUrlProblem(envUrl)
    if (problem)
      throw new UsageError(`LICCTL_URL: ${problem}`, { hint: 'e.g. LICCTL_URL=https://licenses.example.com' })
  }
  // Tokens are printable ASCII without spaces: anything else would fail as a malformed header
  // ("cannot reach …"), or as a token the server cannot read. The value is a secret: never echoed.
  if (envToken && !isTokenText(envToken))
    throw new UsageError('LICCTL_TOKEN: not a token: it holds a space or a control character', {
      hint: 'give the token alone (LICCTL_TOKEN=lic_u_…), without "Bearer " or quotes',
    })
  return {
    url,
    token,
    org: wanted ?? profile?.org,
    profile: envToken || !profile ? undefined : profileName(profile),
  }
}

/** The profile name `--profile` gives, else LICCTL_PROFILE (empty means unset), if any. */
export function namedProfile(profileFlag: string | undefined): string | undefined {
  return profileFlag || process.env.LICCTL_PROFILE || undefined
}

/** The profile `--profile` (or LICCTL_PROFILE) names; not found (exit 5) as `orgs use` says it. */
function profileNamed(profiles: Profiles, name: string, namedBy: string): Profile {
  const profile = profiles.get(name)
  if (profile) return profile
  throw noProfileNamed(profiles, name, `${namedBy}: `)
}

/** No profile of that name (exit 5), with the ones there are: `orgs use`, `orgs logout`, `--profile`. */
export function noProfileNamed(profiles: Profiles, name: string, prefix = ''): CliError {
  return new CliError(`${prefix}no profile named ${quote(name, 40)}`, {
    code: 'not_found',
    exitCode: 5,
    hint: `known profiles: ${Object.keys(profiles.all()).join(', ') || 'none'}; create one with \`licctl orgs login\``,
  })
}

/**
 * The refusal when a command needs an organization and none is known. With LICCTL_URL and
 * LICCTL_TOKEN set, no profile was read (resolveConnection), so `orgs use` would not help: it says
 * so, and how to name one. (A member's token there names its own organization: ApiCommand.org()
 * asks the server; only the operator's, which acts for every one, gets here.)
 */
export function noOrganization(): UsageError {
  if (process.env.LICCTL_URL && process.env.LICCTL_TOKEN)
    return new UsageError(
      'no organization selected: LICCTL_URL and LICCTL_TOKEN are set, so no profile is read (not the current one’s organization either), and the operator’s token acts for every organization',
      { hint: 'set LICCTL_ORG=<slug> or pass --org <slug>' },
    )
  return new UsageError('no organization selected', {
    hint: 'pass --org <slug>, set LICCTL_ORG, or `licctl orgs use <slug>`',
  })
}

const LOGIN_HINT = 'run `licctl orgs login --url <server> --org <slug> --with-token < token.txt`'

/**
 * Exactly what is missing with no profile: the variables not set, and those set but empty (a CI
 * secret that did not expand), which are read as unset but must not be reported as "not set".
 */
function whatIsMissing(url: string | undefined, token: string | undefined): string {
  const missing = (name: string, value: string | undefined) => `${name} is ${value === '' ? 'empty' : 'not'}`
  if (url) return `LICCTL_URL is set but ${missing('LICCTL_TOKEN', token)}, and there is no profile`
  if (token) return `LICCTL_TOKEN is set but ${missing('LICCTL_URL', url)}, and there is no profile`
  if (url === '' && token === '') return 'no profile, and LICCTL_URL and LICCTL_TOKEN are set but empty'
  if (token === '') return 'no profile, LICCTL_TOKEN is set but empty, and LICCTL_URL is not set'
  if (url === '') return 'no profile, LICCTL_URL is set but empty, and LICCTL_TOKEN is not set'
  return 'no profile, and neither LICCTL_URL nor LICCTL_TOKEN is set'
}

function notLoggedIn(message: string, hint: string): CliError {
  return new CliError(message, { code: 'not_logged_in', exitCode: 4, hint })
}

/** Whether two server URLs name one server (by origin): a profile's token goes only to its own. */
export function sameServer(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin
  } catch {
    return false
  }
}

/**
 * What to do when the server refuses the token itself (401 unauthenticated: revoked, expired,
 * mistyped): a profile's token is replaced by logging in again to that profile's server and
 * organization; LICCTL_TOKEN by setting a current one.
 */
export function refusedTokenHint(conn: Pick<Connection, 'url' | 'profile'>): string {
  if (!conn.profile)
    return 'LICCTL_TOKEN is not a token this server accepts (revoked, expired or mistyped): set a current one'
  // A profile is named after its organization; the operator's is 'operator' and has none.
  const org = conn.profile === 'operator' ? '' : ` --org ${conn.profile}`
  return `profile '${conn.profile}' holds a token this server no longer accepts (revoked or expired): log in again with \`licctl orgs login --url ${conn.url}${org} --with-token < token.txt\``
}
