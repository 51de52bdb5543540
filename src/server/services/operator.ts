import type { Kysely } from 'kysely'
import { newId } from '../../domain/ids.js'
import { generateToken } from '../../domain/tokens.js'
import type { Database } from '../../storage/schema.js'
import { migrateToLatest } from '../../storage/migrate.js'
import { AppError } from '../errors.js'
import { inTransaction } from '../transaction.js'

/**
 * Creates and migrates the database and issues the operator token, once. Re-initializing an
 * initialized database is refused: it would orphan the existing operator token.
 */
export async function initializeServer(
  db: Kysely<Database>,
  now: number,
): Promise<{ token: string; migrations: string[] }> {
  const report = await migrateToLatest(db)
  return inTransaction(db, async (trx) => {
    const existing = await trx
      .selectFrom('meta')
      .select('value')
      .where('key', '=', 'initialized_at')
      .executeTakeFirst()
    if (existing)
      throw new AppError('already_initialized', `this database was initialized at ${existing.value}`)
    await trx
      .insertInto('meta')
      .values({ key: 'initialized_at', value: new Date(now).toISOString() })
      .execute()
    const { token, hash, prefix } = generateToken('operator')
    await trx
      .insertInto('tokens')
      .values({
        id: newId('tok', now),
        token_hash: hash,
        prefix,
        kind: 'operator',
        user_id: null,
        org_id: null,
        name: 'operator',
        read_only: 0,
        created_at: now,
        expires_at: null,
        last_used_at: null,
        revoked_at: null,
      })
      .execute()
    return { token, migrations: report.applied }
  })
}

export async function isInitialized(db: Kysely<Database>): Promise<boolean> {
  try {
    const row = await db
      .selectFrom('meta')
      .select('value')
      .where('key', '=', 'initialized_at')
      .executeTakeFirst()
    return row !== undefined
  } catch (err) {
    // No table: not initialized. A table the role may not read (PostgreSQL 42501) is another
    // problem, said as it is (the command line refuses it as not allowed), not "run server init".
    if ((err as { code?: unknown }).code === '42501') throw err
    return false
  }
}
