import { bulkResponse } from '../../contract/bulk.js'
import {
  addonAssignment,
  addonPool,
  entitlement,
  type AddonItem,
  type ProvisionAddonBody,
  type UpdateAddonBody,
} from '../../contract/cloud.js'
import { page } from '../../contract/common.js'
import type { Transport } from '../transport.js'
import type { PageOptions } from './orgs.js'

const enc = encodeURIComponent
const base = (org: string) => `/v1/orgs/${enc(org)}/cloud`

export interface BulkCall {
  dryRun: boolean
  /** Sent as Idempotency-Key: a retried batch is applied once. */
  idempotencyKey?: string | undefined
  /** Dry runs in batches: rows of earlier batches that would change. */
  priorChanges?: number | undefined
}

export class CloudResource {
  constructor(private readonly t: Transport) {}
  /** Provisions an add-on pool (operator). */
  provision = (org: string, body: ProvisionAddonBody) =>
    this.t.request('POST', `${base(org)}/addons`, { body, schema: addonPool, idempotencyKey: true })
  /** Changes an add-on's name, total or expiration (operator). */
  update = (org: string, addon: string, body: UpdateAddonBody) =>
    this.t.request('PATCH', `${base(org)}/addons/${enc(addon)}`, {
      body,
      schema: addonPool,
      idempotencyKey: true,
    })
  /** Lists add-on pools with total, assigned, free and expiration. */
  list = (org: string, p: PageOptions = {}) =>
    this.t.request('GET', `${base(org)}/addons`, { query: { ...p }, schema: page(addonPool) })
  /** Lists assignments, by add-on and/or user. */
  assignments = (
    org: string,
    q: PageOptions & { addon?: string | undefined; user?: string | undefined } = {},
  ) => this.t.request('GET', `${base(org)}/assignments`, { query: { ...q }, schema: page(addonAssignment) })
  /** Assigns an add-on to up to 1,000 members; dryRun only plans. */
  assign = (org: string, addon: string, items: AddonItem[], call: BulkCall) =>
    this.t.request('POST', `${base(org)}/addons/${enc(addon)}/bulk-assign`, {
      body: { dryRun: call.dryRun, items, ...(call.priorChanges ? { priorChanges: call.priorChanges } : {}) },
      schema: bulkResponse,
      idempotencyKey: call.idempotencyKey ?? true,
    })
  /** Revokes an add-on from up to 1,000 users; dryRun only plans. */
  revoke = (org: string, addon: string, items: AddonItem[], call: BulkCall) =>
    this.t.request('POST', `${base(org)}/addons/${enc(addon)}/bulk-revoke`, {
      body: { dryRun: call.dryRun, items },
      schema: bulkResponse,
      idempotencyKey: call.idempotencyKey ?? true,
    })
  /** Entitlement check: resolves when the user holds the add-on, else throws cloud_license_required. */
  check = (org: string, addon: string, user?: string) =>
    this.t.request('GET', `${base(org)}/addons/${enc(addon)}/check`, {
      query: { user },
      schema: entitlement,
    })
}
