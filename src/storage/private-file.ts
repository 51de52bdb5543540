import { closeSync, fchmodSync, openSync, statSync } from 'node:fs'
import { sqliteFileOf } from './database-url.js'

/**
 * The mode of every database file licctl creates: the owner's alone. A database holds the device-key
 * issuing secret, the token hashes and the audit log.
 */
export const PRIVATE_FILE_MODE = 0o600

/**
 * Creates `file`, empty, with mode 0600 whatever the umask (the mode given to open() is masked by
 * it; fchmod is not), before SQLite opens it: SQLite would create it 0644 & ~umask, and gives the
 * `-wal`, `-shm` and `-journal` files it makes beside a database the database file's own mode. An
 * existing file is left as it is (the user chose its mode): false.
 */
export function createPrivateFile(file: string): boolean {
  let fd: number
  try {
    fd = openSync(file, 'wx', PRIVATE_FILE_MODE)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  }
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE)
  } finally {
    closeSync(fd)
  }
  return true
}

/**
 * What to warn about a SQLite database other users may read or write (as ssh does for a private
 * key), or undefined: its mode stays the user's choice. Nothing for PostgreSQL or `:memory:`.
 */
export function exposedDatabaseWarning(db: string): string | undefined {
  const file = sqliteFileOf(db)
  const mode = file === undefined ? undefined : statSync(file, { throwIfNoEntry: false })?.mode
  if (mode === undefined || (mode & 0o077) === 0) return undefined
  return `${file} is open to other users (mode 0${(mode & 0o777).toString(8)}) and holds the device-key issuing secret, token hashes and the audit log: chmod 600 ${file}`
}
