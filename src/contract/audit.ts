import { z } from 'zod'
import { slug } from './common.js'
import { auditEntry } from './orgs.js'

/** What `orgs audit verify` found walking an organization's hash chain. */
export const auditVerification = z.object({
  org: z.string(),
  /** True when every entry's hash, link and place in the chain hold, and the head matches. */
  intact: z.boolean(),
  /** Entries checked, in chain order. */
  entries: z.number().int(),
  /** The chain's head: keep its hash elsewhere to detect a rewrite of the whole chain later. */
  head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
  /** The first entry that does not match (null when intact). */
  broken: z
    .object({
      /** The entry where the chain breaks; null when entries are missing from its end. */
      id: z.string().nullable(),
      seq: z.number().int().nullable(),
      reason: z.enum(['altered', 'relinked', 'missing', 'unchained', 'head-mismatch']),
      message: z.string(),
    })
    .nullable(),
})
export type AuditVerification = z.infer<typeof auditVerification>

/** One entry, with its bulk job and the job's rows when it is (or belongs to) one. */
export const auditEntryDetail = z.object({
  entry: auditEntry,
  /** The job entry this entry belongs to (null when it is not a bulk row). */
  job: auditEntry.nullable(),
  /** When the entry is a bulk job: its rows, in chain order. */
  rows: z.array(auditEntry),
})
export type AuditEntryDetail = z.infer<typeof auditEntryDetail>

export const auditEntryParams = z.strictObject({ org: slug, id: z.string().max(100) })
