import { redactDatabaseUrl } from '../storage/database-url.js'
import { shellWord } from './shell-word.js'

/** The command that initializes `db`, to paste into a shell (a PostgreSQL password masked). */
export function initCommand(db: string): string {
  return `licctl server init --db ${shellWord(redactDatabaseUrl(db))}`
}
