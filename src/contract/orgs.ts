import { z } from 'zod'
import { email, instant, slug } from './common.js'

export const role = z.enum(['admin', 'member'])
export type Role = z.infer<typeof role>

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

const contactFields = {
  contactEmail: z.email().max(254).nullable().optional(),
  contactPhone: z.string().trim().min(3).max(40).nullable().optional(),
  contactAddress: z.string().trim().min(1).max(500).nullable().optional(),
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
  }, 'an IANA time zone such as Europe/Berlin')

export const createOrgBody = z.strictObject({
  slug,
  name: z.string().trim().min(1).max(200),
  ...contactFields,
  perpetualLicenses: z.array(z.string().trim().min(1).max(500)).max(100).optional(),
  timeZone: timeZone.optional(),
  devicePreference: z.enum(['shortest', 'longest']).optional(),
  /** The first admin; the response then carries their token, shown once. */
  admin: z.strictObject({ email, name: z.string().trim().min(1).max(200).optional() }).optional(),
})
export type CreateOrgBody = z.input<typeof createOrgBody>

export const createOrgResponse = z.object({
  organization,
  admin: z.object({ email: z.string(), token: z.string() }).nullable(),
})

export const updateOrgBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    ...contactFields,
    timeZone: timeZone.optional(),
    devicePreference: z.enum(['shortest', 'longest']).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to update')
export type UpdateOrgBody = z.input<typeof updateOrgBody>

export const member = z.object({
  email: z.string(),
  name: z.string().nullable(),
  role,
  joinedAt: instant,
})
export type Member = z.infer<typeof member>

export const userItem = z.strictObject({
  email,
  name: z.string().trim().min(1).max(200).optional(),
  role: role.optional(),
})
export const removeUserItem = z.strictObject({ email })

export const setRoleBody = z.strictObject({ role })
export const userParams = z.strictObject({ org: slug, email })

/** What removing a user released, atomically with the removal. */
export const removal = z.object({
  email: z.string(),
  tokensRevoked: z.number().int(),
  leasesReleased: z.array(z.object({ product: z.string(), host: z.string(), leaseId: z.string() })),
  addonsRevoked: z.array(z.string()),
})
export type Removal = z.infer<typeof removal>

export const tokenInfo = z.object({
  id: z.string(),
  name: z.string().nullable(),
  prefix: z.string(),
  userEmail: z.string().nullable(),
  readOnly: z.boolean(),
  createdAt: instant,
  expiresAt: instant.nullable(),
  lastUsedAt: instant.nullable(),
})
export type TokenInfo = z.infer<typeof tokenInfo>

export const createTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  readOnly: z.boolean().default(false),
  expiresAt: instant.optional(),
  /** Admins (and the operator) may create a token for another member. */
  userEmail: email.optional(),
})
export type CreateTokenBody = z.input<typeof createTokenBody>
export const createdToken = tokenInfo.extend({ token: z.string() })

export const whoami = z.object({
  kind: z.enum(['operator', 'user']),
  email: z.string().nullable(),
  org: z.string().nullable(),
  role: role.nullable(),
  readOnly: z.boolean(),
  tokenId: z.string(),
})
export type Whoami = z.infer<typeof whoami>

export const auditEntry = z.object({
  id: z.string(),
  at: instant,
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  /** The request that made the change (its X-Request-Id). */
  requestId: z.string().nullable(),
  /** The bulk job entry this row belongs to. */
  jobId: z.string().nullable(),
  /** Place in the organization's hash chain, and this entry's hash (see `orgs audit verify`). */
  seq: z.number().int(),
  hash: z.string(),
})
export type AuditEntry = z.infer<typeof auditEntry>

export const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
  /** Actions starting with this (a literal prefix: `cloud` or `cloud.assign`). */
  action: z.string().max(100).optional(),
  /** Entries by this actor: an email, or `operator`. */
  actor: z.string().max(254).optional(),
  /** Entries about this target: the whole target, or one of its `/`-separated ends (an email, a key). */
  target: z.string().max(300).optional(),
  since: instant.optional(),
  /** Entries before this instant (exclusive). */
  until: instant.optional(),
})
