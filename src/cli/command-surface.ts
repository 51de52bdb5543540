/**
 * The command surface a script relies on — every command, its arguments and flags with their
 * types, characters, options and defaults — read from oclif.manifest.json. Descriptions and
 * examples are left out: rewording help is not a breaking change, renaming a flag is. The
 * committed snapshot (test/snapshots/commands.json) is this, so such a change is a visible diff.
 */

/** The parts of oclif's manifest the surface reads. */
export interface ManifestFlag {
  type: 'boolean' | 'option'
  char?: string
  required?: boolean
  multiple?: boolean
  options?: readonly string[]
  default?: unknown
  allowNo?: boolean
  env?: string
  hidden?: boolean
  helpGroup?: string
}
export interface ManifestArg {
  name: string
  required?: boolean
  options?: readonly string[]
  default?: unknown
}
export interface ManifestCommand {
  id: string
  aliases?: string[]
  hidden?: boolean
  strict?: boolean
  enableJsonFlag?: boolean
  args?: Record<string, ManifestArg>
  flags?: Record<string, ManifestFlag>
}
export interface Manifest {
  commands: Record<string, ManifestCommand>
}

export interface FlagSurface {
  type: 'boolean' | 'option'
  char?: string
  required?: true
  multiple?: true
  options?: readonly string[]
  default?: unknown
  allowNo?: true
  env?: string
  hidden?: true
}
export interface CommandSurface {
  /** Positional arguments, in order. `variadic`: takes any number of targets (non-strict). */
  args: Array<{ name: string; required?: true; options?: readonly string[]; default?: unknown }>
  variadic?: true
  json: boolean
  hidden?: true
  aliases?: string[]
  flags: Record<string, FlagSurface>
}

/** Only what is set: `false` and absent read the same, so the snapshot shows what matters. */
function flagSurface(f: ManifestFlag): FlagSurface {
  return {
    type: f.type,
    ...(f.char ? { char: f.char } : {}),
    ...(f.required ? { required: true as const } : {}),
    ...(f.multiple ? { multiple: true as const } : {}),
    ...(f.options ? { options: f.options } : {}),
    ...(f.default !== undefined && f.default !== false ? { default: f.default } : {}),
    ...(f.allowNo ? { allowNo: true as const } : {}),
    ...(f.env ? { env: f.env } : {}),
    ...(f.hidden ? { hidden: true as const } : {}),
  }
}

export function commandSurface(manifest: Manifest): Record<string, CommandSurface> {
  const out: Record<string, CommandSurface> = {}
  for (const id of Object.keys(manifest.commands).sort()) {
    const c = manifest.commands[id]!
    const flags = c.flags ?? {}
    out[id] = {
      args: Object.values(c.args ?? {}).map((a) => ({
        name: a.name,
        ...(a.required ? { required: true as const } : {}),
        ...(a.options ? { options: a.options } : {}),
        ...(a.default !== undefined ? { default: a.default } : {}),
      })),
      ...(c.strict === false ? { variadic: true as const } : {}),
      json: c.enableJsonFlag === true,
      ...(c.hidden ? { hidden: true as const } : {}),
      ...(c.aliases?.length ? { aliases: c.aliases } : {}),
      flags: Object.fromEntries(
        Object.keys(flags)
          .sort()
          .map((name) => [name, flagSurface(flags[name]!)]),
      ),
    }
  }
  return out
}
