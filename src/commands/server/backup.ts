import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { UsageError } from '../../cli/errors.js'
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
      description: 'SQLite file path (env LICCTL_DB)',
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
    if (!existsSync(db)) throw new UsageError(`--db: no such SQLite file: ${db}`)
    if (existsSync(file)) throw new UsageError(`${file} already exists: choose a new file name`)
    // SQLite's own "Cannot save backup because the directory does not exist" names neither.
    if (!existsSync(dirname(file)))
      throw new UsageError(`cannot write ${file}: the directory ${dirname(file)} does not exist`)
    const { default: SQLite } = await import('better-sqlite3')
    const source = new SQLite(db, { fileMustExist: true })
    try {
      source.pragma('busy_timeout = 5000')
      const { totalPages } = await source.backup(file)
      this.say(`Backed up ${db} to ${file} (${totalPages} pages).`)
      return { db, file, pages: totalPages }
    } finally {
      source.close()
    }
  }
}
