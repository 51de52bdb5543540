/**
 * Every error code the API returns, its HTTP status and the CLI exit code it maps to.
 * One table, read by the server (status) and by the client (exit code, error class).
 *
 * This module stays free of zod: every command's error handling imports it, and zod costs a
 * command ~40 ms of start-up it may not need. The error body's schema is in error-body.ts.
 */
export const errorCatalog = {
  // 2: usage or input
  validation_failed: { status: 400, exit: 2 },
  bad_request: { status: 400, exit: 2 },
  payload_too_large: { status: 413, exit: 2 },
  unsupported_media_type: { status: 415, exit: 2 },
  idempotency_key_reused: { status: 422, exit: 2 },
  too_many_items: { status: 400, exit: 2 },
  /**
   * A path that exists, with a method it does not take (`api -X DELETE …/activations/ids`): the
   * request is what is wrong, as with a bad flag; the answer's Allow header lists the methods.
   */
  method_not_allowed: { status: 405, exit: 2 },
  /** `server init` on an initialized database: the database named is the problem, not a license rule. */
  already_initialized: { status: 409, exit: 2 },
  // 3: refused by the license rules
  already_exists: { status: 409, exit: 3 },
  last_admin: { status: 409, exit: 3 },
  /** An admin removing themselves: their own tokens would go with them, mid-job. */
  cannot_remove_self: { status: 409, exit: 3 },
  /** A bulk add demoting the admin running it: the rest of the job would be refused. */
  cannot_demote_self: { status: 409, exit: 3 },
  not_a_member: { status: 409, exit: 3 },
  no_free_seat: { status: 409, exit: 3 },
  pool_expired: { status: 409, exit: 3 },
  roaming_not_allowed: { status: 409, exit: 3 },
  lease_roaming: { status: 409, exit: 3 },
  lease_active: { status: 409, exit: 3 },
  no_free_license: { status: 409, exit: 3 },
  cloud_license_required: { status: 409, exit: 3 },
  total_below_assigned: { status: 409, exit: 3 },
  rule_violation: { status: 409, exit: 3 },
  /** A device license key that is not one of this server's (forged, altered or unknown). */
  invalid_key: { status: 409, exit: 3 },
  key_already_added: { status: 409, exit: 3 },
  terms_not_accepted: { status: 409, exit: 3 },
  wrong_category: { status: 409, exit: 3 },
  license_assigned: { status: 409, exit: 3 },
  license_expired: { status: 409, exit: 3 },
  /** A device license used up by a detach: its remaining days went back as a returned license. */
  license_used_up: { status: 409, exit: 3 },
  /** Retiring a key whose licenses can still be assigned (no last day, or not past it). */
  key_not_expired: { status: 409, exit: 3 },
  /** Retiring a seat pool, an add-on pool or an entitlement that has not expired (it can still be used). */
  not_expired: { status: 409, exit: 3 },
  // activation IDs
  activation_inactive: { status: 409, exit: 3 },
  activation_expired: { status: 409, exit: 3 },
  quantity_exceeded: { status: 409, exit: 3 },
  nl_one_seat: { status: 409, exit: 3 },
  entitlement_exhausted: { status: 409, exit: 3 },
  entitlement_expired: { status: 409, exit: 3 },
  return_not_supported: { status: 409, exit: 3 },
  hosts_would_be_orphaned: { status: 409, exit: 3 },
  split_exceeds_unused: { status: 409, exit: 3 },
  /** A retry of a request that created a secret (a token): secrets are shown once and never stored. */
  secret_not_replayable: { status: 409, exit: 3 },
  idempotency_in_progress: { status: 409, exit: 1 },
  // 4: not authenticated or not allowed
  unauthenticated: { status: 401, exit: 4 },
  forbidden: { status: 403, exit: 4 },
  not_admin: { status: 403, exit: 4 },
  read_only_token: { status: 403, exit: 4 },
  wrong_organization: { status: 403, exit: 4 },
  // 5: not found
  not_found: { status: 404, exit: 5 },
  // 1: unexpected
  rate_limited: { status: 429, exit: 1 },
  unavailable: { status: 503, exit: 1 },
  /** Concurrent changes kept colliding (deadlock, serialization failure, busy database): retry. */
  contention: { status: 503, exit: 1 },
  internal: { status: 500, exit: 1 },
} as const satisfies Record<string, { status: number; exit: number }>

export type ErrorCode = keyof typeof errorCatalog

/** Exit code for a known error code, else derived from the HTTP status. */
export function exitCodeFor(code: string | undefined, status: number): number {
  if (code && code in errorCatalog) return errorCatalog[code as ErrorCode].exit
  if (status === 400 || status === 405 || status === 413 || status === 415 || status === 422) return 2
  if (status === 401 || status === 403) return 4
  if (status === 404) return 5
  if (status === 409) return 3
  return 1
}
