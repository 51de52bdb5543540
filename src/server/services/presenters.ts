import type { AuditEntry, Organization } from '../../contract/orgs.js'
import type { TokenInfo } from '../../contract/tokens.js'
import type { Member } from '../../contract/users.js'
import { toIso, toIsoOrNull } from '../../domain/clock.js'
import { isObject } from '../../domain/json-object.js'
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
    at: auditTime(row.created_at),
    actor: row.actor,
    action: row.action,
    target: row.target,
    before: auditState(row.before),
    after: auditState(row.after),
    requestId: row.request_id,
    jobId: row.job_id,
    // Null for a row inserted around the server: `orgs audit verify` names it, and it must still
    // be listed and shown, not fail the whole page.
    seq: (row.seq as number | null) ?? null,
    hash: (row.hash as string | null) ?? null,
  }
}

/**
 * An entry's time as stored: the server writes epoch milliseconds, but on SQLite a row edited around
 * it (the entry `orgs audit verify` names as altered) may hold text such as `yesterday`. Null then,
 * so that the page holding it is still listed. (PostgreSQL's bigint column refuses such a value.)
 */
function auditTime(stored: unknown): string | null {
  return typeof stored === 'number' && Number.isFinite(stored) ? toIso(stored) : null
}

/**
 * An entry's before or after as stored: the server writes JSON objects, but a row edited around it
 * (the entry `orgs audit verify` names) may hold anything. Shown as the text it holds, under
 * `unreadable`, so that the log stays readable where it matters most.
 */
function auditState(stored: string | null): Record<string, unknown> | null {
  if (stored === null) return null
  try {
    const value: unknown = JSON.parse(stored)
    if (isObject(value)) return value
  } catch {
    // Not JSON: shown as it is below.
  }
  return { unreadable: stored }
}
