import * as z from 'zod'
import {
  email,
  EMAIL_PATTERN,
  instant,
  multilineText,
  orgParams,
  page,
  pageQuery,
  pastInput,
  plainText,
  slug,
  wholeNumber,
} from './common.js'
import { defineEndpoints } from './endpoint.js'
import { rangeProblem } from '../domain/time-range.js'

// The members' and tokens' contracts are modules of their own (users.ts, tokens.ts): a command
// builds the schemas of the topics it calls, and `orgs show` calls only this one.
export { role, type Role } from './common.js'

export const organization = z.object({
  slug,
  name: z.string(),
  contactEmail: z.string().nullable(),
  contactPhone: z.string().nullable(),
  contactAddress: z.string().nullable(),
  perpetualLicenses: z.array(z.string()),
  timeZone: z.string(),
  devicePreference: z.enum(['shortest', 'longest']),
  createdAt: instant,
  updatedAt: instant,
})
export type Organization = z.infer<typeof organization>
/** An organization after an update: `changed` is false when it already was as asked (nothing audited). */
export const orgUpdated = organization.extend({ changed: z.boolean() })

const contactFields = {
  contactEmail: z.email({ pattern: EMAIL_PATTERN }).max(254).nullable().optional(),
  contactPhone: plainText(40).min(3).nullable().optional(),
  contactAddress: multilineText(500).nullable().optional(),
}

const timeZone = z
  .string()
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz })
      return true
    } catch {
      return false
    }
  }, 'expected an IANA time zone such as Europe/Berlin')

export const createOrgBody = z.strictObject({
  slug,
  name: plainText(200),
  ...contactFields,
  perpetualLicenses: z.array(plainText(500)).max(100).optional(),
  timeZone: timeZone.optional(),
  devicePreference: z.enum(['shortest', 'longest']).optional(),
  /** The first admin; the response then carries their token, shown once. */
  admin: z.strictObject({ email, name: plainText(200).optional() }).optional(),
})
export type CreateOrgBody = z.input<typeof createOrgBody>

export const createOrgResponse = z.object({
  organization,
  admin: z.object({ email: z.string(), token: z.string() }).nullable(),
})

export const updateOrgBody = z
  .strictObject({
    name: plainText(200).optional(),
    ...contactFields,
    timeZone: timeZone.optional(),
    devicePreference: z.enum(['shortest', 'longest']).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to update')
export type UpdateOrgBody = z.input<typeof updateOrgBody>

export const auditEntry = z.object({
  id: z.string(),
  /** When the change was made; null for a time edited around the server to hold no instant. */
  at: instant.nullable(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  /**
   * The state before and after the change, as an object (null when there was none). A row edited
   * around the server to hold anything but a JSON object shows its text as `{ unreadable }`.
   */
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  /** The request that made the change (its X-Request-Id). */
  requestId: z.string().nullable(),
  /** The bulk job entry this row belongs to. */
  jobId: z.string().nullable(),
  /**
   * Place in the organization's hash chain, and this entry's hash (see `orgs audit verify`); null
   * for a row inserted around the server, which verify names as not in the chain.
   */
  seq: z.number().int().nullable(),
  hash: z.string().nullable(),
})
export type AuditEntry = z.infer<typeof auditEntry>

export const auditQuery = z
  .strictObject({
    limit: wholeNumber(z.number().int().min(1).max(1000)).default(100),
    cursor: z.string().max(200).optional(),
    // An empty filter is refused, not read as none: `--actor "$WHO"` with WHO unset must not list
    // every entry as if they were WHO's.
    /** Actions starting with this (a literal prefix: `cloud` or `cloud.assign`). */
    action: z.string().min(1).max(100).optional(),
    /** Entries by this actor: an email (in any case, as emails are stored lower-case), or `operator`. */
    actor: z
      .string()
      .min(1)
      .max(254)
      .transform((s) => s.toLowerCase())
      .optional(),
    /**
     * Entries about this target: the whole target, or one of its `/`-separated ends (an email, a key).
     * Its email parts match in any case, and so does a host (the service knows which targets name
     * one); the rest keeps its case (a device serial).
     */
    target: z
      .string()
      .min(1)
      .max(300)
      .transform((s) =>
        s
          .split('/')
          .map((part) => (part.includes('@') ? part.toLowerCase() : part))
          .join('/'),
      )
      .optional(),
    /** Entries at or after this instant, or since this long ago on the server's clock (`7d`). */
    since: pastInput.optional(),
    /** Entries before this instant, or before this long ago on the server's clock (exclusive). */
    until: pastInput.optional(),
  })
  .superRefine((q, ctx) => {
    const problem = rangeProblem('since', q.since, q.until)
    if (problem !== null) ctx.addIssue({ code: 'custom', path: ['until'], message: problem })
  })

/** What `orgs audit verify` found walking an organization's hash chain. */
export const auditVerification = z.object({
  org: z.string(),
  /** True when every entry's hash, link and place in the chain hold, and the head matches. */
  intact: z.boolean(),
  /** Entries checked, in chain order (on a broken chain, those before the break). */
  entries: z.number().int(),
  /**
   * The chain's head: keep its hash elsewhere to detect a rewrite of the whole chain later. On a
   * broken chain, the last entry that held: not a head to keep.
   */
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

export const orgsEndpoints = defineEndpoints('orgs', {
  create: {
    method: 'POST',
    path: '/orgs',
    summary: 'Create an organization (operator)',
    access: 'operator',
    mutation: true,
    body: createOrgBody,
    responses: { 201: createOrgResponse },
  },
  list: {
    method: 'GET',
    path: '/orgs',
    summary: 'List organizations',
    access: 'token',
    query: pageQuery,
    responses: { 200: page(organization) },
  },
  show: {
    method: 'GET',
    path: '/orgs/{org}',
    summary: 'Show an organization',
    access: 'member',
    params: orgParams,
    responses: { 200: organization },
  },
  update: {
    method: 'PATCH',
    path: '/orgs/{org}',
    summary: 'Update name and contact details (already as asked: changed false)',
    access: 'admin',
    mutation: true,
    params: orgParams,
    body: updateOrgBody,
    responses: { 200: orgUpdated },
  },
  audit: {
    method: 'GET',
    path: '/orgs/{org}/audit',
    summary: 'Read the audit log, newest first (admins)',
    access: 'admin',
    params: orgParams,
    query: auditQuery,
    responses: { 200: page(auditEntry) },
  },
  auditVerify: {
    method: 'GET',
    path: '/orgs/{org}/audit/verify',
    summary: 'Recompute the audit hash chain and name the first entry that does not match (admins)',
    access: 'admin',
    params: orgParams,
    responses: { 200: auditVerification },
  },
  auditShow: {
    method: 'GET',
    path: '/orgs/{org}/audit/{id}',
    summary: 'One audit entry; for a bulk job, its rows (admins)',
    access: 'admin',
    params: auditEntryParams,
    responses: { 200: auditEntryDetail },
  },
})
