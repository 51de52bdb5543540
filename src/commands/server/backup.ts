import { existsSync, renameSync, rmSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { quote, UsageError } from '../../cli/errors.js'
import { databaseFlag } from '../../cli/flag-values.js'
import { isPostgresUrl } from '../../storage/database-url.js'

export default class ServerBackup extends BaseCommand<typeof ServerBackup> {
  static override summary = 'Back up a SQLite database while the server runs'
  static override description =
    'Copies the database into a new file with SQLite’s online backup API: a consistent snapshot, WAL included, taken while server processes keep reading and writing. For PostgreSQL use pg_dump (see docs/operations.md).'
  static override examples = [
    '<%= config.bin %> server backup /backups/licctl-2026-03-31.sqlite --db /var/lib/licctl/licctl.sqlite',
    'LICCTL_DB=/var/lib/licctl/licctl.sqlite <%= config.bin %> server backup /backups/licctl.sqlite --json',
  ]
  static override args = {
    file: Args.string({ description: 'the backup file to create (must not exist)', required: true }),
  }
  static override flags = {
    db: Flags.string({
      description: 'SQLite file path',
      env: 'LICCTL_DB',
      required: true,
    }),
  }

  async run(): Promise<{ db: string; file: string; pages: number }> {
    const { db } = this.flags
    const { file } = this.args
    if (isPostgresUrl(db))
      throw new UsageError('server backup is for SQLite: back up PostgreSQL with pg_dump', {
        hint: 'pg_dump --schema=<schema> --format=custom <database> > licctl.dump (docs/operations.md)',
      })
    databaseFlag(db)
    if (!existsSync(db)) throw new UsageError(`--db: no such SQLite file: ${quote(db, 200)}`)
    // An empty name would make the partial file `..<pid>.partial` and then fail to rename it.
    if (file === '') throw new UsageError('FILE: must not be empty')
    // `/backups/` names a directory: the backup would be renamed onto it.
    if (/[\\/]$/.test(file))
      throw new UsageError(`FILE: ${quote(file, 200)} names a directory: give the backup file's name in it`, {
        hint: `e.g. ${join(file, 'licctl.sqlite')}`,
      })
    if (existsSync(file)) throw new UsageError(`${quote(file, 200)} already exists: choose a new file name`)
    // SQLite's own "Cannot save backup because the directory does not exist" names neither.
    if (!existsSync(dirname(file)))
      throw new UsageError(
        `cannot write ${quote(file, 200)}: the directory ${quote(dirname(file), 200)} does not exist`,
      )
    const [{ default: SQLite }, { createPrivateFile }] = await Promise.all([
      import('better-sqlite3'),
      import('../../storage/private-file.js'),
    ])
    // A copy of the database is as secret as the database: SQLite would create it 0644 & ~umask.
    // It is written into a 0600 file beside the target and renamed onto it once complete, so the
    // backup is never readable by others nor seen half written.
    const partial = join(dirname(file), `.${basename(file)}.${process.pid}.partial`)
    const source = new SQLite(db, { fileMustExist: true })
    let created = false
    try {
      created = writable(file, () => createPrivateFile(partial))
      if (!created) throw new UsageError(`${partial} already exists: a backup to ${file} may be under way`)
      source.pragma('busy_timeout = 5000')
      const { totalPages } = await source.backup(partial)
      writable(file, () => renameSync(partial, file))
      this.say(`Backed up ${db} to ${file} (${totalPages} pages).`)
      return { db, file, pages: totalPages }
    } finally {
      source.close()
      // Only ours: nothing if it was renamed onto the target.
      if (created) rmSync(partial, { force: true })
    }
  }
}

/**
 * What creating the backup beside `file` throws when the directory refuses it (no permission, a
 * read-only file system, a full disk), as a usage error naming the file, not Node's
 * `ENOENT: …, open '/dir/.file.123.partial'`.
 */
function writable<T>(file: string, create: () => T): T {
  try {
    return create()
  } catch (err) {
    const reason = WRITE_ERRORS[(err as NodeJS.ErrnoException).code ?? '']
    if (reason === undefined) throw err
    throw new UsageError(`cannot write ${quote(file, 200)}: ${reason}`)
  }
}

const WRITE_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  ENOENT: 'the directory does not allow new files',
  ENOTDIR: 'a part of the path is not a directory',
}
