import * as z from 'zod'
import { email, instant, orgParams, page, pageQuery, plainText, role, slug } from './common.js'
import { defineEndpoints } from './endpoint.js'

export const member = z.object({
  email: z.string(),
  name: z.string().nullable(),
  role,
  joinedAt: instant,
})
export type Member = z.infer<typeof member>
/** A member after a role change: `changed` is false when they already had that role (nothing audited). */
export const roleChanged = member.extend({ changed: z.boolean() })

export const userItem = z.strictObject({
  email,
  name: plainText(200).optional(),
  role: role.optional(),
})
export const removeUserItem = z.strictObject({ email })

export const setRoleBody = z.strictObject({ role })
export const userParams = z.strictObject({ org: slug, email })

/** What removing a member released in one topic (seats, add-ons, tokens, …), e.g. `seats released: 2`. */
export const release = z.object({
  topic: z.string(),
  /** What was released, plural, for people: `seats`. */
  noun: z.string(),
  /** The verb in the past tense: `released`, `revoked`. */
  action: z.string(),
  count: z.number().int(),
  /** A short name per thing released (`cad-pro on ws-12`); empty when the count says enough. */
  items: z.array(z.string()),
})
export type Release = z.infer<typeof release>

/**
 * What removing a user released, atomically with the removal: one entry per topic in `releases`
 * (every topic that registered a removal hook), plus the older per-topic fields.
 */
export const removal = z.object({
  email: z.string(),
  tokensRevoked: z.number().int(),
  leasesReleased: z.array(z.object({ product: z.string(), host: z.string(), leaseId: z.string() })),
  addonsRevoked: z.array(z.string()),
  releases: z.array(release),
})
export type Removal = z.infer<typeof removal>

export const usersEndpoints = defineEndpoints('users', {
  list: {
    method: 'GET',
    path: '/orgs/{org}/users',
    summary: 'List members',
    access: 'member',
    params: orgParams,
    query: pageQuery.extend({ role: role.optional() }),
    responses: { 200: page(member) },
  },
  add: {
    method: 'POST',
    path: '/orgs/{org}/users/bulk-add',
    summary: 'Add members (bulk, up to 1,000; dryRun plans only)',
    access: 'admin',
    mutation: true,
    params: orgParams,
    bulk: { item: userItem },
  },
  remove: {
    method: 'POST',
    path: '/orgs/{org}/users/bulk-remove',
    summary: 'Remove members, releasing their licenses and tokens (bulk)',
    access: 'admin',
    mutation: true,
    params: orgParams,
    bulk: { item: removeUserItem },
  },
  removeOne: {
    method: 'DELETE',
    path: '/orgs/{org}/users/{email}',
    summary: 'Remove one member, releasing their licenses and tokens',
    access: 'admin',
    mutation: true,
    params: userParams,
    responses: { 200: removal },
  },
  setRole: {
    method: 'PATCH',
    path: '/orgs/{org}/users/{email}',
    summary: 'Change a member’s role (already that role: changed false)',
    access: 'admin',
    mutation: true,
    params: userParams,
    body: setRoleBody,
    responses: { 200: roleChanged },
  },
})
