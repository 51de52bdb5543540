import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { CliError, UsageError } from '../../cli/errors.js'
import { assertWritableSqlite, databaseFlag } from '../../cli/flag-values.js'
import { openLicctlDatabase } from '../../cli/server-database.js'
import { redactDatabaseUrl, sqliteFileOf } from '../../storage/database-url.js'

export default class ServerInit extends BaseCommand<typeof ServerInit> {
  static override summary = 'Create and migrate the database, and print the operator token once'
  static override description =
    'Creates the database (a SQLite file, or a PostgreSQL URL; its ?schema= is created when it does not exist and the role may), applies every migration and issues the operator token. The token is printed once and stored only as a hash: keep it safe. An initialized database is never re-initialized.'
  static override examples = [
    '<%= config.bin %> server init --db ./licctl.sqlite',
    '<%= config.bin %> server init --db postgres://licctl@db.internal/licctl',
  ]
  static override flags = {
    db: Flags.string({
      description: 'SQLite file path or postgres:// URL',
      env: 'LICCTL_DB',
      required: true,
    }),
  }

  async run(): Promise<{ operatorToken: string; migrations: string[]; db: string }> {
    const [{ initializeServer }, { AppError }, { exitCodeFor }] = await Promise.all([
      import('../../server/services/operator.js'),
      import('../../server/errors.js'),
      import('../../contract/errors.js'),
    ])
    const db = databaseFlag(this.flags.db)
    // SQLite's own "Cannot open database because the directory does not exist" names neither.
    const file = sqliteFileOf(db)
    // What --json gives as `db`, and the text names: a value `--db` takes (here, `server start`,
    // `server migrate`) as it is, from any directory: the file's absolute path, or the PostgreSQL
    // URL (its ?schema= kept, its password masked: never printed).
    let given = redactDatabaseUrl(db)
    if (file !== undefined) {
      const [{ existsSync }, { dirname, resolve }] = await Promise.all([
        import('node:fs'),
        import('node:path'),
      ])
      if (!existsSync(dirname(file)))
        throw new UsageError(`--db: cannot create ${file}: the directory ${dirname(file)} does not exist`)
      assertWritableSqlite(file)
      given = resolve(file)
    }
    // A PostgreSQL schema that does not exist is created, as the SQLite file is.
    const storage = await openLicctlDatabase(db, { create: true })
    try {
      const { token, migrations } = await initializeServer(storage.db, Date.now())
      this.say(`Initialized ${given} (${migrations.length} migrations applied).`)
      this.say('Operator token (shown once, store it safely):')
      this.say(token)
      return { operatorToken: token, migrations, db: given }
    } catch (err) {
      if (err instanceof AppError)
        throw new CliError(err.message, {
          code: err.code,
          // From the one catalog: already_initialized is 2 (the database given is the problem).
          exitCode: exitCodeFor(err.code, err.status),
          hint: 'use `licctl server migrate` to upgrade an existing database',
        })
      throw err
    } finally {
      await storage.close()
    }
  }
}
