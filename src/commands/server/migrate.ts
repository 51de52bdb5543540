import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { existingDatabase } from '../../cli/flag-values.js'
import { databaseRefusal, notInitialized, openLicctlDatabase } from '../../cli/server-database.js'

export default class ServerMigrate extends BaseCommand<typeof ServerMigrate> {
  static override summary = 'Apply pending database migrations'
  static override description =
    'Upgrades a database that `server init` initialized. A database that does not exist, or that was never initialized, is refused: `server init` creates it and prints the operator token.'
  static override examples = [
    '<%= config.bin %> server migrate --db ./licctl.sqlite',
    'LICCTL_DB=postgres://licctl@db/licctl <%= config.bin %> server migrate --json',
  ]
  static override flags = {
    db: Flags.string({
      description: 'SQLite file path or postgres:// URL',
      env: 'LICCTL_DB',
      required: true,
    }),
  }

  async run(): Promise<{ applied: string[]; current: string | null }> {
    const [{ migrateToLatest }, { exposedDatabaseWarning }, { isInitialized }] = await Promise.all([
      import('../../storage/migrate.js'),
      import('../../storage/private-file.js'),
      import('../../server/services/operator.js'),
    ])
    const db = existingDatabase(this.flags.db)
    const exposed = exposedDatabaseWarning(db)
    if (exposed) this.note(`Warning: ${exposed}`)
    const storage = await openLicctlDatabase(db, { create: false })
    try {
      // Only `server init` issues the operator token: tables without one are a server nobody can
      // administer, and a deployment that runs `migrate` on every host must not print the token.
      const initialized = await isInitialized(storage.db).catch((err: unknown) => {
        throw databaseRefusal(err, db)
      })
      if (!initialized) throw notInitialized(storage.describe, db)
      // A schema the role may not create tables in is refused as `server init` refuses it (exit 4).
      const report = await migrateToLatest(storage.db).catch((err: unknown) => {
        throw databaseRefusal(err, db)
      })
      this.say(
        report.applied.length
          ? `Applied ${report.applied.join(', ')}.`
          : `Up to date (${report.current ?? 'no migrations'}).`,
      )
      return report
    } finally {
      await storage.close()
    }
  }
}
