import { LicctlError } from '../client/errors.js'
import { Profiles } from './profiles.js'

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
  const wanted = orgFlag ?? env.LICCTL_ORG
  const profile = (wanted ? profiles?.get(wanted) : undefined) ?? profiles?.current()
  const url = env.LICCTL_URL || profile?.url
  const token = env.LICCTL_TOKEN || profile?.token
  if (!url || !token)
    throw new LicctlError('not logged in: no profile and no LICCTL_URL/LICCTL_TOKEN', {
      code: 'not_logged_in',
      exitCode: 4,
      hint: 'run `licctl orgs login --url <server> --org <slug> --with-token < token.txt`',
    })
  return { url, token, org: wanted ?? profile?.org }
}
