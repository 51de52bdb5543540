import * as z from 'zod'
import { email, expiryInput, instant, orgParams, page, pageQuery, plainText, role, slug } from './common.js'
import { defineEndpoints } from './endpoint.js'

/** A token is live until it expires or is revoked (revoked wins when both). */
export const tokenState = z.enum(['live', 'expired', 'revoked'])
export type TokenState = z.infer<typeof tokenState>

export const tokenInfo = z.object({
  id: z.string(),
  name: z.string().nullable(),
  prefix: z.string(),
  userEmail: z.string().nullable(),
  readOnly: z.boolean(),
  createdAt: instant,
  expiresAt: instant.nullable(),
  lastUsedAt: instant.nullable(),
  state: tokenState,
  revokedAt: instant.nullable(),
})
export type TokenInfo = z.infer<typeof tokenInfo>
/**
 * The token as revoked. `changed` is false when it had been revoked before (by hand, or by its
 * member's removal): already so, its `revokedAt` the earlier time.
 */
export const revokedToken = tokenInfo.extend({ changed: z.boolean() })

export const createTokenBody = z.strictObject({
  name: plainText(100).optional(),
  readOnly: z.boolean().default(false),
  /** An instant computed by the caller (older clients); prefer `expires`. */
  expiresAt: instant.optional(),
  /**
   * When the token expires, as the user typed it: a duration from now on the server's clock (`30d`,
   * `12h`), a date (valid through that day in the organization's time zone) or an instant with its
   * offset. The server computes it.
   */
  expires: expiryInput.optional(),
  /** Admins (and the operator) may create a token for another member. */
  userEmail: email.optional(),
})
export type CreateTokenBody = z.input<typeof createTokenBody>
export const createdToken = tokenInfo.extend({ token: z.string() })

export const whoami = z.object({
  kind: z.enum(['operator', 'user']),
  email: z.string().nullable(),
  org: z.string().nullable(),
  role: role.nullable(),
  readOnly: z.boolean(),
  tokenId: z.string(),
})
export type Whoami = z.infer<typeof whoami>

export const tokensQuery = pageQuery.extend({
  /** Include expired and revoked tokens (each with its `state`). */
  all: z.stringbool().default(false),
})
export type TokensQuery = z.infer<typeof tokensQuery>

export const tokensEndpoints = defineEndpoints('tokens', {
  create: {
    method: 'POST',
    path: '/orgs/{org}/tokens',
    summary: 'Create a token (the secret is returned once)',
    access: 'member',
    mutation: true,
    params: orgParams,
    body: createTokenBody,
    responses: { 201: createdToken },
  },
  list: {
    method: 'GET',
    path: '/orgs/{org}/tokens',
    summary:
      'List live tokens, or with all=true expired and revoked ones too (admins: all; members: their own)',
    access: 'member',
    params: orgParams,
    query: tokensQuery,
    responses: { 200: page(tokenInfo) },
  },
  show: {
    method: 'GET',
    path: '/orgs/{org}/tokens/{id}',
    summary: 'One token, live, expired or revoked (admins: any; members: their own)',
    access: 'member',
    params: z.strictObject({ org: slug, id: z.string().max(64).toLowerCase() }),
    responses: { 200: tokenInfo },
  },
  revoke: {
    method: 'DELETE',
    path: '/orgs/{org}/tokens/{id}',
    summary: 'Revoke a token (again: changed false, the token as it was revoked)',
    access: 'member',
    mutation: true,
    // Token ids are made by newId('tok'): Crockford base32, which ignores case (`TOK_06H4…` is the
    // same token), as lease and activation ids are.
    params: z.strictObject({ org: slug, id: z.string().max(64).toLowerCase() }),
    responses: { 200: revokedToken },
  },
})
