import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { bulkResponse } from '../../contract/bulk.js'
import { orgParams, page } from '../../contract/common.js'
import {
  checkoutBody,
  checkoutResponse,
  lease,
  leaseParams,
  leasesQuery,
  poolsQuery,
  productParams,
  provisionPoolBody,
  releaseBody,
  seatPool,
  stuckQuery,
  updatePoolBody,
  usageQuery,
  userUsage,
} from '../../contract/seats.js'
import { checkin, checkout, heartbeat, listPools, provisionPool, updatePool } from '../services/seats.js'
import { releaseLeases } from '../services/seats-release.js'
import { listLeases, stuckLeases, usageByUser } from '../services/seats-views.js'
import { errors, security } from './shared.js'

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
        querystring: poolsQuery,
        response: { 200: page(seatPool), ...errors },
      },
    },
    async (req) => listPools(req.ctx, req.params.org, req.query),
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
        response: { 200: page(lease), ...errors },
      },
    },
    async (req) => listLeases(req.ctx, req.params.org, req.query),
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
        response: { 200: page(lease), ...errors },
      },
    },
    async (req) => stuckLeases(req.ctx, req.params.org, req.query),
  )
  app.get(
    '/orgs/:org/seats/usage',
    {
      schema: {
        tags,
        summary: 'Per member: whether they use a seat (yes, roaming, no)',
        security,
        params: orgParams,
        querystring: usageQuery,
        response: { 200: page(userUsage), ...errors },
      },
    },
    async (req) => usageByUser(req.ctx, req.params.org, req.query),
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
