import * as z from 'zod'
import { bulkRequest } from './bulk.js'
import {
  email,
  expiryInput,
  instant,
  orgParams,
  page,
  pageQuery,
  slug,
  wholeNumber,
  withoutControls,
  withoutHiddenCharacters,
} from './common.js'
import { defineEndpoints } from './endpoint.js'

export const product = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, dots, dashes and underscores')

/** yes: a seat is held on a desktop; roaming: only borrowed offline; no: nobody holds one. */
export const usage = z.enum(['yes', 'roaming', 'no'])
export type Usage = z.infer<typeof usage>
export const leaseState = z.enum(['active', 'stale', 'roaming'])
export type LeaseState = z.infer<typeof leaseState>

export const seatPool = z.object({
  product,
  seats: z.number().int(),
  inUse: z.number().int(),
  roaming: z.number().int(),
  stale: z.number().int(),
  /** What a checkout can get: seats - inUse, and 0 once expired (expired pools refuse checkout). */
  free: z.number().int(),
  expiresAt: instant,
  /** The last calendar day the subscription covers, in the organization's time zone. */
  validThrough: z.iso.date(),
  expired: z.boolean(),
  /** When an admin retired it, expired and not renewed (it no longer fails `expiry check`); null while not. */
  retiredAt: instant.nullable(),
  leaseTtlSeconds: z.number().int(),
  maxRoamingSeconds: z.number().int().nullable(),
  usage,
})
export type SeatPool = z.infer<typeof seatPool>
/** A pool as retired: `changed` is false when it was retired before (already so). */
export const retiredSeatPool = seatPool.extend({ changed: z.boolean() })
export type RetiredSeatPool = z.infer<typeof retiredSeatPool>

/** A lease TTL or a roaming limit: a TTL of seconds serves demos and tests; a year bounds typos. */
export const leaseSeconds = z.number().int().min(1).max(31_536_000)

/** How long a lease has been idle: up to 100 years (36500 days), far past any lease's life. */
const IDLE_MAX_SECONDS = 36_500 * 86_400

/** The most seats a pool holds: what one provisioning may give, and what updates may grow it to. */
export const MAX_POOL_SEATS = 1_000_000

export const provisionPoolBody = z.strictObject({
  product,
  seats: z.number().int().min(1).max(MAX_POOL_SEATS),
  expires: expiryInput,
  leaseTtlSeconds: leaseSeconds.default(900),
  maxRoamingSeconds: leaseSeconds.nullable().optional(),
})
export type ProvisionPoolBody = z.input<typeof provisionPoolBody>

export const updatePoolBody = z
  .strictObject({
    addSeats: z.number().int().min(1).max(MAX_POOL_SEATS).optional(),
    expires: expiryInput.optional(),
    leaseTtlSeconds: leaseSeconds.optional(),
    maxRoamingSeconds: leaseSeconds.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to update')
export type UpdatePoolBody = z.input<typeof updatePoolBody>

/**
 * Lease ids are made by newId('ls'): checked here so a typo is a usage error, not a lookup. Their
 * letters are Crockford base32, which ignores case: an id read off a ticket or a log in capitals
 * (`LS_06H4…`) is the same lease, as activation IDs are.
 */
export const leaseId = z
  .string()
  .toLowerCase()
  .regex(/^ls_[0-9a-z]{20,40}$/, 'not a lease id (ls_ followed by 26 letters and digits)')

export const lease = z.object({
  id: z.string(),
  product,
  user: z.string(),
  host: z.string(),
  startedAt: instant,
  lastHeartbeatAt: instant,
  roamingUntil: instant.nullable(),
  state: leaseState,
  idleSeconds: z.number().int(),
})
export type Lease = z.infer<typeof lease>

/**
 * A host already stored may predate the host-name rule below: finding one (deactivate, rehost
 * --from, orphans) takes any plain text as it was before invisible characters were refused, so no
 * stored host becomes unreachable.
 */
export const hostRef = z.string().trim().min(1).max(255).check(withoutControls)
/**
 * A host given a seat or an activation: a DNS-style name (RFC 1123, with `_` as Windows machine
 * names have it), ASCII only, so no invisible or look-alike character (a zero-width space, a
 * Kelvin sign for K, a space) makes a host that is shown as another and cannot be found by it.
 * Taken as typed: a space before or after it is refused, not trimmed (a host is an identifier, and
 * `ws-1 ` from a script is a mistake to show, not a name to change silently).
 */
export const host = z
  .string()
  .refine((s) => s.trim() === s, {
    message: 'starts or ends with a space: host names are taken as typed',
    abort: true,
  })
  .check(withoutHiddenCharacters)
  .min(1)
  .max(253)
  .regex(
    /^[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$/,
    'not a host name: ASCII letters, digits, "-", "." and "_" only, starting and ending with a letter, digit or "_"',
  )

export const checkoutBody = z.strictObject({
  host,
  /** Admins and the operator may check out on behalf of a member (support, scripting). */
  user: email.optional(),
  /** A date (roaming through that day in the organization's time zone) or an instant, as `expires`. */
  roamUntil: expiryInput.optional(),
})
export type CheckoutBody = z.input<typeof checkoutBody>
export const checkoutResponse = lease.extend({ reused: z.boolean() })
/**
 * The lease as it was checked in. `changed` is false when it had already gone (checked in, or
 * released by an admin) before this call: the same document, the seat not freed twice.
 */
export const checkinResponse = lease.extend({ changed: z.boolean() })
export type CheckinResponse = z.infer<typeof checkinResponse>

export const productParams = z.strictObject({ org: slug, product })
export const leaseParams = z.strictObject({ org: slug, id: leaseId })

// Every list is a cursor page (`limit`, `cursor` → `items`, `nextCursor`), in a stable order.
export const poolsQuery = pageQuery
/** Leases by product, then in the order they started. */
export const leasesQuery = pageQuery.extend({
  product: product.optional(),
  state: leaseState.optional(),
  user: email.optional(),
})
export type LeasesQuery = z.infer<typeof leasesQuery>

/** Stale leases, oldest heartbeat first. */
export const stuckQuery = pageQuery.extend({
  product: product.optional(),
  /** Idle longer than this many seconds; default: each pool's lease TTL. */
  idleSeconds: wholeNumber(z.number().int().min(1).max(IDLE_MAX_SECONDS)).optional(),
})
export type StuckQuery = z.infer<typeof stuckQuery>

/** Members by email. */
export const usageQuery = pageQuery

export const userUsage = z.object({
  email: z.string(),
  name: z.string().nullable(),
  usage,
  leases: z.number().int(),
  products: z.array(z.string()),
})
export type UserUsage = z.infer<typeof userUsage>

/** One release target: a lease by id, or every lease of a user. */
export const releaseItem = z.union([z.strictObject({ lease: leaseId }), z.strictObject({ user: email })])
export type ReleaseItem = z.infer<typeof releaseItem>

/** Flags of a release that apply to every row. */
export const releaseOptions = z.strictObject({
  /** Roaming leases are borrowed for offline use: released only when asked for. */
  includeRoaming: z.boolean().default(false),
  /** Release leases with a recent heartbeat too (the CLI asks first). */
  force: z.boolean().default(false),
  /**
   * A heartbeat younger than this many seconds makes a lease look in use (needs force); default: the
   * pool's lease TTL. `seats release --stale --idle 2h` sends 7200, so a lease that has come back to
   * life since it was listed is left alone rather than released.
   */
  idleSeconds: z.number().int().min(1).max(IDLE_MAX_SECONDS).optional(),
})
export type ReleaseOptions = z.input<typeof releaseOptions>

export const releaseBody = bulkRequest(releaseItem, releaseOptions)
export type ReleaseBody = z.infer<typeof releaseBody>

export const seatsEndpoints = defineEndpoints('seats', {
  pools: {
    method: 'GET',
    path: '/orgs/{org}/seats/pools',
    summary: 'List seat pools with seats in use, roaming, free and usage',
    access: 'member',
    params: orgParams,
    query: poolsQuery,
    responses: { 200: page(seatPool) },
  },
  provision: {
    method: 'POST',
    path: '/orgs/{org}/seats/pools',
    summary: 'Provision a seat pool (operator)',
    access: 'operator',
    mutation: true,
    params: orgParams,
    body: provisionPoolBody,
    responses: { 201: seatPool },
  },
  update: {
    method: 'PATCH',
    path: '/orgs/{org}/seats/pools/{product}',
    summary: 'Add seats or change the expiration, TTL or roaming limit (operator)',
    access: 'operator',
    mutation: true,
    params: productParams,
    body: updatePoolBody,
    responses: { 200: seatPool },
  },
  retire: {
    method: 'POST',
    path: '/orgs/{org}/seats/pools/{product}/retire',
    summary:
      'Retire an expired pool the organization does not renew: it leaves the expiry check, its history stays (admins)',
    access: 'admin',
    mutation: true,
    params: productParams,
    responses: { 200: retiredSeatPool },
  },
  checkout: {
    method: 'POST',
    path: '/orgs/{org}/seats/pools/{product}/checkout',
    summary: 'Check a seat out (the same user and host get their lease back)',
    access: 'member',
    mutation: true,
    params: productParams,
    body: checkoutBody,
    responses: { 200: checkoutResponse },
  },
  heartbeat: {
    method: 'POST',
    path: '/orgs/{org}/seats/leases/{id}/heartbeat',
    summary: 'Keep a lease alive',
    access: 'member',
    mutation: true,
    idempotent: true,
    params: leaseParams,
    responses: { 200: lease },
  },
  checkin: {
    method: 'POST',
    path: '/orgs/{org}/seats/leases/{id}/checkin',
    summary: 'Check a seat back in (again: changed false, for the lease’s own user and admins)',
    access: 'member',
    mutation: true,
    params: leaseParams,
    responses: { 200: checkinResponse },
  },
  leases: {
    method: 'GET',
    path: '/orgs/{org}/seats/leases',
    summary: 'List leases with their state (admins)',
    access: 'admin',
    params: orgParams,
    query: leasesQuery,
    responses: { 200: page(lease) },
  },
  stuck: {
    method: 'GET',
    path: '/orgs/{org}/seats/stuck',
    summary: 'Stale leases, oldest heartbeat first (admins)',
    access: 'admin',
    params: orgParams,
    query: stuckQuery,
    responses: { 200: page(lease) },
  },
  usage: {
    method: 'GET',
    path: '/orgs/{org}/seats/usage',
    summary: 'Per member: whether they use a seat (yes, roaming, no)',
    access: 'admin',
    params: orgParams,
    query: usageQuery,
    responses: { 200: page(userUsage) },
  },
  release: {
    method: 'POST',
    path: '/orgs/{org}/seats/releases',
    summary: 'Release leases by id or by user (bulk, up to 1,000; dryRun plans only)',
    access: 'admin',
    mutation: true,
    params: orgParams,
    bulk: { item: releaseItem, options: releaseOptions },
  },
})
