import * as z from 'zod'
import { hostKey } from '../domain/host-name.js'
import { expiryInput, instant, orgParams, page, pageQuery, slug } from './common.js'
import { defineEndpoints } from './endpoint.js'
import { host, hostRef, product, productParams } from './seats.js'

/** NL: node-locked, one seat per host. CC: concurrent, a license-server host takes n seats. */
export const activationType = z.enum(['NL', 'CC'])
export type ActivationType = z.infer<typeof activationType>
export const activationStatus = z.enum(['active', 'inactive'])

/**
 * Activation IDs are made by newId('act'): checked here so a typo is a usage error, not a lookup.
 * Their letters are Crockford base32, which ignores case: an ID read off a label or a ticket in
 * capitals (`ACT_06H4…`) is the same ID, as its lowercase spelling.
 */
export const activationId = z
  .string()
  .toLowerCase()
  .regex(/^act_[0-9a-z]{20,40}$/, 'not an activation ID (act_ followed by 26 letters and digits)')

/** The most seats an entitlement holds: provisioned at once, or grown to with `update --add-seats`. */
export const MAX_ENTITLEMENT_SEATS = 1_000_000
const seatCount = z.number().int().min(1).max(MAX_ENTITLEMENT_SEATS)

export const provisionEntitlementBody = z.strictObject({
  product,
  type: activationType,
  seats: seatCount,
  expires: expiryInput,
})
export type ProvisionEntitlementBody = z.input<typeof provisionEntitlementBody>

/** Renewing or growing an entitlement (operator): a new expiration (its IDs follow), more seats. */
export const updateEntitlementBody = z
  .strictObject({ expires: expiryInput.optional(), addSeats: seatCount.optional() })
  .refine((b) => b.expires !== undefined || b.addSeats !== undefined, 'nothing to update')
export type UpdateEntitlementBody = z.input<typeof updateEntitlementBody>

/** What the organization bought of a product: seats = inIds (active IDs' quantities) + free. */
export const activationEntitlement = z.object({
  product: z.string(),
  type: activationType,
  seats: z.number().int(),
  inIds: z.number().int(),
  free: z.number().int(),
  expiresAt: instant,
  validThrough: z.iso.date(),
  expired: z.boolean(),
  /** When an admin retired it, expired and not renewed (it no longer fails `expiry check`); null while not. */
  retiredAt: instant.nullable(),
  createdAt: instant,
  updatedAt: instant,
})
export type ActivationEntitlement = z.infer<typeof activationEntitlement>
/**
 * An entitlement as retired (`changed` false when it was retired before: already so). Its activation
 * IDs expired with it and are out of the check while it is retired: `ids` are those still active
 * (not returned).
 */
export const retiredEntitlement = activationEntitlement.extend({
  changed: z.boolean(),
  ids: z.array(z.string()),
})
export type RetiredEntitlement = z.infer<typeof retiredEntitlement>

export const generateBody = z.strictObject({ product, quantity: seatCount })
export type GenerateBody = z.input<typeof generateBody>

/** One activation ID: its quantity, the seats its hosts hold (used) and the rest (free; none once returned). */
export const activationSummary = z.object({
  id: z.string(),
  product: z.string(),
  type: activationType,
  quantity: z.number().int(),
  used: z.number().int(),
  free: z.number().int(),
  status: activationStatus,
  expiresAt: instant,
  validThrough: z.iso.date(),
  expired: z.boolean(),
  createdAt: instant,
  returnedAt: instant.nullable(),
})
export type ActivationSummary = z.infer<typeof activationSummary>

export const hostActivation = z.object({ host: z.string(), seats: z.number().int(), since: instant })
export type HostActivation = z.infer<typeof hostActivation>

/** A host left holding a copy of an ID that no longer counts: harmless, useless, to be cleaned off. */
export const orphan = z.object({
  host: z.string(),
  id: z.string(),
  product: z.string(),
  seats: z.number().int(),
  /** How it became an orphan: the ID was returned on the portal, or rehosted off this host. */
  reason: z.enum(['return', 'rehost']),
  since: instant,
  clearedAt: instant.nullable(),
})
export type Orphan = z.infer<typeof orphan>

export const activationDetail = activationSummary.extend({
  hosts: z.array(hostActivation),
  orphans: z.array(orphan),
})
export type ActivationDetail = z.infer<typeof activationDetail>

export const activationsQuery = pageQuery.extend({
  product: product.optional(),
  status: activationStatus.optional(),
})
export type ActivationsQuery = z.infer<typeof activationsQuery>

export const activateBody = z.strictObject({ host, seats: seatCount.optional() })
export type ActivateBody = z.input<typeof activateBody>
export const activateResponse = z.object({
  id: z.string(),
  product: z.string(),
  type: activationType,
  host: z.string(),
  /** The seats this host holds now. */
  seats: z.number().int(),
  since: instant,
  /** False when a node-locked host already held the ID. */
  changed: z.boolean(),
  used: z.number().int(),
  quantity: z.number().int(),
})
export type ActivateResponse = z.infer<typeof activateResponse>

export const deactivateBody = z.strictObject({ host: hostRef })
export const deactivateResponse = z.object({
  id: z.string(),
  host: z.string(),
  /** Seats the host gave back. */
  seats: z.number().int(),
  used: z.number().int(),
  quantity: z.number().int(),
  /** False when the host had given its seats back before (already so). */
  changed: z.boolean(),
  /** The host held no seat but an orphaned copy, now recorded as cleaned off. */
  orphanCleaned: z.boolean(),
})
export type DeactivateResponse = z.infer<typeof deactivateResponse>

export const returnBody = z.strictObject({ force: z.boolean().default(false) })
export type ReturnBody = z.input<typeof returnBody>
export const returnResponse = z.object({
  id: z.string(),
  product: z.string(),
  status: z.literal('inactive'),
  /** Seats given back to the entitlement. */
  quantity: z.number().int(),
  entitlementFree: z.number().int(),
  orphaned: z.array(orphan),
})
export type ReturnResponse = z.infer<typeof returnResponse>

export const rehostBody = z
  .strictObject({ from: hostRef, to: host })
  .refine((b) => hostKey(b.from) !== hostKey(b.to), {
    message: 'from and to are the same host (host names ignore case)',
    path: ['to'],
  })
export type RehostBody = z.input<typeof rehostBody>
export const rehostResponse = z.object({
  id: z.string(),
  from: z.string(),
  to: z.string(),
  /** The seats the new host holds now. */
  seats: z.number().int(),
  orphan,
})
export type RehostResponse = z.infer<typeof rehostResponse>

export const splitBody = z.strictObject({ quantity: seatCount })
export type SplitBody = z.input<typeof splitBody>
/** `id` is the new ID; `from` the ID split, `to` the new one. */
export const splitResponse = z.object({ id: z.string(), from: activationSummary, to: activationSummary })
export type SplitResponse = z.infer<typeof splitResponse>

export const resizeBody = z.strictObject({
  quantity: seatCount,
  force: z.boolean().default(false),
  dryRun: z.boolean().default(false),
})
export type ResizeBody = z.input<typeof resizeBody>

/** The safe order: deactivate on the hosts, then return on the portal, then generate. */
export const resizeStep = z.discriminatedUnion('action', [
  z.object({ action: z.literal('deactivate'), id: z.string(), host: z.string(), seats: z.number().int() }),
  z.object({ action: z.literal('return'), id: z.string(), seats: z.number().int() }),
  z.object({ action: z.literal('generate'), product: z.string(), quantity: z.number().int() }),
])
export type ResizeStep = z.infer<typeof resizeStep>
export const resizePlan = z.object({
  id: z.string(),
  product: z.string(),
  from: z.number().int(),
  to: z.number().int(),
  /** Hosts still holding the ID: each would be orphaned if the return came before its deactivation. */
  hosts: z.array(hostActivation),
  steps: z.array(resizeStep),
  entitlementFree: z.number().int(),
})
export type ResizePlan = z.infer<typeof resizePlan>
export const resizeResponse = z.object({
  /** Carried out (false for a dry run). */
  applied: z.boolean(),
  /**
   * False when the ID already has that quantity: nothing is done (nothing would be, in a dry run) and
   * `plan.steps` is empty. True when it changes (would change, in a dry run).
   */
  changed: z.boolean(),
  plan: resizePlan,
  /** Once applied, the ID of the new quantity: the new one, or the same one when it already had it. */
  id: z.string().nullable(),
  generated: activationSummary.nullable(),
  orphaned: z.array(orphan),
})
export type ResizeResponse = z.infer<typeof resizeResponse>

export const orphansQuery = pageQuery.extend({
  host: hostRef.optional(),
  /** Include orphans already recorded as cleaned off their host. */
  all: z.stringbool().default(false),
})
export type OrphansQuery = z.infer<typeof orphansQuery>
export const clearOrphansBody = z.strictObject({ host: hostRef, id: activationId.optional() })
export type ClearOrphansBody = z.input<typeof clearOrphansBody>
export const clearOrphansResponse = z.object({
  /** The host as first typed. */
  host: z.string(),
  cleared: z.array(orphan),
  /** False when the host's orphans were all recorded as cleaned before: nothing left to clear. */
  changed: z.boolean(),
})
export type ClearOrphansResponse = z.infer<typeof clearOrphansResponse>

export const activationParams = z.strictObject({ org: slug, id: activationId })

export const activationEndpoints = defineEndpoints('activations', {
  provision: {
    method: 'POST',
    path: '/orgs/{org}/activations/entitlements',
    summary: 'Record what the organization bought of a product: NL or CC, seats, expiration (operator)',
    access: 'operator',
    mutation: true,
    params: orgParams,
    body: provisionEntitlementBody,
    responses: { 201: activationEntitlement },
  },
  update: {
    method: 'PATCH',
    path: '/orgs/{org}/activations/entitlements/{product}',
    summary: 'Renew an entitlement (its IDs expire with it) or add seats to it (operator)',
    access: 'operator',
    mutation: true,
    params: productParams,
    body: updateEntitlementBody,
    responses: { 200: activationEntitlement },
  },
  retire: {
    method: 'POST',
    path: '/orgs/{org}/activations/entitlements/{product}/retire',
    summary:
      'Retire an expired entitlement the organization does not renew: it and its activation IDs leave the expiry check, their history stays (admins)',
    access: 'admin',
    mutation: true,
    params: productParams,
    responses: { 200: retiredEntitlement },
  },
  entitlements: {
    method: 'GET',
    path: '/orgs/{org}/activations/entitlements',
    summary: 'Entitlements per product: seats, seats in active IDs, free',
    access: 'member',
    params: orgParams,
    query: pageQuery,
    responses: { 200: page(activationEntitlement) },
  },
  generate: {
    method: 'POST',
    path: '/orgs/{org}/activations/ids',
    summary: 'Generate an activation ID from the entitlement’s free seats (admins)',
    access: 'admin',
    mutation: true,
    params: orgParams,
    body: generateBody,
    responses: { 201: activationSummary },
  },
  list: {
    method: 'GET',
    path: '/orgs/{org}/activations/ids',
    summary: 'Activation IDs: product, type, quantity, seats in use, free, status, expiration',
    access: 'member',
    params: orgParams,
    query: activationsQuery,
    responses: { 200: page(activationSummary) },
  },
  show: {
    method: 'GET',
    path: '/orgs/{org}/activations/ids/{id}',
    summary: 'One activation ID with its hosts (seats, since when) and its orphans',
    access: 'member',
    params: activationParams,
    responses: { 200: activationDetail },
  },
  activate: {
    method: 'POST',
    path: '/orgs/{org}/activations/ids/{id}/activate',
    summary: 'Activate an ID on a host (NL: one seat; CC: n seats); refused past the quantity',
    access: 'member',
    mutation: true,
    params: activationParams,
    body: activateBody,
    responses: { 200: activateResponse },
  },
  deactivate: {
    method: 'POST',
    path: '/orgs/{org}/activations/ids/{id}/deactivate',
    summary: 'Client-side return: the host gives its seats back; the ID stays valid',
    access: 'member',
    mutation: true,
    params: activationParams,
    body: deactivateBody,
    responses: { 200: deactivateResponse },
  },
  return: {
    method: 'POST',
    path: '/orgs/{org}/activations/ids/{id}/return',
    summary:
      'Portal return (CC only): the ID goes inactive, its seats back to the entitlement; refused while hosts hold it unless forced (admins)',
    access: 'admin',
    mutation: true,
    params: activationParams,
    body: returnBody,
    responses: { 200: returnResponse },
  },
  rehost: {
    method: 'POST',
    path: '/orgs/{org}/activations/ids/{id}/rehost',
    summary: 'Move an activation off a dead host; the old host’s copy becomes an orphan (admins)',
    access: 'admin',
    mutation: true,
    params: activationParams,
    body: rehostBody,
    responses: { 200: rehostResponse },
  },
  split: {
    method: 'POST',
    path: '/orgs/{org}/activations/ids/{id}/split',
    summary: 'Move n unused seats of an ID to a new ID (admins)',
    access: 'admin',
    mutation: true,
    params: activationParams,
    body: splitBody,
    responses: { 201: splitResponse },
  },
  resize: {
    method: 'POST',
    path: '/orgs/{org}/activations/ids/{id}/resize',
    summary:
      'Change an ID’s quantity in the safe order (deactivate, return, generate); refused while hosts hold it unless forced (admins)',
    access: 'admin',
    mutation: true,
    dryRun: true,
    params: activationParams,
    body: resizeBody,
    responses: { 200: resizeResponse },
  },
  orphans: {
    method: 'GET',
    path: '/orgs/{org}/activations/orphans',
    summary: 'Orphaned activations by host and ID, to clean off the machines',
    access: 'member',
    params: orgParams,
    query: orphansQuery,
    responses: { 200: page(orphan) },
  },
  clearOrphans: {
    method: 'POST',
    path: '/orgs/{org}/activations/orphans/clear',
    summary: 'Record that a host was cleaned of its orphaned activations (admins)',
    access: 'admin',
    mutation: true,
    params: orgParams,
    body: clearOrphansBody,
    responses: { 200: clearOrphansResponse },
  },
})
