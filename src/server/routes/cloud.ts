import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { bulkRequest, bulkResponse } from '../../contract/bulk.js'
import {
  addonAssignment,
  addonItem,
  addonParams,
  addonPool,
  assignmentsQuery,
  checkQuery,
  entitlement,
  provisionAddonBody,
  updateAddonBody,
} from '../../contract/cloud.js'
import { orgParams, page, pageQuery } from '../../contract/common.js'
import {
  assignAddon,
  checkEntitlement,
  listAddons,
  listAssignments,
  provisionAddon,
  revokeAddon,
  updateAddon,
} from '../services/cloud.js'
import { errors, security } from './shared.js'

/** Cloud add-on pools (operator provisions), assignments to users (admins, in bulk), entitlement checks. */
export const cloudRoutes: FastifyPluginAsyncZod = async (app) => {
  const tags = ['cloud']
  app.post(
    '/orgs/:org/cloud/addons',
    {
      schema: {
        tags,
        summary: 'Provision a cloud add-on pool (operator)',
        security,
        params: orgParams,
        body: provisionAddonBody,
        response: { 201: addonPool, ...errors },
      },
    },
    async (req, reply) => {
      reply.code(201)
      return provisionAddon(req.ctx, req.params.org, req.body)
    },
  )
  app.get(
    '/orgs/:org/cloud/addons',
    {
      schema: {
        tags,
        summary: 'List add-on pools: total, assigned, free, expiration',
        security,
        params: orgParams,
        querystring: pageQuery,
        response: { 200: page(addonPool), ...errors },
      },
    },
    async (req) => listAddons(req.ctx, req.params.org, req.query),
  )
  app.patch(
    '/orgs/:org/cloud/addons/:addon',
    {
      schema: {
        tags,
        summary: 'Change an add-on’s name, total (never below assigned) or expiration (operator)',
        security,
        params: addonParams,
        body: updateAddonBody,
        response: { 200: addonPool, ...errors },
      },
    },
    async (req) => updateAddon(req.ctx, req.params.org, req.params.addon, req.body),
  )
  app.get(
    '/orgs/:org/cloud/assignments',
    {
      schema: {
        tags,
        summary: 'List who holds which add-on (admins: everyone; members: themselves)',
        security,
        params: orgParams,
        querystring: assignmentsQuery,
        response: { 200: page(addonAssignment), ...errors },
      },
    },
    async (req) => listAssignments(req.ctx, req.params.org, req.query),
  )
  app.post(
    '/orgs/:org/cloud/addons/:addon/bulk-assign',
    {
      schema: {
        tags,
        summary: 'Assign an add-on to members (bulk, up to 1,000; dryRun plans only)',
        security,
        params: addonParams,
        body: bulkRequest(addonItem),
        response: { 200: bulkResponse, ...errors },
      },
    },
    async (req) =>
      assignAddon(req.ctx, req.params.org, req.params.addon, req.body.items, {
        dryRun: req.body.dryRun,
        priorChanges: req.body.priorChanges,
      }),
  )
  app.post(
    '/orgs/:org/cloud/addons/:addon/bulk-revoke',
    {
      schema: {
        tags,
        summary: 'Revoke an add-on from users (bulk, up to 1,000; dryRun plans only)',
        security,
        params: addonParams,
        body: bulkRequest(addonItem),
        response: { 200: bulkResponse, ...errors },
      },
    },
    async (req) =>
      revokeAddon(req.ctx, req.params.org, req.params.addon, req.body.items, { dryRun: req.body.dryRun }),
  )
  app.get(
    '/orgs/:org/cloud/addons/:addon/check',
    {
      schema: {
        tags,
        summary:
          'Entitlement check: 200 when the user holds the add-on, else 409 cloud_license_required "<Name> License Required"',
        security,
        params: addonParams,
        querystring: checkQuery,
        response: { 200: entitlement, ...errors },
      },
    },
    async (req) => checkEntitlement(req.ctx, req.params.org, req.params.addon, req.query.user),
  )
}
