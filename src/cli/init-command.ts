import { redactDatabaseUrl } from '../storage/database-url.js'

/** The command that initializes `db`, to paste into a shell (a PostgreSQL password masked). */
export function initCommand(db: string): string {
  return `licctl server init --db ${shellWord(redactDatabaseUrl(db))}`
}

/** A value as one word of a POSIX shell command line (a URL's `?` and `&` would not survive bare). */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`
}
