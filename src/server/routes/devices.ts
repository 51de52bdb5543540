import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { bulkRequest, bulkResponse } from '../../contract/bulk.js'
import { devicesEndpointTable as E } from '../../contract/devices.js'
import {
  addCategory,
  addKey,
  issueKeys,
  listCategories,
  listKeys,
  showPool,
} from '../services/devices-keys.js'
import { addDevices, listDevices, showDevice } from '../services/devices.js'
import {
  assignLicenses,
  detachLicenses,
  removeDevices,
  transferLicenses,
} from '../services/devices-licensing.js'
import { errors, security } from './shared.js'

// TEMPORARY until the endpoint-table mechanism (routesOf) is merged from main.
/* eslint-disable @typescript-eslint/no-explicit-any */
type H = (req: any) => Promise<unknown>
const handlers: Record<keyof typeof E, H> = {
  categoriesAdd: (req) => addCategory(req.ctx, req.body),
  categoriesList: (req) => listCategories(req.ctx),
  keysIssue: (req) => issueKeys(req.ctx, req.body),
  keysAdd: (req) => addKey(req.ctx, req.params.org, req.body),
  keysList: (req) => listKeys(req.ctx, req.params.org),
  pool: (req) => showPool(req.ctx, req.params.org),
  add: (req) => addDevices(req.ctx, req.params.org, req.body.items, req.body),
  list: (req) => listDevices(req.ctx, req.params.org, req.query),
  show: (req) => showDevice(req.ctx, req.params.org, req.params.serial),
  remove: (req) => removeDevices(req.ctx, req.params.org, req.body.items, req.body),
  assign: (req) => assignLicenses(req.ctx, req.params.org, req.body.items, req.body),
  detach: (req) => detachLicenses(req.ctx, req.params.org, req.body.items, req.body),
  transfer: (req) => transferLicenses(req.ctx, req.params.org, req.body),
}

export const deviceRoutes: FastifyPluginAsyncZod = async (app) => {
  for (const [name, e] of Object.entries(E) as Array<[keyof typeof E, any]>) {
    const status = e.bulk ? 200 : Number(Object.keys(e.responses)[0])
    app.route({
      method: e.method,
      url: e.path.replace(/\{(\w+)\}/g, ':$1'),
      schema: {
        tags: ['devices'],
        summary: e.summary,
        security,
        params: e.params,
        ...(e.query ? { querystring: e.query } : {}),
        ...(e.bulk ? { body: bulkRequest(e.bulk.item) } : e.body ? { body: e.body } : {}),
        response: { [status]: e.bulk ? bulkResponse : e.responses[status], ...errors },
      } as any,
      handler: async (req: any, reply: any) => {
        reply.code(status)
        return handlers[name](req)
      },
    })
  }
}
