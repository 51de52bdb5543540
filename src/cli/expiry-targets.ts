import { LicctlClient } from '../client/index.js'
import { Profiles } from './profiles.js'
import { requestTimeoutMs } from './request-timeout.js'

export type Target =
  | { client: LicctlClient; org: string; profile: string | null }
  | { error: { profile: string | null; org: string | null; code: string; message: string } }

/**
 * What `expiry check --all-orgs` covers. With LICCTL_URL and LICCTL_TOKEN (CI), with a profile
 * named by `--profile`, or when the current connection is the operator's: every organization that
 * token sees (the operator's: every organization on its server, not the profiles of other
 * servers). Otherwise every local profile: an organization's profile checks that organization,
 * the operator's profile every organization on its server. A profile that cannot be used is
 * yielded as an error, never skipped.
 */
export async function* targetsOf(
  current: LicctlClient,
  orgFlag: string | undefined,
  /** Clients opened for profiles, for the caller to close when done. */
  opened: LicctlClient[],
  /** The profile `--profile` (or LICCTL_PROFILE) named for the connection, if any. */
  named?: string | undefined,
): AsyncGenerator<Target> {
  const env = process.env
  if ((env.LICCTL_URL && env.LICCTL_TOKEN) || orgFlag) {
    yield* orgsSeenBy(current, null)
    return
  }
  if (named) {
    yield* orgsSeenBy(current, named)
    return
  }
  // The operator's profile current: its server's organizations, as with its token in the
  // environment. (A connection that cannot answer falls through: each profile reports for itself.)
  const me = await current.meta.whoami({}).catch(() => undefined)
  if (me?.kind === 'operator') {
    yield* orgsSeenBy(current, env.LICCTL_TOKEN ? null : 'operator')
    return
  }
  const seen = new Set<string>()
  for (const [name, profile] of Object.entries(new Profiles().all())) {
    const client = LicctlClient.create({
      baseUrl: profile.url,
      token: profile.token,
      timeoutMs: requestTimeoutMs(),
    })
    opened.push(client)
    for await (const t of orgsSeenBy(client, name)) {
      // The operator's profile and an organization's profile on one server see the same org: once.
      const key = 'org' in t ? `${client.transport.server} ${t.org}` : name
      if (seen.has(key)) continue
      seen.add(key)
      yield t
    }
  }
}

/** Every organization a token sees: all of them for the operator, its own for a member. */
async function* orgsSeenBy(client: LicctlClient, profile: string | null): AsyncGenerator<Target> {
  let me
  try {
    me = await client.meta.whoami({})
  } catch (err) {
    const e = err as { code?: string; message: string }
    yield { error: { profile, org: null, code: e.code ?? 'unexpected', message: e.message } }
    return
  }
  if (me.kind === 'user') {
    if (me.org) yield { client, org: me.org, profile }
    return
  }
  let cursor: string | undefined
  do {
    const page = await client.orgs.list({}, { limit: 1000, ...(cursor ? { cursor } : {}) })
    for (const o of page.items) yield { client, org: o.slug, profile }
    cursor = page.nextCursor ?? undefined
  } while (cursor)
}
