import { exitCodeFor } from '../contract/errors.js'
import { escapeControls } from '../domain/terminal-controls.js'
import type { TablesNotOwned } from '../storage/migrate.js'
import type { SchemaUnavailable, Storage } from '../storage/open.js'
import type { MigrationsPending, NotInitialized } from '../server/start.js'
import { CliError, quote, UsageError } from './errors.js'
import { initCommand, migrateCommand } from './init-command.js'

/**
 * The database `server init` and `server migrate` work on, opened and checked the one way: reachable
 * (named if not), a PostgreSQL schema that exists (`init` creates a missing one, as Prisma and Flyway
 * do: the schema is licctl's place in a PostgreSQL database, as the file is on SQLite), and not
 * another application's database. The caller closes it.
 */
export async function openLicctlDatabase(db: string, opts: { create: boolean }): Promise<Storage> {
  const [{ assertReachable, openStorage }, { foreignTables }] = await Promise.all([
    import('../storage/open.js'),
    import('../storage/migrate.js'),
  ])
  const storage = await openStorage(db, { createSchema: opts.create }).catch((err: unknown) => {
    throw databaseRefusal(err, db)
  })
  try {
    await assertReachable(storage)
    const foreign = await foreignTables(storage.db)
    if (foreign.length > 0) throw foreignDatabase(storage.describe, foreign)
    return storage
  } catch (err) {
    await storage.close()
    throw err
  }
}

/**
 * The refusal of a database that holds another application's tables and none of licctl's (see
 * `foreignTables`), naming a few of them: a mistyped `--db` must not get licctl's tables added to it.
 */
export function foreignDatabase(describe: string, tables: string[]): UsageError {
  const shown =
    tables
      .slice(0, 5)
      .map((t) => quote(t))
      .join(', ') + (tables.length > 5 ? ', …' : '')
  return new UsageError(
    `--db: ${describe} is not a licctl database: it holds other tables (${shown}) and no licctl migrations`,
    { hint: 'check --db; licctl needs a database (or PostgreSQL schema) of its own' },
  )
}

/**
 * A database `server init` never initialized (it holds no operator token, which only init issues),
 * refused by `server migrate` and `server start`: exit 2, as the other refusals of the --db given,
 * with the init line to run.
 */
export function notInitialized(describe: string, db: string): UsageError {
  return new UsageError(`--db: ${describe} is not initialized: it has no operator token`, {
    code: 'not_initialized',
    hint: `\`${initCommand(db)}\` creates its tables and prints the operator token`,
  })
}

/**
 * A database older than this licctl (migrations pending), refused by `server start` without
 * --migrate: exit 2, as a database not initialized, with the migrate line to run.
 */
export function migrationsPending(describe: string, pending: string[], db: string): UsageError {
  return new UsageError(
    `--db: ${describe} is older than this licctl: migrations pending (${pending.join(', ')})`,
    {
      code: 'migrations_pending',
      hint: `run \`${migrateCommand(db)}\` first, or start with --migrate`,
    },
  )
}

/**
 * The storage and server layers' refusals of a database, as the command line says them. A database
 * never initialized: `notInitialized`; one with migrations pending: `migrationsPending`. A PostgreSQL schema that does not exist is a database not
 * initialized yet either (exit 2, `database_not_found`, as a SQLite file that does not exist), and
 * one the role may not create, or may not use (or, for `init`, create tables in), is not allowed
 * (exit 4, `forbidden`), with the statement that creates it, or grants what is missing, for whoever
 * may. Tables of another role, which a migration may not alter, are not allowed either (exit 4),
 * naming their owner to migrate as. Any other error is returned as it is.
 */
export function databaseRefusal(err: unknown, db: string): unknown {
  if (isNamed<NotInitialized>(err, 'NotInitialized')) return notInitialized(err.describe, db)
  if (isNamed<MigrationsPending>(err, 'MigrationsPending'))
    return migrationsPending(err.describe, err.pending, db)
  if (isNamed<TablesNotOwned>(err, 'TablesNotOwned'))
    return new CliError(`--db: ${err.message}`, {
      code: 'forbidden',
      exitCode: exitCodeFor('forbidden', 403),
      hint: `run \`licctl server migrate\` with a --db that connects as role ${err.owners.map((o) => escapeControls(sqlIdentifier(o))).join(' or ')}, which owns them; servers may keep connecting as ${escapeControls(sqlIdentifier(err.role))}`,
    })
  if ((err as { code?: unknown } | null)?.code === '42501')
    // PostgreSQL's insufficient_privilege on licctl's tables: not a database to initialize.
    return new CliError(`--db: ${escapeControls((err as Error).message)}`, {
      code: 'forbidden',
      exitCode: exitCodeFor('forbidden', 403),
      hint: "connect as the role that owns licctl's tables, or have it grant this role select, insert, update and delete on all tables in the schema",
    })
  if (!isNamed<SchemaUnavailable>(err, 'SchemaUnavailable')) return err
  if (err.reason === 'missing')
    return new UsageError(`--db: ${err.message}`, {
      code: 'database_not_found',
      hint: `\`${initCommand(db)}\` creates it; check ?schema= if it should exist`,
    })
  const role = escapeControls(sqlIdentifier(err.role))
  return new CliError(`--db: ${err.message}`, {
    code: 'forbidden',
    exitCode: exitCodeFor('forbidden', 403),
    hint:
      err.reason === 'lacks_privilege'
        ? `have the schema's owner run: grant ${err.lacking.map((p) => p.toLowerCase()).join(', ')} on schema ${err.schema} to ${role};`
        : `have a database owner run: create schema ${err.schema} authorization ${role};`,
  })
}

// By name: the command line is bundled, the storage and server layers are not (scripts/bundle.js), so
// their classes are known here by type only, and loading them to test instanceof would load Kysely.
function isNamed<T extends Error>(err: unknown, name: string): err is T {
  return err instanceof Error && err.name === name
}

/** A role name as SQL takes it: bare when PostgreSQL would not fold or misread it, else quoted. */
function sqlIdentifier(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`
}
