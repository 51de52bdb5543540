import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import type Conf from 'conf'

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
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} }
      throw err
    }
    return { profiles: {}, ...(JSON.parse(text) as Partial<Store>) }
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
    this.conf.set('profiles', { ...this.all(), [name]: profile })
    if (makeCurrent || !this.currentName()) this.conf.set('current', name)
    return name
  }
  remove(name: string): boolean {
    const all = { ...this.all() }
    if (!Object.hasOwn(all, name)) return false
    delete all[name]
    this.conf.set('profiles', all)
    if (this.currentName() === name) {
      const next = Object.keys(all)[0]
      if (next) this.conf.set('current', next)
      else this.conf.delete('current')
    }
    return true
  }
  use(name: string): void {
    this.conf.set('current', name)
  }
}

/** conf's directory for a project with no suffix (its env-paths `config`), without loading conf. */
function confDir(name: string): string {
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Preferences', name)
  if (process.platform === 'win32')
    return join(process.env.APPDATA || join(homedir(), 'AppData', 'Roaming'), name, 'Config')
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), name)
}
