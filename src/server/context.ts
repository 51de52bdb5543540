import type { Kysely } from 'kysely'
import type { Clock } from '../domain/clock.js'
import type { Database, Dialect } from '../storage/schema.js'

export type Principal =
  | { kind: 'operator'; tokenId: string }
  | {
      kind: 'user'
      tokenId: string
      userId: string
      email: string
      orgId: string
      orgSlug: string
      role: 'admin' | 'member'
      readOnly: boolean
    }

/** What every service function gets: the database, the clock and who is asking. */
export interface ServiceContext {
  db: Kysely<Database>
  dialect: Dialect
  clock: Clock
  principal: Principal
  /** The request's id (X-Request-Id), recorded with every audit entry it causes. */
  requestId?: string | undefined
}

export type Executor = Kysely<Database>

export function actorName(p: Principal): string {
  return p.kind === 'operator' ? 'operator' : p.email
}
