import { cloudEndpoints } from '../../contract/cloud.js'
import {
  assignAddon,
  checkEntitlement,
  listAddons,
  listAssignments,
  provisionAddon,
  retireAddon,
  revokeAddon,
  updateAddon,
} from '../services/cloud.js'
import { routesOf } from './register.js'

/** Cloud add-on pools (operator provisions), assignments to users (admins, in bulk), entitlement checks. */
export const cloudRoutes = routesOf(cloudEndpoints, {
  provision: (req) => provisionAddon(req.ctx, req.params.org, req.body),
  list: (req) => listAddons(req.ctx, req.params.org, req.query),
  update: (req) => updateAddon(req.ctx, req.params.org, req.params.addon, req.body),
  retire: (req) => retireAddon(req.ctx, req.params.org, req.params.addon),
  assignments: (req) => listAssignments(req.ctx, req.params.org, req.query),
  assign: (req) =>
    assignAddon(req.ctx, req.params.org, req.params.addon, req.body.items, {
      dryRun: req.body.dryRun,
      prior: req.body.prior,
    }),
  revoke: (req) =>
    revokeAddon(req.ctx, req.params.org, req.params.addon, req.body.items, {
      dryRun: req.body.dryRun,
      prior: req.body.prior,
    }),
  check: (req) => checkEntitlement(req.ctx, req.params.org, req.params.addon, req.query.user),
})
