import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration'
import type { Kysely } from 'kysely'
import { migrations } from './migrations/index.js'
import type { Database } from './schema.js'

// Migrations are imported statically, so dist/ and the TypeScript sources run the same list.
const provider: MigrationProvider = { getMigrations: async () => migrations as Record<string, Migration> }

export interface MigrationReport {
  applied: string[]
  current: string | null
}

export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'licctl_migrations',
    migrationLockTableName: 'licctl_migrations_lock',
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw error instanceof Error ? error : new Error(String(error))
  const all = await migrator.getMigrations()
  const executed = all.filter((m) => m.executedAt)
  return {
    applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
    current: executed.at(-1)?.name ?? null,
  }
}

export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'licctl_migrations',
    migrationLockTableName: 'licctl_migrations_lock',
  })
  return (await migrator.getMigrations()).filter((m) => !m.executedAt).map((m) => m.name)
}
