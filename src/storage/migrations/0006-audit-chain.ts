import { PostgresAdapter, sql, type Kysely } from 'kysely'
import { chainKey, entryHash, GENESIS_HASH } from '../../domain/audit-chain.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>

/**
 * The audit log becomes append-only and hash-chained per organization: each entry gets its place in
 * its organization's chain (`seq`), the previous entry's hash and its own; `audit_heads` holds each
 * chain's last seq and hash (the row a writer locks to append). Entries written before this
 * migration are chained here, in id (time) order. Then triggers make the database refuse UPDATE and
 * DELETE on the table, on both dialects.
 */
export async function up(db: Db): Promise<void> {
  for (const [name, type] of [
    ['seq', 'bigint'],
    ['prev_hash', 'text'],
    ['hash', 'text'],
    ['request_id', 'text'],
    ['job_id', 'text'],
  ] as const)
    await db.schema.alterTable('audit_events').addColumn(name, type).execute()

  await db.schema
    .createTable('audit_heads')
    .addColumn('chain', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute()

  await backfill(db)

  await db.schema
    .createIndex('audit_events_chain_seq')
    .on('audit_events')
    .columns(['org_id', 'seq'])
    .unique()
    .execute()
  await db.schema.createIndex('audit_events_job').on('audit_events').column('job_id').execute()

  if (isPostgres(db)) {
    await sql`
      create function licctl_audit_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_events is append-only: % refused', tg_op using errcode = 'P0001';
      end $$`.execute(db)
    await sql`
      create trigger audit_events_append_only before update or delete on audit_events
      for each row execute function licctl_audit_append_only()`.execute(db)
    await sql`
      create trigger audit_events_no_truncate before truncate on audit_events
      for each statement execute function licctl_audit_append_only()`.execute(db)
  } else {
    await sql`
      create trigger audit_events_no_update before update on audit_events
      begin select raise(abort, 'audit_events is append-only: UPDATE refused'); end`.execute(db)
    await sql`
      create trigger audit_events_no_delete before delete on audit_events
      begin select raise(abort, 'audit_events is append-only: DELETE refused'); end`.execute(db)
  }
}

/** Chains the existing entries of every organization, oldest first, and records each chain's head. */
async function backfill(db: Db): Promise<void> {
  const heads = new Map<string, { seq: number; hash: string }>()
  let after = ''
  for (;;) {
    const rows = (await db
      .selectFrom('audit_events')
      .select(['id', 'org_id', 'actor', 'action', 'target', 'before', 'after', 'created_at'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(1000)
      .execute()) as Array<{
      id: string
      org_id: string | null
      actor: string
      action: string
      target: string
      before: string | null
      after: string | null
      created_at: number | string
    }>
    if (rows.length === 0) break
    for (const r of rows) {
      const key = chainKey(r.org_id)
      const head = heads.get(key) ?? { seq: 0, hash: GENESIS_HASH }
      const content = {
        ...r,
        created_at: Number(r.created_at),
        seq: head.seq + 1,
        prev_hash: head.hash,
        request_id: null,
        job_id: null,
      }
      const hash = entryHash(content)
      await db
        .updateTable('audit_events')
        .set({ seq: content.seq, prev_hash: content.prev_hash, hash })
        .where('id', '=', r.id)
        .execute()
      heads.set(key, { seq: content.seq, hash })
    }
    after = rows[rows.length - 1]!.id
  }
  for (const [chain, head] of heads)
    await db.insertInto('audit_heads').values({ chain, seq: head.seq, hash: head.hash }).execute()
}

function isPostgres(db: Db): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter
}

export async function down(db: Db): Promise<void> {
  if (isPostgres(db)) {
    await sql`drop trigger audit_events_append_only on audit_events`.execute(db)
    await sql`drop trigger audit_events_no_truncate on audit_events`.execute(db)
    await sql`drop function licctl_audit_append_only()`.execute(db)
  } else {
    await sql`drop trigger audit_events_no_update`.execute(db)
    await sql`drop trigger audit_events_no_delete`.execute(db)
  }
  await db.schema.dropIndex('audit_events_job').execute()
  await db.schema.dropIndex('audit_events_chain_seq').execute()
  await db.schema.dropTable('audit_heads').execute()
  for (const name of ['job_id', 'request_id', 'hash', 'prev_hash', 'seq'])
    await db.schema.alterTable('audit_events').dropColumn(name).execute()
}
