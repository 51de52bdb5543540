import { z } from 'zod'
import { expiryInput, instant, pageQuery, slug } from './common.js'
import { host, product } from './seats.js'

/** NL: node-locked, one seat per host. CC: concurrent, a license-server host takes n seats. */
export const activationType = z.enum(['NL', 'CC'])
export type ActivationType = z.infer<typeof activationType>
export const activationStatus = z.enum(['active', 'inactive'])

/** Activation IDs are made by newId('act'): checked here so a typo is a usage error, not a lookup. */
export const activationId = z
  .string()
  .regex(/^act_[0-9a-z]{20,40}$/, 'not an activation ID (act_ followed by 26 letters and digits)')

const seatCount = z.number().int().min(1).max(1_000_000)

export const provisionEntitlementBody = z.strictObject({
  product,
  type: activationType,
  seats: seatCount,
  expires: expiryInput,
})
export type ProvisionEntitlementBody = z.input<typeof provisionEntitlementBody>

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
  createdAt: instant,
  updatedAt: instant,
})
export type ActivationEntitlement = z.infer<typeof activationEntitlement>

export const generateBody = z.strictObject({ product, quantity: seatCount })
export type GenerateBody = z.input<typeof generateBody>

/** One activation ID: its quantity, the seats its hosts hold (used) and the rest (free). */
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

export const deactivateBody = z.strictObject({ host })
export const deactivateResponse = z.object({
  id: z.string(),
  host: z.string(),
  /** Seats the host gave back. */
  seats: z.number().int(),
  used: z.number().int(),
  quantity: z.number().int(),
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
  .strictObject({ from: host, to: host })
  .refine((b) => b.from !== b.to, { message: 'from and to are the same host', path: ['to'] })
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
  applied: z.boolean(),
  plan: resizePlan,
  /** The new ID, once applied. */
  id: z.string().nullable(),
  generated: activationSummary.nullable(),
  orphaned: z.array(orphan),
})
export type ResizeResponse = z.infer<typeof resizeResponse>

export const orphansQuery = pageQuery.extend({
  host: host.optional(),
  /** Include orphans already recorded as cleaned off their host. */
  all: z.stringbool().default(false),
})
export type OrphansQuery = z.infer<typeof orphansQuery>
export const clearOrphansBody = z.strictObject({ host, id: activationId.optional() })
export type ClearOrphansBody = z.input<typeof clearOrphansBody>
export const clearOrphansResponse = z.object({ host: z.string(), cleared: z.array(orphan) })
export type ClearOrphansResponse = z.infer<typeof clearOrphansResponse>

export const activationParams = z.strictObject({ org: slug, id: activationId })
