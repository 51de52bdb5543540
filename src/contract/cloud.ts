import * as z from 'zod'
import { email, expiryInput, instant, orgParams, page, pageQuery, plainText, slug } from './common.js'
import { defineEndpoints } from './endpoint.js'

/** An add-on's key, e.g. `cloud-processing`: what admins type and scripts name. */
export const addonKey = z
  .string()
  .min(2)
  .max(80)
  .regex(/^[a-z0-9]+(?:[-_.][a-z0-9]+)*$/, 'lowercase letters and digits, separated by - _ or .')

/** The display name people see, e.g. `Cloud Processing` (the check's message is built from it). */
export const addonName = plainText(120)

export const addonPool = z.object({
  key: z.string(),
  name: z.string(),
  total: z.number().int(),
  assigned: z.number().int(),
  /** What an assignment can get: total - assigned, and 0 once expired (expired add-ons refuse it). */
  free: z.number().int(),
  /** The first instant it no longer covers. */
  expiresAt: instant,
  /** The last calendar day it covers, in the organization's time zone. */
  validThrough: z.iso.date(),
  expired: z.boolean(),
  /** When an admin retired it, expired and not renewed (it no longer fails `expiry check`); null while not. */
  retiredAt: instant.nullable(),
  createdAt: instant,
  updatedAt: instant,
})
export type AddonPool = z.infer<typeof addonPool>
/** An add-on pool as retired: `changed` is false when it was retired before (already so). */
export const retiredAddonPool = addonPool.extend({ changed: z.boolean() })
export type RetiredAddonPool = z.infer<typeof retiredAddonPool>

export const provisionAddonBody = z.strictObject({
  key: addonKey,
  name: addonName,
  total: z.number().int().min(1).max(1_000_000),
  expires: expiryInput,
})
export type ProvisionAddonBody = z.input<typeof provisionAddonBody>

/** Total is the new absolute number of user licenses: never below those assigned. */
export const updateAddonBody = z
  .strictObject({
    name: addonName.optional(),
    total: z.number().int().min(0).max(1_000_000).optional(),
    expires: expiryInput.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to update')
export type UpdateAddonBody = z.input<typeof updateAddonBody>

export const addonParams = z.strictObject({ org: slug, addon: addonKey })

export const addonAssignment = z.object({
  addon: z.string(),
  addonName: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  assignedAt: instant,
  assignedBy: z.string(),
})
export type AddonAssignment = z.infer<typeof addonAssignment>

export const assignmentsQuery = pageQuery.extend({
  addon: addonKey.optional(),
  user: email.optional(),
})
export type AssignmentsQuery = z.infer<typeof assignmentsQuery>

/** One row of a bulk assign or revoke: the user, by email. */
export const addonItem = z.strictObject({ email })
export type AddonItem = z.infer<typeof addonItem>

/** Whom to check: defaults to the caller (a member checks themself; admins may name anyone). */
export const checkQuery = z.strictObject({ user: email.optional() })

/** A passed entitlement check. A failed one is the error `cloud_license_required`. */
export const entitlement = z.object({
  addon: z.string(),
  addonName: z.string(),
  email: z.string(),
  licensed: z.literal(true),
  assignedAt: instant,
  expiresAt: instant,
  validThrough: z.iso.date(),
})
export type Entitlement = z.infer<typeof entitlement>

export const cloudEndpoints = defineEndpoints('cloud', {
  provision: {
    method: 'POST',
    path: '/orgs/{org}/cloud/addons',
    summary: 'Provision a cloud add-on pool (operator)',
    access: 'operator',
    mutation: true,
    params: orgParams,
    body: provisionAddonBody,
    responses: { 201: addonPool },
  },
  list: {
    method: 'GET',
    path: '/orgs/{org}/cloud/addons',
    summary: 'List add-on pools: total, assigned, free, expiration',
    access: 'member',
    params: orgParams,
    query: pageQuery,
    responses: { 200: page(addonPool) },
  },
  update: {
    method: 'PATCH',
    path: '/orgs/{org}/cloud/addons/{addon}',
    summary: 'Change an add-on’s name, total (never below assigned) or expiration (operator)',
    access: 'operator',
    mutation: true,
    params: addonParams,
    body: updateAddonBody,
    responses: { 200: addonPool },
  },
  retire: {
    method: 'POST',
    path: '/orgs/{org}/cloud/addons/{addon}/retire',
    summary:
      'Retire an expired add-on pool the organization does not renew: it leaves the expiry check, its history stays (admins)',
    access: 'admin',
    mutation: true,
    params: addonParams,
    responses: { 200: retiredAddonPool },
  },
  assignments: {
    method: 'GET',
    path: '/orgs/{org}/cloud/assignments',
    summary: 'List who holds which add-on (admins: everyone; members: themselves)',
    access: 'member',
    params: orgParams,
    query: assignmentsQuery,
    responses: { 200: page(addonAssignment) },
  },
  assign: {
    method: 'POST',
    path: '/orgs/{org}/cloud/addons/{addon}/bulk-assign',
    summary: 'Assign an add-on to members (bulk, up to 1,000; dryRun plans only)',
    access: 'admin',
    mutation: true,
    params: addonParams,
    bulk: { item: addonItem },
  },
  revoke: {
    method: 'POST',
    path: '/orgs/{org}/cloud/addons/{addon}/bulk-revoke',
    summary: 'Revoke an add-on from users (bulk, up to 1,000; dryRun plans only)',
    access: 'admin',
    mutation: true,
    params: addonParams,
    bulk: { item: addonItem },
  },
  check: {
    method: 'GET',
    path: '/orgs/{org}/cloud/addons/{addon}/check',
    summary:
      'Entitlement check: 200 when the user holds the add-on, else 409 cloud_license_required "<Name> License Required"',
    access: 'member',
    params: addonParams,
    query: checkQuery,
    responses: { 200: entitlement },
  },
})
