import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { Profiles } from './profiles.js'

/**
 * What shell completion offers for the values it cannot know from the command surface: profile
 * names and organization slugs. The shell asks `licctl __complete <kind>` (bin/run.js answers it
 * before oclif loads, on every TAB): so this module reads two small files and loads no package.
 */
export const VALUE_KINDS = ['profiles', 'orgs'] as const
export type ValueKind = (typeof VALUE_KINDS)[number]

export function isValueKind(word: string | undefined): word is ValueKind {
  return (VALUE_KINDS as readonly string[]).includes(word ?? '')
}

/** One value a line, sorted, for `licctl __complete <kind>`. */
export function completionValues(kind: ValueKind): string[] {
  try {
    return (kind === 'profiles' ? profileNames() : orgSlugs()).filter((v) => SAFE.test(v))
  } catch {
    // A TAB never prints an error into the user's command line: no values instead.
    return []
  }
}

/** The local profiles (`orgs profiles`), by name. */
function profileNames(): string[] {
  return Object.keys(new Profiles().all()).sort()
}

/**
 * The organizations of the local profiles, and those `orgs list` last showed for the server in use
 * (an operator's profile reaches every organization on its server).
 */
function orgSlugs(): string[] {
  const profiles = new Profiles()
  const slugs = new Set<string>()
  for (const p of Object.values(profiles.all())) if (p.org) slugs.add(p.org)
  const server = process.env.LICCTL_URL || profiles.current()?.url
  if (server) for (const slug of readOrgCache()[serverKey(server)] ?? []) slugs.add(slug)
  return [...slugs].sort()
}

/**
 * Remembers organization slugs seen on a server, for completion: `orgs list` replaces the server's
 * list (`replace`), `orgs create` adds one. A cache only: a failure to write it is ignored.
 */
export function rememberOrgs(server: string, slugs: readonly string[], replace: boolean): void {
  try {
    const cache = readOrgCache()
    const key = serverKey(server)
    const next = new Set(replace ? [] : (cache[key] ?? []))
    for (const slug of slugs) next.add(slug)
    cache[key] = [...next].sort()
    const dir = cacheDir()
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const path = orgCachePath()
    // Written whole then renamed: a TAB that reads it meanwhile sees the old list or the new one.
    const tmp = `${path}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify(cache) + '\n', { mode: 0o600 })
    renameSync(tmp, path)
  } catch {
    // Completion is a convenience: the command itself has succeeded.
  }
}

type OrgCache = Record<string, string[]>

function readOrgCache(): OrgCache {
  try {
    const parsed = JSON.parse(readFileSync(orgCachePath(), 'utf8')) as unknown
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {}
    return Object.fromEntries(
      Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [
        k,
        Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [],
      ]),
    )
  } catch {
    return {}
  }
}

/**
 * Only a word the shell can take as it is reaches it: no spaces, quotes or control characters
 * (the files are the user's, but they may be edited by hand).
 */
const SAFE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/

/** One list per server (its origin): another server has other organizations. */
function serverKey(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return url
  }
}

export const orgCachePath = (): string => join(cacheDir(), 'orgs.json')

/**
 * oclif's cache directory (`config.cacheDir`, where the autocomplete plugin writes too), computed
 * without loading oclif: LICCTL_CACHE_DIR, else ~/Library/Caches/licctl on macOS, else
 * $XDG_CACHE_HOME/licctl (%LOCALAPPDATA%\licctl on Windows), else ~/.cache/licctl.
 */
export function cacheDir(): string {
  const env = process.env
  if (env.LICCTL_CACHE_DIR) return resolve(env.LICCTL_CACHE_DIR)
  const home =
    env.HOME ||
    (process.platform === 'win32'
      ? (env.HOMEDRIVE && env.HOMEPATH && join(env.HOMEDRIVE, env.HOMEPATH)) || env.USERPROFILE
      : undefined) ||
    homedir()
  if (process.platform === 'darwin') return join(home, 'Library', 'Caches', 'licctl')
  const base =
    env.XDG_CACHE_HOME || (process.platform === 'win32' && env.LOCALAPPDATA) || join(home, '.cache')
  return join(base, 'licctl')
}
