import { hash } from 'node:crypto'

/** The hash before the first entry of a chain. */
export const GENESIS_HASH = '0'.repeat(64)

/** The stored columns of an audit entry that its hash covers (everything but the hash itself). */
export interface ChainedContent {
  id: string
  org_id: string | null
  seq: number
  actor: string
  action: string
  target: string
  before: string | null
  after: string | null
  request_id: string | null
  job_id: string | null
  created_at: number
  prev_hash: string
}

/**
 * The hash of an entry's canonical content: SHA-256 over a JSON array of its stored columns in a
 * fixed order (before/after exactly as stored), with a version tag so the format can change later
 * without ambiguity. It covers the previous entry's hash, so each entry fixes the whole chain before it.
 */
export function entryHash(e: ChainedContent): string {
  const canonical = JSON.stringify([
    'licctl-audit-v1',
    e.org_id,
    e.seq,
    e.id,
    e.created_at,
    e.actor,
    e.action,
    e.target,
    e.before,
    e.after,
    e.request_id,
    e.job_id,
    e.prev_hash,
  ])
  // The one-shot hash: no Hash object per entry (a bulk batch hashes a thousand).
  return hash('sha256', canonical, 'hex')
}

/** The key of an organization's chain in `audit_heads`; entries of no organization chain under ''. */
export function chainKey(orgId: string | null): string {
  return orgId ?? ''
}
