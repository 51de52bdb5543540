import type { Storage } from '../storage/open.js'
import { quote, UsageError } from './errors.js'

/**
 * The database `server init` and `server migrate` work on, opened and checked the one way: reachable
 * (named if not), and not another application's database. The caller closes it.
 */
export async function openLicctlDatabase(db: string): Promise<Storage> {
  const [{ assertReachable, openStorage }, { foreignTables }] = await Promise.all([
    import('../storage/open.js'),
    import('../storage/migrate.js'),
  ])
  const storage = await openStorage(db)
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
