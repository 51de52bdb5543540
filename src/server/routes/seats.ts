import { seatsEndpoints } from '../../contract/seats.js'
import {
  checkin,
  checkout,
  heartbeat,
  listPools,
  provisionPool,
  retirePool,
  updatePool,
} from '../services/seats.js'
import { releaseLeases } from '../services/seats-release.js'
import { listLeases, stuckLeases, usageByUser } from '../services/seats-views.js'
import { routesOf } from './register.js'

/** Seat pools (desktop subscriptions) and their leases. */
export const seatRoutes = routesOf(
  seatsEndpoints,
  {
    pools: (req) => listPools(req.ctx, req.params.org, req.query),
    provision: (req) => provisionPool(req.ctx, req.params.org, req.body),
    update: (req) => updatePool(req.ctx, req.params.org, req.params.product, req.body),
    retire: (req) => retirePool(req.ctx, req.params.org, req.params.product),
    checkout: (req) => checkout(req.ctx, req.params.org, req.params.product, req.body),
    heartbeat: (req) => heartbeat(req.ctx, req.params.org, req.params.id),
    checkin: (req) => checkin(req.ctx, req.params.org, req.params.id),
    leases: (req) => listLeases(req.ctx, req.params.org, req.query),
    stuck: (req) => stuckLeases(req.ctx, req.params.org, req.query),
    usage: (req) => usageByUser(req.ctx, req.params.org, req.query),
    release: (req) => releaseLeases(req.ctx, req.params.org, req.body),
  },
  { keyWithAnswer: ['checkout'] },
)
