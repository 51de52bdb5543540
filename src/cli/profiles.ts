import Conf from 'conf'

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
  private readonly conf: Conf<Store>
  constructor(cwd: string | undefined = process.env.LICCTL_CONFIG_DIR) {
    this.conf = new Conf<Store>({
      projectName: 'licctl',
      projectSuffix: '',
      configName: 'profiles',
      configFileMode: 0o600,
      defaults: { profiles: {} },
      ...(cwd ? { cwd } : {}),
    })
  }
  get path(): string {
    return this.conf.path
  }
  all(): Record<string, Profile> {
    return this.conf.get('profiles')
  }
  get(name: string): Profile | undefined {
    return this.all()[name]
  }
  currentName(): string | undefined {
    return this.conf.get('current')
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
    if (!(name in all)) return false
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
