/** A value as one word of a POSIX shell command line (a URL's `?` and `&` would not survive bare). */
export function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`
}
