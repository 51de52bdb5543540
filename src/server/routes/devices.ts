import { devicesEndpoints } from '../../contract/devices.js'
import {
  addCategory,
  addKey,
  issueKeys,
  listCategories,
  listKeys,
  retireKey,
  showPool,
} from '../services/devices-keys.js'
import { addDevices, listDevices, showDevice } from '../services/devices.js'
import {
  assignLicenses,
  detachLicenses,
  removeDevices,
  transferLicenses,
} from '../services/devices-licensing.js'
import { routesOf } from './register.js'

/** A bulk body's options: a dry run's earlier batches (`prior`) are replayed by the engine. */
const bulk = <T>(body: { dryRun: boolean; prior?: T[][] | undefined }) => ({
  dryRun: body.dryRun,
  prior: body.prior,
})

/** Device licenses: categories and keys (operator), the pool, devices, assign/detach, transfer. */
export const deviceRoutes = routesOf(devicesEndpoints, {
  categoriesAdd: (req) => addCategory(req.ctx, req.body),
  categoriesList: (req) => listCategories(req.ctx),
  keysIssue: (req) => issueKeys(req.ctx, req.body),
  keysAdd: (req) => addKey(req.ctx, req.params.org, req.body),
  keysList: (req) => listKeys(req.ctx, req.params.org),
  keysRetire: (req) => retireKey(req.ctx, req.params.org, req.body),
  pool: (req) => showPool(req.ctx, req.params.org),
  add: (req) => addDevices(req.ctx, req.params.org, req.body.items, bulk(req.body)),
  list: (req) => listDevices(req.ctx, req.params.org, req.query),
  show: (req) => showDevice(req.ctx, req.params.org, req.params.serial),
  remove: (req) => removeDevices(req.ctx, req.params.org, req.body.items, bulk(req.body)),
  assign: (req) => assignLicenses(req.ctx, req.params.org, req.body.items, bulk(req.body)),
  detach: (req) => detachLicenses(req.ctx, req.params.org, req.body.items, bulk(req.body)),
  transfer: (req) => transferLicenses(req.ctx, req.params.org, req.body),
})
