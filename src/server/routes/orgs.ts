import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { bulkRequest, bulkResponse } from '../../contract/bulk.js'
import { orgParams, page, pageQuery } from '../../contract/common.js'
import {
  auditEntry,
  auditQuery,
  createdToken,
  createOrgBody,
  createOrgResponse,
  createTokenBody,
  member,
  organization,
  removal,
  removeUserItem,
  role,
  setRoleBody,
  tokenInfo,
  updateOrgBody,
  userItem,
  userParams,
} from '../../contract/orgs.js'
import { slug } from '../../contract/common.js'
import { createOrg, listAudit, listOrgs, showOrg, updateOrg } from '../services/orgs.js'
import { createToken, listTokens, revokeToken } from '../services/tokens.js'
import { addUsers, listMembers, removeUser, removeUsers, setRole } from '../services/users.js'
import { errors, security } from './shared.js'

export const orgRoutes: FastifyPluginAsyncZod = async (app) => {
  const tags = ['orgs']
  app.post(
    '/orgs',
    {
      schema: {
        tags,
        summary: 'Create an organization (operator)',
        security,
        body: createOrgBody,
        response: { 201: createOrgResponse, ...errors },
      },
    },
    async (req, reply) => {
      reply.code(201)
      return createOrg(req.ctx, req.body)
    },
  )
  app.get(
    '/orgs',
    {
      schema: {
        tags,
        summary: 'List organizations',
        security,
        querystring: pageQuery,
        response: { 200: page(organization), ...errors },
      },
    },
    async (req) => listOrgs(req.ctx, req.query),
  )
  app.get(
    '/orgs/:org',
    {
      schema: {
        tags,
        summary: 'Show an organization',
        security,
        params: orgParams,
        response: { 200: organization, ...errors },
      },
    },
    async (req) => showOrg(req.ctx, req.params.org),
  )
  app.patch(
    '/orgs/:org',
    {
      schema: {
        tags,
        summary: 'Update name and contact details',
        security,
        params: orgParams,
        body: updateOrgBody,
        response: { 200: organization, ...errors },
      },
    },
    async (req) => updateOrg(req.ctx, req.params.org, req.body),
  )
  app.get(
    '/orgs/:org/audit',
    {
      schema: {
        tags,
        summary: 'Read the audit log, newest first (admins)',
        security,
        params: orgParams,
        querystring: auditQuery,
        response: { 200: page(auditEntry), ...errors },
      },
    },
    async (req) => listAudit(req.ctx, req.params.org, req.query),
  )

  const users = ['users']
  app.get(
    '/orgs/:org/users',
    {
      schema: {
        tags: users,
        summary: 'List members',
        security,
        params: orgParams,
        querystring: pageQuery.extend({ role: role.optional() }),
        response: { 200: page(member), ...errors },
      },
    },
    async (req) => listMembers(req.ctx, req.params.org, req.query),
  )
  app.post(
    '/orgs/:org/users/bulk-add',
    {
      schema: {
        tags: users,
        summary: 'Add members (bulk, up to 1,000; dryRun plans only)',
        security,
        params: orgParams,
        body: bulkRequest(userItem),
        response: { 200: bulkResponse, ...errors },
      },
    },
    async (req) => addUsers(req.ctx, req.params.org, req.body.items, req.body.dryRun),
  )
  app.post(
    '/orgs/:org/users/bulk-remove',
    {
      schema: {
        tags: users,
        summary: 'Remove members, releasing their licenses and tokens (bulk)',
        security,
        params: orgParams,
        body: bulkRequest(removeUserItem),
        response: { 200: bulkResponse, ...errors },
      },
    },
    async (req) =>
      removeUsers(
        req.ctx,
        req.params.org,
        req.body.items.map((i) => i.email),
        req.body.dryRun,
      ),
  )
  app.delete(
    '/orgs/:org/users/:email',
    {
      schema: {
        tags: users,
        summary: 'Remove one member, releasing their licenses and tokens',
        security,
        params: userParams,
        response: { 200: removal, ...errors },
      },
    },
    async (req) => removeUser(req.ctx, req.params.org, req.params.email),
  )
  app.patch(
    '/orgs/:org/users/:email',
    {
      schema: {
        tags: users,
        summary: 'Change a member’s role',
        security,
        params: userParams,
        body: setRoleBody,
        response: { 200: member, ...errors },
      },
    },
    async (req) => setRole(req.ctx, req.params.org, req.params.email, req.body.role),
  )

  const tokens = ['tokens']
  app.post(
    '/orgs/:org/tokens',
    {
      schema: {
        tags: tokens,
        summary: 'Create a token (the secret is returned once)',
        security,
        params: orgParams,
        body: createTokenBody,
        response: { 201: createdToken, ...errors },
      },
    },
    async (req, reply) => {
      reply.code(201)
      return createToken(req.ctx, req.params.org, req.body)
    },
  )
  app.get(
    '/orgs/:org/tokens',
    {
      schema: {
        tags: tokens,
        summary: 'List live tokens (admins: all; members: their own)',
        security,
        params: orgParams,
        querystring: pageQuery,
        response: { 200: page(tokenInfo), ...errors },
      },
    },
    async (req) => listTokens(req.ctx, req.params.org, req.query),
  )
  app.delete(
    '/orgs/:org/tokens/:id',
    {
      schema: {
        tags: tokens,
        summary: 'Revoke a token',
        security,
        params: z.strictObject({ org: slug, id: z.string().max(64) }),
        response: { 200: tokenInfo, ...errors },
      },
    },
    async (req) => revokeToken(req.ctx, req.params.org, req.params.id),
  )
}
