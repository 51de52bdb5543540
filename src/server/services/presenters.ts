import type { AuditEntry, Organization } from '../../contract/orgs.js'
import type { TokenInfo } from '../../contract/tokens.js'
import type { Member } from '../../contract/users.js'
import { toIso, toIsoOrNull } from '../../domain/clock.js'
import type { Database } from '../../storage/schema.js'

/** Storage rows → wire shapes (camelCase, ISO-8601 UTC). */
export function presentOrg(row: Database['organizations']): Organization {
  return {
    slug: row.slug,
    name: row.name,
    contactEmail: row.contact_email,
    contactPhone: row.contact_phone,
    contactAddress: row.contact_address,
    perpetualLicenses: JSON.parse(row.perpetual_licenses) as string[],
    timeZone: row.time_zone,
    devicePreference: row.device_preference,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  }
}

export function presentMember(row: {
  email: string
  name: string | null
  role: 'admin' | 'member'
  created_at: number
}): Member {
  return { email: row.email, name: row.name, role: row.role, joinedAt: toIso(row.created_at) }
}

/** A token as listed; `now` decides whether it has expired. */
export function presentToken(row: Database['tokens'], userEmail: string | null, now: number): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    userEmail,
    readOnly: row.read_only === 1,
    createdAt: toIso(row.created_at),
    expiresAt: toIsoOrNull(row.expires_at),
    lastUsedAt: toIsoOrNull(row.last_used_at),
    state:
      row.revoked_at !== null
        ? 'revoked'
        : row.expires_at !== null && row.expires_at <= now
          ? 'expired'
          : 'live',
    revokedAt: toIsoOrNull(row.revoked_at),
  }
}

export function presentAudit(row: Database['audit_events']): AuditEntry {
  return {
    id: row.id,
    at: toIso(row.created_at),
    actor: row.actor,
    action: row.action,
    target: row.target,
    before: row.before === null ? null : (JSON.parse(row.before) as Record<string, unknown>),
    after: row.after === null ? null : (JSON.parse(row.after) as Record<string, unknown>),
    requestId: row.request_id,
    jobId: row.job_id,
    seq: row.seq,
    hash: row.hash,
  }
}
