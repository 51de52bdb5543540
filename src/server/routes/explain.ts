import { explainEndpoints } from '../../contract/explain.js'
import { explain } from '../services/explain.js'
import { routesOf } from './register.js'

export const explainRoutes = routesOf(explainEndpoints, {
  user: (req) => explain(req.ctx, req.params.org, req.params.email, req.query),
})
