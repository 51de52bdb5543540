import { expiryEndpoints } from '../../contract/expiry.js'
import { checkExpiry } from '../services/expiry-check.js'
import { routesOf } from './register.js'

export const expiryRoutes = routesOf(expiryEndpoints, {
  check: (req) => checkExpiry(req.ctx, req.params.org, req.query),
})
