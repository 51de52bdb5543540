import { bulkResponse } from '../../contract/bulk.js'
import { page } from '../../contract/common.js'
import { health } from '../../contract/health.js'
import {
  auditEntry,
  createdToken,
  createOrgResponse,
  member,
  organization,
  removal,
  tokenInfo,
  whoami,
  type CreateOrgBody,
  type CreateTokenBody,
  type Role,
  type UpdateOrgBody,
} from '../../contract/orgs.js'
import type { Transport } from '../transport.js'

const enc = encodeURIComponent

export interface PageOptions {
  limit?: number
  cursor?: string | undefined
}

export class MetaResource {
  constructor(private readonly t: Transport) {}
  /** Server liveness, version and database dialect. */
  health = () => this.t.request('GET', '/v1/health', { schema: health })
  /** Who the current token belongs to. */
  whoami = () => this.t.request('GET', '/v1/me', { schema: whoami })
}

export class OrgsResource {
  constructor(private readonly t: Transport) {}
  /** Creates an organization (operator), optionally with its first admin. */
  create = (body: CreateOrgBody) =>
    this.t.request('POST', '/v1/orgs', { body, schema: createOrgResponse, idempotencyKey: true })
  /** Lists organizations visible to the token. */
  list = (p: PageOptions = {}) =>
    this.t.request('GET', '/v1/orgs', { query: { ...p }, schema: page(organization) })
  /** Shows one organization. */
  show = (org: string) => this.t.request('GET', `/v1/orgs/${enc(org)}`, { schema: organization })
  /** Updates name and contact details (admins). */
  update = (org: string, body: UpdateOrgBody) =>
    this.t.request('PATCH', `/v1/orgs/${enc(org)}`, { body, schema: organization, idempotencyKey: true })
  /** Reads the audit log, newest first (admins). */
  audit = (org: string, q: PageOptions & { action?: string | undefined; since?: string | undefined } = {}) =>
    this.t.request('GET', `/v1/orgs/${enc(org)}/audit`, { query: { ...q }, schema: page(auditEntry) })
}

export interface UserRow {
  email: string
  name?: string | undefined
  role?: Role | undefined
}

export class UsersResource {
  constructor(private readonly t: Transport) {}
  /** Lists members. */
  list = (org: string, q: PageOptions & { role?: Role | undefined } = {}) =>
    this.t.request('GET', `/v1/orgs/${enc(org)}/users`, { query: { ...q }, schema: page(member) })
  /** Adds members (up to 1,000; dryRun only plans). */
  add = (org: string, items: UserRow[], dryRun: boolean, idempotencyKey?: string) =>
    this.t.request('POST', `/v1/orgs/${enc(org)}/users/bulk-add`, {
      body: { dryRun, items },
      schema: bulkResponse,
      idempotencyKey: idempotencyKey ?? true,
    })
  /** Removes members, releasing their seats, add-ons and tokens (up to 1,000). */
  remove = (org: string, emails: string[], dryRun: boolean, idempotencyKey?: string) =>
    this.t.request('POST', `/v1/orgs/${enc(org)}/users/bulk-remove`, {
      body: { dryRun, items: emails.map((email) => ({ email })) },
      schema: bulkResponse,
      idempotencyKey: idempotencyKey ?? true,
    })
  /** Removes one member. */
  removeOne = (org: string, email: string) =>
    this.t.request('DELETE', `/v1/orgs/${enc(org)}/users/${enc(email)}`, { schema: removal })
  /** Changes a member's role. */
  setRole = (org: string, email: string, role: Role) =>
    this.t.request('PATCH', `/v1/orgs/${enc(org)}/users/${enc(email)}`, {
      body: { role },
      schema: member,
      idempotencyKey: true,
    })
}

export class TokensResource {
  constructor(private readonly t: Transport) {}
  /** Creates a token; the secret is in the answer, once. */
  create = (org: string, body: CreateTokenBody) =>
    this.t.request('POST', `/v1/orgs/${enc(org)}/tokens`, {
      body,
      schema: createdToken,
      idempotencyKey: true,
    })
  /** Lists live tokens (admins: all; members: their own). */
  list = (org: string, p: PageOptions = {}) =>
    this.t.request('GET', `/v1/orgs/${enc(org)}/tokens`, { query: { ...p }, schema: page(tokenInfo) })
  /** Revokes a token. */
  revoke = (org: string, id: string) =>
    this.t.request('DELETE', `/v1/orgs/${enc(org)}/tokens/${enc(id)}`, { schema: tokenInfo })
}
