import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { bulkResponse } from '../../contract/bulk.js'
import { orgParams } from '../../contract/common.js'
import {
  checkoutBody,
  checkoutResponse,
  lease,
  leaseParams,
  leasesQuery,
  productParams,
  provisionPoolBody,
  releaseBody,
  seatPool,
  stuckQuery,
  updatePoolBody,
  userUsage,
} from '../../contract/seats.js'
import {
  checkin,
  checkout,
  heartbeat,
  listLeases,
  listPools,
  provisionPool,
  releaseLeases,
  stuckLeases,
  updatePool,
  usageByUser,
} from '../services/seats.js'
import { errors, security } from './shared.js'

const items = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) })

/** Seat pools (desktop subscriptions) and their leases. */
export const seatRoutes: FastifyPluginAsyncZod = async (app) => {
  const tags = ['seats']
  app.get(
    '/orgs/:org/seats/pools',
    {
      schema: {
        tags,
        summary: 'List seat pools with seats in use, roaming, free and usage',
        security,
        params: orgParams,
        response: { 200: items(seatPool), ...errors },
      },
    },
    async (req) => ({
      items: await listPools(req.ctx, req.params.org),
    }),
  )
  app.post(
    '/orgs/:org/seats/pools',
    {
      schema: {
        tags,
        summary: 'Provision a seat pool (operator)',
        security,
        params: orgParams,
        body: provisionPoolBody,
        response: { 201: seatPool, ...errors },
      },
    },
    async (req, reply) => {
      reply.code(201)
      return provisionPool(req.ctx, req.params.org, req.body)
    },
  )
  app.patch(
    '/orgs/:org/seats/pools/:product',
    {
      schema: {
        tags,
        summary: 'Add seats or change the expiration, TTL or roaming limit (operator)',
        security,
        params: productParams,
        body: updatePoolBody,
        response: { 200: seatPool, ...errors },
      },
    },
    async (req) => updatePool(req.ctx, req.params.org, req.params.product, req.body),
  )
  app.post(
    '/orgs/:org/seats/pools/:product/checkout',
    {
      schema: {
        tags,
        summary: 'Check a seat out (the same user and host get their lease back)',
        security,
        params: productParams,
        body: checkoutBody,
        response: { 200: checkoutResponse, ...errors },
      },
    },
    async (req) => checkout(req.ctx, req.params.org, req.params.product, req.body),
  )
  app.post(
    '/orgs/:org/seats/leases/:id/heartbeat',
    {
      schema: {
        tags,
        summary: 'Keep a lease alive',
        security,
        params: leaseParams,
        response: { 200: lease, ...errors },
      },
    },
    async (req) => heartbeat(req.ctx, req.params.org, req.params.id),
  )
  app.post(
    '/orgs/:org/seats/leases/:id/checkin',
    {
      schema: {
        tags,
        summary: 'Check a seat back in',
        security,
        params: leaseParams,
        response: { 200: lease, ...errors },
      },
    },
    async (req) => checkin(req.ctx, req.params.org, req.params.id),
  )
  app.get(
    '/orgs/:org/seats/leases',
    {
      schema: {
        tags,
        summary: 'List leases with their state (admins)',
        security,
        params: orgParams,
        querystring: leasesQuery,
        response: { 200: items(lease), ...errors },
      },
    },
    async (req) => ({
      items: await listLeases(req.ctx, req.params.org, req.query),
    }),
  )
  app.get(
    '/orgs/:org/seats/stuck',
    {
      schema: {
        tags,
        summary: 'Stale leases, oldest heartbeat first (admins)',
        security,
        params: orgParams,
        querystring: stuckQuery,
        response: { 200: items(lease), ...errors },
      },
    },
    async (req) => ({
      items: await stuckLeases(req.ctx, req.params.org, req.query),
    }),
  )
  app.get(
    '/orgs/:org/seats/usage',
    {
      schema: {
        tags,
        summary: 'Per member: whether they use a seat (yes, roaming, no)',
        security,
        params: orgParams,
        response: { 200: items(userUsage), ...errors },
      },
    },
    async (req) => ({
      items: await usageByUser(req.ctx, req.params.org),
    }),
  )
  app.post(
    '/orgs/:org/seats/releases',
    {
      schema: {
        tags,
        summary: 'Release leases by id or by user (bulk, up to 1,000; dryRun plans only)',
        security,
        params: orgParams,
        body: releaseBody,
        response: { 200: bulkResponse, ...errors },
      },
    },
    async (req) => releaseLeases(req.ctx, req.params.org, req.body),
  )
}
