import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { health } from '../../contract/health.js'
import { whoami } from '../../contract/orgs.js'
import { toIso } from '../../domain/clock.js'
import { errors, security } from './shared.js'
import { VERSION } from '../version.js'

export const metaRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: { tags: ['meta'], summary: 'Liveness and database check', response: { 200: health } },
    },
    async () => {
      await app.storage.db.selectFrom('meta').select('key').limit(1).execute()
      return {
        status: 'ok' as const,
        version: VERSION,
        dialect: app.storage.dialect,
        time: toIso(app.clock.now()),
      }
    },
  )
  app.get(
    '/me',
    {
      schema: {
        tags: ['meta'],
        summary: 'Who the token belongs to',
        security,
        response: { 200: whoami, ...errors },
      },
    },
    async (req) => {
      const p = req.ctx.principal
      if (p.kind === 'operator')
        return {
          kind: 'operator' as const,
          email: null,
          org: null,
          role: null,
          readOnly: false,
          tokenId: p.tokenId,
        }
      return {
        kind: 'user' as const,
        email: p.email,
        org: p.orgSlug,
        role: p.role,
        readOnly: p.readOnly,
        tokenId: p.tokenId,
      }
    },
  )
}
