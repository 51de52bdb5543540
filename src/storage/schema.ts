import type { Generated, GeneratedAlways } from 'kysely'

/**
 * One Database type for both dialects. Instants are integer epoch milliseconds (bigint in
 * PostgreSQL, parsed back to number), booleans are 0/1 integers: the same values on both.
 */
export interface Database {
  meta: { key: string; value: string }
  organizations: {
    id: string
    slug: string
    name: string
    contact_email: string | null
    contact_phone: string | null
    contact_address: string | null
    perpetual_licenses: string // JSON array of strings
    time_zone: string
    device_preference: 'shortest' | 'longest'
    created_at: number
    updated_at: number
  }
  users: { id: string; email: string; name: string | null; created_at: number }
  memberships: { org_id: string; user_id: string; role: 'admin' | 'member'; created_at: number }
  tokens: {
    id: string
    token_hash: string
    prefix: string
    kind: 'operator' | 'user'
    user_id: string | null
    org_id: string | null
    name: string | null
    read_only: number
    created_at: number
    expires_at: number | null
    last_used_at: number | null
    revoked_at: number | null
  }
  audit_events: {
    id: string
    org_id: string | null
    actor: string
    action: string
    target: string
    before: string | null
    after: string | null
    created_at: number
    /** Place in the organization's hash chain (1, 2, …); see domain/audit-chain.ts. */
    seq: number
    prev_hash: string
    hash: string
    request_id: string | null
    /** The bulk job entry this row belongs to. */
    job_id: string | null
  }
  /** Each chain's last entry: what a writer locks and moves when it appends. */
  audit_heads: { chain: string; seq: number; hash: string }
  rate_limits: { key: string; window_start: number; count: number }
  idempotency_keys: {
    scope: string
    key: string
    request_hash: string
    status_code: number
    response_body: string
    created_at: number
  }
  seat_pools: {
    id: string
    org_id: string
    product: string
    seats: number
    used: number
    expires_at: number
    lease_ttl_seconds: number
    max_roaming_seconds: number | null
    created_at: number
    updated_at: number
    /** When an admin retired it, once expired and not renewed (`seats retire`); null while not. */
    retired_at: number | null
  }
  leases: {
    id: string
    pool_id: string
    user_id: string
    /** As first typed, for display. */
    host: string
    /** The host with A–Z folded (domain/host-name.ts), computed by the database: a user's leases of a pool are unique by it. */
    host_key: GeneratedAlways<string>
    started_at: number
    last_heartbeat_at: number
    roaming_until: number | null
  }
  /**
   * Leases released or checked in (their rows are gone): "already so" for a second release or
   * checkin. The lease as it was when it went (0014); NULL for leases released before that.
   */
  released_leases: {
    id: string
    pool_id: string
    released_at: number
    user_id: string | null
    host: string | null
    started_at: number | null
    last_heartbeat_at: number | null
    roaming_until: number | null
  }
  addon_pools: {
    id: string
    org_id: string
    key: string
    name: string
    total: number
    assigned: number
    expires_at: number
    created_at: number
    updated_at: number
    /** When an admin retired it, once expired and not renewed; null while not. */
    retired_at: number | null
  }
  addon_assignments: {
    addon_id: string
    user_id: string
    assigned_at: number
    assigned_by: string
  }
  device_categories: {
    id: string
    name: string
    description: string | null
    models: string
    created_at: number
  }
  device_keys: {
    id: string
    serial: string
    category_id: string
    term: '1y' | '3y' | '5y'
    term_days: number
    license_count: number
    org_id: string | null
    added_by: string | null
    added_at: number | null
    expires_at: number | null
    issued_at: number
  }
  devices: {
    id: string
    org_id: string
    serial: string
    name: string | null
    site: string | null
    model: string | null
    category_id: string
    license_start: string | null
    license_days: number
    created_at: number
    updated_at: number
  }
  device_licenses: {
    id: string
    name: string
    org_id: string
    category_id: string
    term: string
    days: number
    key_id: string | null
    key_count: number | null
    slot: number | null
    /** `retired`: lapsed in the pool (past its key's last day) and written off by an admin. */
    state: 'pool' | 'assigned' | 'spent' | 'retired'
    device_id: string | null
    assigned_at: number | null
    expires_at: number | null
    created_at: number
  }
  device_events: {
    id: string
    device_id: string
    kind: 'assign' | 'detach'
    day: string
    licenses: string
    days: number
    valid_until: string | null
    returned_days: number | null
    actor: string
    created_at: number
  }
  device_key_failures: { token_id: string; window_start: number; failures: number }
  /** What an organization bought of a product: seats split between its active IDs and free. */
  activation_entitlements: {
    id: string
    org_id: string
    product: string
    type: 'NL' | 'CC'
    seats: number
    allocated: number
    free: number
    expires_at: number
    created_at: number
    updated_at: number
    /** When an admin retired it, once expired and not renewed; null while not. */
    retired_at: number | null
  }
  activation_ids: {
    id: string
    org_id: string
    entitlement_id: string
    quantity: number
    used: number
    status: 'active' | 'inactive'
    expires_at: number
    created_at: number
    updated_at: number
    returned_at: number | null
  }
  /** A host holding seats of an ID; `quantity` mirrors the ID's (composite foreign key). */
  activation_hosts: {
    activation_id: string
    quantity: number
    /** As first typed, for display. */
    host: string
    /** The host with A–Z folded (domain/host-name.ts), computed by the database: an ID's hosts are unique by it. */
    host_key: GeneratedAlways<string>
    seats: number
    since: number
  }
  /** A host that gave its seats of an ID back (`activations deactivate`): deactivating again is already so. */
  activation_deactivations: {
    activation_id: string
    /** As first spelled. */
    host: string
    host_key: GeneratedAlways<string>
    /** When it first did. */
    deactivated_at: number
  }
  activation_orphans: {
    id: string
    org_id: string
    activation_id: string
    host: string
    host_key: GeneratedAlways<string>
    seats: number
    reason: 'return' | 'rehost'
    since: number
    cleared_at: number | null
  }
}

export type Dialect = 'sqlite' | 'postgres'
export type { Generated }
