/**
 * The flag a request field or a bulk column is given by on the command line, without its dashes:
 * `failWithin` is `fail-within`, a nested `admin.email` is `admin-email`.
 */
export function flagOf(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replaceAll('.', '-')
}
