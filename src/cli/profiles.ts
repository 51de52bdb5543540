import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import type Conf from 'conf'
import { isObject } from '../domain/json-object.js'
import { CliError, quote } from './errors.js'
import { shellWord } from './shell-word.js'

export interface Profile {
  url: string
  /** The organization slug; absent for the operator's profile. */
  org?: string | undefined
  token: string
}

interface Store {
  current?: string
  profiles: Record<string, Profile>
}

/** The name a profile is stored under: its organization, or `operator`. */
export const profileName = (p: Pick<Profile, 'org'>): string => p.org ?? 'operator'

/**
 * Local profiles, one per organization, in the user's config dir with mode 0600
 * (LICCTL_CONFIG_DIR moves it, for tests and sandboxes).
 */
export class Profiles {
  readonly path: string
  private _conf: Conf<Store> | undefined
  constructor(private readonly cwd: string | undefined = process.env.LICCTL_CONFIG_DIR) {
    this.path = join(cwd ? resolve(cwd) : confDir('licctl'), 'profiles.json')
  }
  /**
   * conf (with its ajv schema machinery, about as costly as the rest of a command's start-up) is
   * loaded on the first write only; reads are a plain read of the same file.
   */
  private get conf(): Conf<Store> {
    if (this._conf) return this._conf
    const { default: ConfClass } = createRequire(import.meta.url)('conf') as { default: typeof Conf }
    this._conf = new ConfClass<Store>({
      projectName: 'licctl',
      projectSuffix: '',
      configName: 'profiles',
      configFileMode: 0o600,
      defaults: { profiles: {} },
      ...(this.cwd ? { cwd: this.cwd } : {}),
    })
    return this._conf
  }
  private read(): Store {
    if (this._conf) return this._conf.store
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      // Nothing there (a file where a directory of the path should be included): no profiles yet.
      if (code === 'ENOENT' || code === 'ENOTDIR') return { profiles: {} }
      if (code === undefined || !WRITE_REASONS[code]) throw err
      throw new CliError(`cannot read the profiles file ${this.path}: ${WRITE_REASONS[code]}`, {
        code: 'invalid_profiles',
        exitCode: 1,
        cause: err,
      })
    }
    return parseStore(text, this.path)
  }
  all(): Record<string, Profile> {
    return this.read().profiles
  }
  /**
   * The profile stored under this name: an own key of the file's map only, so that a name such as
   * `__proto__`, `constructor` or `toString` is no profile rather than an object's inherited member.
   */
  get(name: string): Profile | undefined {
    const all = this.all()
    return Object.hasOwn(all, name) ? all[name] : undefined
  }
  currentName(): string | undefined {
    return this.read().current
  }
  current(): Profile | undefined {
    const name = this.currentName()
    return name ? this.get(name) : undefined
  }
  save(profile: Profile, makeCurrent = true): string {
    const name = profileName(profile)
    // Read (and checked) before conf loads the file: a broken file is refused, never overwritten
    // with only this profile (the others' tokens would be lost).
    const all = this.all()
    this.written(() => {
      this.conf.set('profiles', { ...all, [name]: profile })
      if (makeCurrent || !this.currentName()) this.conf.set('current', name)
    })
    return name
  }
  remove(name: string): boolean {
    const all = { ...this.all() }
    if (!Object.hasOwn(all, name)) return false
    delete all[name]
    this.written(() => {
      this.conf.set('profiles', all)
      if (this.currentName() === name) {
        const next = Object.keys(all)[0]
        if (next) this.conf.set('current', next)
        else this.conf.delete('current')
      }
    })
    return true
  }
  use(name: string): void {
    this.read()
    this.written(() => this.conf.set('current', name))
  }
  /**
   * A change to the file, or the error that it could not be made, naming the file: conf's own is a
   * bare `EACCES: permission denied, open '…/profiles.json.tmp-6425943780588600'` (exit 1) after
   * `orgs login` had checked the token, leaving the user to guess that nothing was saved.
   */
  private written(change: () => void): void {
    try {
      change()
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === undefined || !WRITE_REASONS[code]) throw err
      throw new CliError(`cannot save profiles in ${this.path}: ${WRITE_REASONS[code]}`, {
        code: 'profiles_not_writable',
        exitCode: 1,
        hint: 'the directory must be yours to write (LICCTL_CONFIG_DIR moves it)',
        cause: err,
      })
    }
  }
}

/** Why the profiles file could not be read or written, by errno code. */
const WRITE_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of that path is a file, not a directory',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  EISDIR: 'it is a directory',
}

/**
 * The profiles file's content, checked: JSON, with a map of profiles that each have a server URL and
 * a token. A file broken by hand or by a full disk is refused naming the file and what is wrong with
 * it (not JSON.parse's bare "Expected property name or '}' in JSON at position 1", nor "Cannot
 * convert undefined or null to object", nor "not logged in" for a profile without its token).
 */
function parseStore(text: string, path: string): Store {
  let data: unknown
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (err) {
    // Only the position: JSON.parse quotes the text around it, which may hold a token.
    const at = /at position \d+(?: \((line \d+ column \d+)\))?/.exec((err as Error).message)
    throw invalidProfiles(path, `not valid JSON${at ? ` (at ${at[1] ?? at[0].replace('at ', '')})` : ''}`)
  }
  if (!isObject(data)) throw invalidProfiles(path, 'not a JSON object')
  const { profiles = {}, current } = data
  if (!isObject(profiles)) throw invalidProfiles(path, 'broken: "profiles" is not an object')
  for (const [name, p] of Object.entries(profiles)) {
    const ok =
      isObject(p) &&
      typeof p.url === 'string' &&
      typeof p.token === 'string' &&
      (p.org === undefined || typeof p.org === 'string')
    if (!ok) throw invalidProfiles(path, `broken: profile ${quote(name)} needs a "url" and a "token"`)
  }
  if (current !== undefined && typeof current !== 'string')
    throw invalidProfiles(path, 'broken: "current" is not a profile name')
  return { profiles: profiles as Record<string, Profile>, ...(current !== undefined ? { current } : {}) }
}

function invalidProfiles(path: string, why: string): CliError {
  return new CliError(`the profiles file ${path} is ${why}`, {
    code: 'invalid_profiles',
    exitCode: 1,
    hint: `fix it, or move it aside and log in again: mv ${shellWord(path)} ${shellWord(path + '.broken')}; licctl orgs login`,
  })
}

/** conf's directory for a project with no suffix (its env-paths `config`), without loading conf. */
function confDir(name: string): string {
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Preferences', name)
  if (process.platform === 'win32')
    return join(process.env.APPDATA || join(homedir(), 'AppData', 'Roaming'), name, 'Config')
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), name)
}
