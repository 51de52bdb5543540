import { LicctlError } from '../client/errors.js'
import { profileName, Profiles } from './profiles.js'

export interface Connection {
  url: string
  token: string
  org: string | undefined
}

/**
 * Where a call goes and as whom. `--org` picks that organization's profile; without one, the
 * current profile's server and token are used for that organization (the operator's case).
 * LICCTL_URL, LICCTL_TOKEN and LICCTL_ORG override the profile (CI).
 */
export function resolveConnection(orgFlag: string | undefined): Connection {
  const env = process.env
  const profiles = env.LICCTL_URL && env.LICCTL_TOKEN ? undefined : new Profiles()
  // An empty variable (as CI systems often set) means unset.
  const wanted = orgFlag || env.LICCTL_ORG || undefined
  const profile = (wanted ? profiles?.get(wanted) : undefined) ?? profiles?.current()
  const url = env.LICCTL_URL || profile?.url
  const token = env.LICCTL_TOKEN || profile?.token
  // A profile's token goes only to that profile's server, never to another one named by LICCTL_URL.
  if (env.LICCTL_URL && !env.LICCTL_TOKEN && profile && !sameServer(env.LICCTL_URL, profile.url))
    throw new LicctlError(
      `LICCTL_URL is set without LICCTL_TOKEN, and profile '${profileName(profile)}' is for ${profile.url}`,
      {
        code: 'not_logged_in',
        exitCode: 4,
        hint: 'set LICCTL_TOKEN too, or unset LICCTL_URL to use the profile',
      },
    )
  if (!url || !token)
    throw new LicctlError('not logged in: no profile and no LICCTL_URL/LICCTL_TOKEN', {
      code: 'not_logged_in',
      exitCode: 4,
      hint: 'run `licctl orgs login --url <server> --org <slug> --with-token < token.txt`',
    })
  return { url, token, org: wanted ?? profile?.org }
}

function sameServer(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin
  } catch {
    return false
  }
}
