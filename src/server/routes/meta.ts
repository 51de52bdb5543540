import { metaEndpoints } from '../../contract/meta.js'
import { toIso } from '../../domain/clock.js'
import { VERSION } from '../version.js'
import { routesOf } from './register.js'

export const metaRoutes = routesOf(metaEndpoints, {
  health: async (req) => {
    const app = req.server
    await app.storage.db.selectFrom('meta').select('key').limit(1).execute()
    return {
      status: 'ok' as const,
      version: VERSION,
      dialect: app.storage.dialect,
      time: toIso(app.clock.now()),
    }
  },
  whoami: (req) => {
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
})
