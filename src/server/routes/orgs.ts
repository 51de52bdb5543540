import { orgsEndpoints } from '../../contract/orgs.js'
import { tokensEndpoints } from '../../contract/tokens.js'
import { usersEndpoints } from '../../contract/users.js'
import { showAuditEntry, verifyAudit } from '../services/audit-log.js'
import { createOrg, listAudit, listOrgs, showOrg, updateOrg } from '../services/orgs.js'
import { createToken, listTokens, revokeToken, showToken } from '../services/tokens.js'
import { addUsers, listMembers, removeUser, removeUsers, setRole } from '../services/users.js'
import { routesOf } from './register.js'

export const orgRoutes = routesOf(orgsEndpoints, {
  create: (req) => createOrg(req.ctx, req.body),
  list: (req) => listOrgs(req.ctx, req.query),
  show: (req) => showOrg(req.ctx, req.params.org),
  update: (req) => updateOrg(req.ctx, req.params.org, req.body),
  audit: (req) => listAudit(req.ctx, req.params.org, req.query),
  auditVerify: (req) => verifyAudit(req.ctx, req.params.org),
  auditShow: (req) => showAuditEntry(req.ctx, req.params.org, req.params.id),
})

export const userRoutes = routesOf(usersEndpoints, {
  list: (req) => listMembers(req.ctx, req.params.org, req.query),
  add: (req) =>
    addUsers(req.ctx, req.params.org, req.body.items, { dryRun: req.body.dryRun, prior: req.body.prior }),
  remove: (req) =>
    removeUsers(
      req.ctx,
      req.params.org,
      req.body.items.map((i) => i.email),
      { dryRun: req.body.dryRun, prior: req.body.prior?.map((batch) => batch.map((i) => i.email)) },
    ),
  removeOne: (req) => removeUser(req.ctx, req.params.org, req.params.email),
  setRole: (req) => setRole(req.ctx, req.params.org, req.params.email, req.body.role),
})

export const tokenRoutes = routesOf(tokensEndpoints, {
  create: (req) => createToken(req.ctx, req.params.org, req.body),
  list: (req) => listTokens(req.ctx, req.params.org, req.query),
  show: (req) => showToken(req.ctx, req.params.org, req.params.id),
  revoke: (req) => revokeToken(req.ctx, req.params.org, req.params.id),
})
