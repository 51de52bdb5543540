import { bulkResponse } from '../../contract/bulk.js'
import { page } from '../../contract/common.js'
import {
  checkoutResponse,
  lease,
  seatPool,
  userUsage,
  type CheckoutBody,
  type LeaseState,
  type ProvisionPoolBody,
  type ReleaseBody,
  type UpdatePoolBody,
} from '../../contract/seats.js'
import type { Transport } from '../transport.js'
import type { PageOptions } from './orgs.js'

const enc = encodeURIComponent

export class SeatsResource {
  constructor(private readonly t: Transport) {}
  /** Seat pools with counts and usage, one page. */
  pools = (org: string, p: PageOptions = {}) =>
    this.t.request('GET', `/v1/orgs/${enc(org)}/seats/pools`, { query: { ...p }, schema: page(seatPool) })
  /** Provisions a pool (operator). */
  provision = (org: string, body: ProvisionPoolBody) =>
    this.t.request('POST', `/v1/orgs/${enc(org)}/seats/pools`, {
      body,
      schema: seatPool,
      idempotencyKey: true,
    })
  /** Adds seats or changes expiration, TTL or roaming limit (operator). */
  update = (org: string, product: string, body: UpdatePoolBody) =>
    this.t.request('PATCH', `/v1/orgs/${enc(org)}/seats/pools/${enc(product)}`, {
      body,
      schema: seatPool,
      idempotencyKey: true,
    })
  /** Checks a seat out; safe to retry (same user and host get the same lease). */
  checkout = (org: string, product: string, body: CheckoutBody) =>
    this.t.request('POST', `/v1/orgs/${enc(org)}/seats/pools/${enc(product)}/checkout`, {
      body,
      schema: checkoutResponse,
      idempotencyKey: true,
    })
  /** Keeps a lease alive. */
  heartbeat = (org: string, id: string) =>
    this.t.request('POST', `/v1/orgs/${enc(org)}/seats/leases/${enc(id)}/heartbeat`, {
      schema: lease,
      idempotencyKey: true,
    })
  /** Checks a seat back in. */
  checkin = (org: string, id: string) =>
    this.t.request('POST', `/v1/orgs/${enc(org)}/seats/leases/${enc(id)}/checkin`, {
      schema: lease,
      idempotencyKey: true,
    })
  /** Leases with their state, one page (admins). */
  leases = (
    org: string,
    q: PageOptions & {
      product?: string | undefined
      state?: LeaseState | undefined
      user?: string | undefined
    } = {},
  ) => this.t.request('GET', `/v1/orgs/${enc(org)}/seats/leases`, { query: { ...q }, schema: page(lease) })
  /** Stale leases, oldest heartbeat first, one page (admins). */
  stuck = (
    org: string,
    q: PageOptions & { product?: string | undefined; idleSeconds?: number | undefined } = {},
  ) => this.t.request('GET', `/v1/orgs/${enc(org)}/seats/stuck`, { query: { ...q }, schema: page(lease) })
  /** Per-member usage (yes, roaming or no), one page (admins). */
  usage = (org: string, p: PageOptions = {}) =>
    this.t.request('GET', `/v1/orgs/${enc(org)}/seats/usage`, { query: { ...p }, schema: page(userUsage) })
  /** Releases leases by id or user (up to 1,000). */
  release = (org: string, body: ReleaseBody, idempotencyKey?: string) =>
    this.t.request('POST', `/v1/orgs/${enc(org)}/seats/releases`, {
      body,
      schema: bulkResponse,
      idempotencyKey: idempotencyKey ?? true,
    })
}
