import * as z from 'zod'
import {
  expiryInput,
  instant,
  pageQuery,
  plainText,
  slug,
  wholeNumber,
  withoutHiddenCharacters,
  yesNo,
} from './common.js'
import { defineEndpoints } from './endpoint.js'

/** A device category, e.g. `router`: the device class a key licenses. */
export const categoryName = z
  .string()
  .min(2)
  .max(40)
  .regex(/^[a-z0-9]+(?:[-_.][a-z0-9]+)*$/, 'lowercase letters and digits, separated by - _ or .')
export const modelName = plainText(80)
/**
 * A device's serial, as on its label. Taken as typed, as a host is (seats.ts `host`): a space before
 * or after it is refused, not trimmed (`SN-1 ` from a script or a quoted cell is a mistake to show,
 * not a serial to change silently). Every serial stored was trimmed and has no space inside, so none
 * becomes unreachable.
 */
export const deviceSerial = z
  .string()
  .refine((s) => s.trim() === s, {
    message: 'starts or ends with a space: serials are taken as typed',
    abort: true,
  })
  .min(1)
  .max(64)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]*$/,
    'ASCII letters, digits and . _ : - (starting with a letter or digit)',
  )
/**
 * A license's name, `<key serial>-<n>` or a detached remainder's `R-…`, named by the server and
 * shown in lists and messages: capitals, digits and dashes only, so one typed in lower case (as keys
 * and serials may be, `7k3qxm9tz40p-1`) is the same license, not "not found".
 */
export const licenseName = z.string().trim().toUpperCase().min(3).max(40).check(withoutHiddenCharacters)
export const term = z.enum(['1y', '3y', '5y'])
export const preference = z.enum(['shortest', 'longest'])
/** A key as typed (the server normalizes case and look-alikes, then checks and verifies it). */
export const licenseKeyInput = z.string().trim().min(1).max(60)

export const category = z.object({
  name: z.string(),
  description: z.string().nullable(),
  models: z.array(z.string()),
  createdAt: instant,
})
export type Category = z.infer<typeof category>

export const addCategoryBody = z.strictObject({
  name: categoryName,
  models: z.array(modelName).max(200).default([]),
  description: plainText(400).optional(),
})
export type AddCategoryBody = z.input<typeof addCategoryBody>

export const issueKeysBody = z.strictObject({
  category: categoryName,
  term,
  /** Licenses per key. */
  count: z.number().int().min(1).max(10_000),
  /** How many keys to issue. */
  quantity: z.number().int().min(1).max(1000).default(1),
  /** The licenses of these keys cannot be assigned after this (a date: through that day, UTC). */
  expires: expiryInput.optional(),
})
export type IssueKeysBody = z.input<typeof issueKeysBody>

export const issuedKey = z.object({
  key: z.string(),
  serial: z.string(),
  category: z.string(),
  term,
  termDays: z.number().int(),
  count: z.number().int(),
  expiresAt: instant.nullable(),
})
export const issuedKeys = z.object({ keys: z.array(issuedKey) })
export type IssuedKeys = z.infer<typeof issuedKeys>

export const addKeyBody = z.strictObject({
  key: licenseKeyInput,
  /** The license terms were shown and accepted; false or missing is refused (`terms_not_accepted`). */
  acceptTerms: z.boolean().default(false),
})
export type AddKeyBody = z.input<typeof addKeyBody>

export const keyState = z.enum(['available', 'partly-assigned', 'used-up', 'expired', 'retired'])
export const deviceKey = z.object({
  serial: z.string(),
  category: z.string(),
  term,
  termDays: z.number().int(),
  count: z.number().int(),
  inPool: z.number().int(),
  assigned: z.number().int(),
  spent: z.number().int(),
  /** Licenses that lapsed in the pool and were written off (`devices keys retire`). */
  retired: z.number().int().default(0),
  addedBy: z.string(),
  addedAt: instant,
  expiresAt: instant.nullable(),
  state: keyState,
})
export type DeviceKey = z.infer<typeof deviceKey>

/** Retiring a key: its licenses in this organization's pool, past the key's last day, are written off. */
export const retireKeyBody = z.strictObject({
  /** The whole key, or its serial as `devices keys list` shows it. */
  key: licenseKeyInput,
})
export type RetireKeyBody = z.input<typeof retireKeyBody>
export const retiredKey = z.object({
  key: z.string(),
  /** The instant from which the key's licenses could no longer be assigned. */
  expiresAt: instant,
  /** The licenses retired now (none when there were none left in the pool: already so). */
  licenses: z.array(z.string()),
})
export type RetiredKey = z.infer<typeof retiredKey>

export const poolLicense = z.object({
  name: z.string(),
  category: z.string(),
  /** `1y`, `3y`, `5y`, or `returned` for the remainder of a detached license. */
  term: z.string(),
  days: z.number().int(),
  key: z.string().nullable(),
  /** The first instant it can no longer be assigned (its key's `--expires`); null: no deadline. */
  expiresAt: instant.nullable(),
  /**
   * Its last day to be assigned, in the organization's time zone (the day `expiresAt` ends); null
   * when it has none (and from servers that predate it).
   */
  assignableThrough: z.iso.date().nullable().default(null),
})
export type PoolLicense = z.infer<typeof poolLicense>
export const poolGroup = z.object({
  category: z.string(),
  term: z.string(),
  days: z.number().int(),
  /** The last day to assign the group's licenses (they share it); null: they have none (or an older server). */
  assignableThrough: z.iso.date().nullable().default(null),
  count: z.number().int(),
  licenses: z.array(z.string()),
})
export const pool = z.object({ groups: z.array(poolGroup), licenses: z.array(poolLicense) })
export type Pool = z.infer<typeof pool>

export const device = z.object({
  serial: z.string(),
  name: z.string().nullable(),
  site: z.string().nullable(),
  model: z.string().nullable(),
  category: z.string(),
  licensed: z.boolean(),
  expired: z.boolean(),
  /** The cumulative license's first day and term, in days (null/0 when unlicensed). */
  licensedFrom: z.iso.date().nullable(),
  licenseDays: z.number().int(),
  /** A date in the organization's time zone. */
  validUntil: z.iso.date().nullable(),
  /** Days from today to the valid-until day: 0 on it, negative once expired (as `expiry check`). */
  daysLeft: z.number().int().nullable(),
  createdAt: instant,
})
export type Device = z.infer<typeof device>

export const deviceEvent = z.object({
  kind: z.enum(['assign', 'detach']),
  day: z.iso.date(),
  licenses: z.array(z.string()),
  days: z.number().int(),
  validUntil: z.iso.date().nullable(),
  returnedDays: z.number().int().nullable(),
  actor: z.string(),
  at: instant,
})
export const deviceDetail = device.extend({
  // Assigned: they run their term on the device, whatever their last day to be assigned was.
  licenses: z.array(poolLicense.omit({ expiresAt: true, assignableThrough: true })),
  history: z.array(deviceEvent),
})
export type DeviceDetail = z.infer<typeof deviceDetail>

export const devicesQuery = pageQuery.extend({
  /** Devices whose `licensed` field is true (false: never licensed, detached or expired) today. */
  licensed: z.enum(['true', 'false']).optional(),
})
export type DevicesQuery = z.infer<typeof devicesQuery>

/** One row of `devices add` (arguments or --file). */
export const addDeviceItem = z
  .strictObject({
    serial: deviceSerial,
    category: categoryName.optional(),
    model: modelName.optional(),
    name: plainText(120).optional(),
    site: plainText(120).optional(),
  })
  // Both, as `devices list` prints a device added by its model: the model must be in the category.
  .refine((i) => i.category !== undefined || i.model !== undefined, {
    message: 'give a category or a model',
    path: ['category'],
  })
export type AddDeviceItem = z.infer<typeof addDeviceItem>

/** Licenses per device in one assignment (the `--count` flag's bounds too). */
export const assignCount = z.number().int().min(1).max(20)

/**
 * One row of `devices assign`. `extend`: a licensed device gets more days (what naming devices on
 * the command line does); without it a licensed device is already so, which makes a file re-run
 * safe. A named license already on the device is already so either way. A named license is one
 * license: a count beside it is refused, never ignored.
 */
export const assignItem = z
  .strictObject({
    serial: deviceSerial,
    license: licenseName.optional(),
    count: wholeNumber(assignCount).optional(),
    prefer: preference.optional(),
    extend: yesNo.optional(),
  })
  .refine((i) => i.license === undefined || i.count === undefined, {
    message: 'license and count cannot both be given: a named license is one license',
    path: ['count'],
  })
export type AssignItem = z.infer<typeof assignItem>

/** One row of `devices detach` / `devices remove`. */
export const serialItem = z.strictObject({ serial: deviceSerial })
export type SerialItem = z.infer<typeof serialItem>

/** What detaching a device did, or would do (dry run), in a row's details. */
export const detachDetails = z.object({
  licensedFrom: z.iso.date(),
  licenseDays: z.number().int(),
  usedDays: z.number().int(),
  returnedDays: z.number().int(),
  lostDays: z.number().int(),
  /** The pool license the days went back as; null when none went back, and in a dry run (named when applied). */
  returnedLicense: z.string().nullable(),
  tomorrow: z.object({ returnedDays: z.number().int(), lostDays: z.number().int() }),
  validUntilIfReassignedTomorrow: z.iso.date().nullable(),
})
export type DetachDetails = z.infer<typeof detachDetails>

export const transferBody = z
  .strictObject({
    to: slug,
    /** The caller's token for the target organization: proves they are its admin too. */
    toToken: z.string().min(10).max(200),
    key: licenseKeyInput.optional(),
    licenses: z.array(licenseName).min(1).max(1000).optional(),
  })
  .refine((b) => (b.key === undefined) !== (b.licenses === undefined), {
    message: 'give either a key or licenses',
    path: ['key'],
  })
export type TransferBody = z.input<typeof transferBody>
/**
 * What a transfer did. Re-running one already applied is already so: `changed` false, nothing in
 * `licenses`, the licenses in `already`. Only a state exactly as a transfer leaves it counts (the
 * key in the target with every license of it there unassigned; a license unassigned there).
 */
export const transferResult = z.object({
  from: z.string(),
  to: z.string(),
  key: z.string().nullable(),
  /** The licenses this call moved. */
  licenses: z.array(z.string()),
  /** Licenses named (or of the key named) that were in the target organization already. */
  already: z.array(z.string()),
  /** False when everything named was in the target already: nothing moved, no audit entry. */
  changed: z.boolean(),
})
export type TransferResult = z.infer<typeof transferResult>

export const deviceParams = z.strictObject({ org: slug, serial: deviceSerial })

const items = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) })

/** The devices topic's endpoints: what the server routes, the client derives and OpenAPI lists. */
export const devicesEndpoints = defineEndpoints('devices', {
  categoriesAdd: {
    method: 'POST',
    path: '/devices/categories',
    summary: 'Add a device category with the models it covers (operator)',
    access: 'operator',
    mutation: true,
    body: addCategoryBody,
    responses: { 201: category },
  },
  categoriesList: {
    method: 'GET',
    path: '/devices/categories',
    summary: 'List device categories and their models',
    access: 'token',
    responses: { 200: items(category) },
  },
  keysIssue: {
    method: 'POST',
    path: '/devices/keys',
    summary: 'Issue signed device license keys (operator); each key is shown once',
    access: 'operator',
    mutation: true,
    body: issueKeysBody,
    responses: { 201: issuedKeys },
  },
  keysAdd: {
    method: 'POST',
    path: '/orgs/{org}/devices/keys',
    summary: 'Add a license key to the organization, with the license terms accepted (admin)',
    access: 'admin',
    mutation: true,
    params: orgParamsOf(),
    body: addKeyBody,
    responses: { 201: deviceKey },
  },
  keysList: {
    method: 'GET',
    path: '/orgs/{org}/devices/keys',
    summary: 'Every key of the organization, expired and used-up ones included',
    access: 'member',
    params: orgParamsOf(),
    responses: { 200: items(deviceKey) },
  },
  keysRetire: {
    method: 'POST',
    path: '/orgs/{org}/devices/keys/retire',
    summary:
      'Write off the pool licenses of a key past its last day to be assigned; they leave the pool and the expiry check (admin)',
    access: 'admin',
    mutation: true,
    params: orgParamsOf(),
    body: retireKeyBody,
    responses: { 200: retiredKey },
  },
  pool: {
    method: 'GET',
    path: '/orgs/{org}/devices/pool',
    summary: 'Unassigned device licenses grouped by category and term, with their remaining days',
    access: 'member',
    params: orgParamsOf(),
    responses: { 200: pool },
  },
  add: {
    method: 'POST',
    path: '/orgs/{org}/devices/bulk-add',
    summary: 'Add devices by category or model (bulk, up to 1,000; dryRun plans only)',
    access: 'admin',
    mutation: true,
    params: orgParamsOf(),
    bulk: { item: addDeviceItem },
  },
  list: {
    method: 'GET',
    path: '/orgs/{org}/devices',
    summary: 'List devices: licensed or not, valid until, days left',
    access: 'member',
    params: orgParamsOf(),
    query: devicesQuery,
    responses: { 200: z.object({ items: z.array(device), nextCursor: z.string().nullable() }) },
  },
  show: {
    method: 'GET',
    path: '/orgs/{org}/devices/{serial}',
    summary: 'One device: its cumulative license, the licenses on it and its history',
    access: 'member',
    params: deviceParams,
    responses: { 200: deviceDetail },
  },
  remove: {
    method: 'POST',
    path: '/orgs/{org}/devices/bulk-remove',
    summary: 'Remove devices, detaching their licenses first (bulk; dryRun previews)',
    access: 'admin',
    mutation: true,
    params: orgParamsOf(),
    bulk: { item: serialItem },
  },
  assign: {
    method: 'POST',
    path: '/orgs/{org}/devices/bulk-assign',
    summary: 'Assign pool licenses to devices; several stack into one cumulative license (bulk)',
    access: 'admin',
    mutation: true,
    params: orgParamsOf(),
    bulk: { item: assignItem },
  },
  detach: {
    method: 'POST',
    path: '/orgs/{org}/devices/bulk-detach',
    summary:
      'Detach devices’ licenses; the remainder returns to the pool as one license (bulk; dryRun previews)',
    access: 'admin',
    mutation: true,
    params: orgParamsOf(),
    bulk: { item: serialItem },
  },
  transfer: {
    method: 'POST',
    path: '/orgs/{org}/devices/transfer',
    summary: 'Move unassigned licenses, or a whole unassigned key, to another organization (admin of both)',
    access: 'admin',
    mutation: true,
    params: orgParamsOf(),
    body: transferBody,
    responses: { 200: transferResult },
  },
})

function orgParamsOf() {
  return z.strictObject({ org: slug })
}
