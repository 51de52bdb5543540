import type { Kysely } from 'kysely'
import { chainKey, entryHash, GENESIS_HASH } from '../../domain/audit-chain.js'
import { newId } from '../../domain/ids.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>

/**
 * What a migration that changes rows records for each change (actor `migration`), shared by the
 * migrations that do (0010, 0012, 0016). It writes the tables as they have stood since
 * 0006-audit-chain; a later migration that changed them would need its own copy.
 */
/** One entry at the end of its organization's chain, as the server appends (services/audit.ts). */
export async function appendAudit(
  db: Db,
  e: { org_id: string; action: string; target: string; before: object; after: object; now: number },
): Promise<void> {
  const chain = chainKey(e.org_id)
  // The upsert the server locks the head with (a server process still running appends in turn).
  const head = (await db
    .insertInto('audit_heads')
    .values({ chain, seq: 0, hash: GENESIS_HASH })
    .onConflict((oc) => oc.column('chain').doUpdateSet((eb) => ({ seq: eb.ref('audit_heads.seq') })))
    .returning(['seq', 'hash'])
    .executeTakeFirstOrThrow()) as { seq: number | string; hash: string }
  const content = {
    id: newId('ev', e.now),
    org_id: e.org_id,
    actor: 'migration',
    action: e.action,
    target: e.target,
    before: JSON.stringify(e.before),
    after: JSON.stringify(e.after),
    request_id: null,
    job_id: null,
    created_at: e.now,
    seq: Number(head.seq) + 1,
    prev_hash: head.hash,
  }
  const hash = entryHash(content)
  await db
    .insertInto('audit_events')
    .values({ ...content, hash })
    .execute()
  await db.updateTable('audit_heads').set({ seq: content.seq, hash }).where('chain', '=', chain).execute()
}
