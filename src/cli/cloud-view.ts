import type { AddonAssignment, AddonPool } from '../contract/cloud.js'
import { renderTable, shortTime, validity } from './output.js'

/** How add-on pools and assignments look in a terminal; shared by the cloud commands. */
export function renderAddons(addons: readonly AddonPool[]): string {
  return renderTable(addons, [
    { header: 'Add-on', get: (a) => a.key },
    { header: 'Name', get: (a) => a.name },
    { header: 'Total', get: (a) => a.total, align: 'right' },
    { header: 'Assigned', get: (a) => a.assigned, align: 'right' },
    { header: 'Free', get: (a) => a.free, align: 'right' },
    {
      header: 'Valid through',
      get: (a) => validity(a),
    },
  ])
}

export function renderAssignments(items: readonly AddonAssignment[]): string {
  return renderTable(items, [
    { header: 'Add-on', get: (a) => a.addon },
    { header: 'User', get: (a) => a.email },
    { header: 'Name', get: (a) => a.name },
    { header: 'Assigned', get: (a) => shortTime(a.assignedAt) },
    { header: 'By', get: (a) => a.assignedBy },
  ])
}
