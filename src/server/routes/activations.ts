import { activationEndpoints } from '../../contract/activations.js'
import {
  generateActivation,
  listActivations,
  listEntitlements,
  provisionEntitlement,
  retireEntitlement,
  showActivation,
  updateEntitlement,
} from '../services/activations.js'
import { activate, clearOrphans, deactivate, listOrphans, rehost } from '../services/activations-hosts.js'
import { resizeActivation, returnActivation, splitActivation } from '../services/activations-portal.js'
import { routesOf } from './register.js'

/** Activation IDs: entitlements (operator), IDs (admins), what a host does (members), the portal's moves (admins). */
export const activationRoutes = routesOf(activationEndpoints, {
  provision: (req) => provisionEntitlement(req.ctx, req.params.org, req.body),
  update: (req) => updateEntitlement(req.ctx, req.params.org, req.params.product, req.body),
  retire: (req) => retireEntitlement(req.ctx, req.params.org, req.params.product),
  entitlements: (req) => listEntitlements(req.ctx, req.params.org, req.query),
  generate: (req) => generateActivation(req.ctx, req.params.org, req.body),
  list: (req) => listActivations(req.ctx, req.params.org, req.query),
  show: (req) => showActivation(req.ctx, req.params.org, req.params.id),
  activate: (req) => activate(req.ctx, req.params.org, req.params.id, req.body),
  deactivate: (req) => deactivate(req.ctx, req.params.org, req.params.id, req.body.host),
  return: (req) => returnActivation(req.ctx, req.params.org, req.params.id, req.body),
  rehost: (req) => rehost(req.ctx, req.params.org, req.params.id, req.body),
  split: (req) => splitActivation(req.ctx, req.params.org, req.params.id, req.body),
  resize: (req) => resizeActivation(req.ctx, req.params.org, req.params.id, req.body),
  orphans: (req) => listOrphans(req.ctx, req.params.org, req.query),
  clearOrphans: (req) => clearOrphans(req.ctx, req.params.org, req.body),
})
