import { redactDatabaseUrl } from '../storage/database-url.js'
import { shellWord } from './shell-word.js'

/** The command that initializes `db`, to paste into a shell (a PostgreSQL password masked). */
export function initCommand(db: string): string {
  return serverCommand('init', db)
}

/** The command that applies `db`'s pending migrations, to paste into a shell (password masked). */
export function migrateCommand(db: string): string {
  return serverCommand('migrate', db)
}

function serverCommand(name: 'init' | 'migrate', db: string): string {
  return `licctl server ${name} --db ${shellWord(redactDatabaseUrl(db))}`
}
