import { newId } from '../../domain/ids.js'
import type { Executor, Principal } from '../context.js'
import { actorName } from '../context.js'

export interface AuditInput {
  orgId: string | null
  action: string
  target: string
  before?: unknown
  after?: unknown
}

/** Records one change, in the caller's transaction so it commits or rolls back with the change. */
export async function audit(
  db: Executor,
  principal: Principal,
  now: number,
  entry: AuditInput,
): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      id: newId('ev', now),
      org_id: entry.orgId,
      actor: actorName(principal),
      action: entry.action,
      target: entry.target,
      before: entry.before === undefined ? null : JSON.stringify(entry.before),
      after: entry.after === undefined ? null : JSON.stringify(entry.after),
      created_at: now,
    })
    .execute()
}
