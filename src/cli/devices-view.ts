import { counted } from '../domain/plural.js'
import type { BulkRowResult } from '../contract/bulk.js'
import type {
  Category,
  Device,
  DeviceDetail,
  DeviceKey,
  DetachDetails,
  IssuedKeys,
  Pool,
} from '../contract/devices.js'
import { color, renderFields, renderTable, shortTime } from './output.js'

/** The terms shown (and asked) on a terminal by `devices keys add`. */
export const LICENSE_TERMS = `License terms for device licenses
- Each license licenses one device of the key's category for its term (1, 3 or 5 years).
- Licenses on one device combine into one cumulative license; detaching releases it as one
  license with the remaining days (the detach day rounded up and one day deducted), never the originals.
- A key is added to one organization, once. Unassigned licenses may be transferred between
  organizations whose admin you are.`

/** How device categories, keys, the pool and devices look in a terminal; shared by the devices commands. */
export function renderCategories(items: readonly Category[]): string {
  return renderTable(items, [
    { header: 'Category', get: (c) => c.name },
    { header: 'Models', get: (c) => c.models.join(', ') },
    { header: 'Description', get: (c) => c.description },
  ])
}

export function renderIssued(res: IssuedKeys): string {
  return renderTable(res.keys, [
    { header: 'Key', get: (k) => k.key },
    { header: 'Category', get: (k) => k.category },
    { header: 'Term', get: (k) => k.term },
    { header: 'Count', get: (k) => k.count, align: 'right' },
  ])
}

export function renderKeys(items: readonly DeviceKey[]): string {
  return renderTable(items, [
    { header: 'Key', get: (k) => k.serial },
    { header: 'Category', get: (k) => k.category },
    { header: 'Term', get: (k) => k.term },
    { header: 'Count', get: (k) => k.count, align: 'right' },
    { header: 'In pool', get: (k) => k.inPool, align: 'right' },
    { header: 'Added by', get: (k) => k.addedBy },
    { header: 'Added at', get: (k) => shortTime(k.addedAt) },
    { header: 'State', get: (k) => k.state },
  ])
}

export function renderPool(pool: Pool): string {
  return renderTable(pool.groups, [
    { header: 'Category', get: (g) => g.category },
    { header: 'Term', get: (g) => g.term },
    { header: 'Days', get: (g) => g.days, align: 'right' },
    { header: 'Licenses', get: (g) => g.count, align: 'right' },
    // "-" (null) when they have no last day to be assigned.
    { header: 'Assign by', get: (g) => g.assignableThrough },
    {
      header: 'Names',
      get: (g) => (g.licenses.length > 3 ? `${g.licenses.slice(0, 3).join(', ')}, …` : g.licenses.join(', ')),
    },
  ])
}

const licenseCell = (d: Device) =>
  d.licensedFrom === null ? 'unlicensed' : d.expired ? color().red('expired') : 'licensed'

export function renderDevices(items: readonly Device[]): string {
  return renderTable(items, [
    { header: 'Serial', get: (d) => d.serial },
    { header: 'Name', get: (d) => d.name },
    { header: 'Category', get: (d) => d.category },
    { header: 'Site', get: (d) => d.site },
    { header: 'License', get: licenseCell },
    { header: 'Valid until', get: (d) => d.validUntil },
    { header: 'Days left', get: (d) => d.daysLeft, align: 'right' },
  ])
}

export function renderDevice(d: DeviceDetail): string {
  const head = renderFields([
    ['Serial', d.serial],
    ['Name', d.name],
    ['Model', d.model],
    ['Category', d.category],
    ['Site', d.site],
    ['License', licenseCell(d)],
    ['Licensed from', d.licensedFrom],
    ['Term (days)', d.licenseDays || null],
    ['Valid until', d.validUntil],
    ['Days left', d.daysLeft],
    ['Licenses', d.licenses.map((l) => `${l.name} (${counted(l.days, 'day')})`).join(', ')],
  ])
  if (d.history.length === 0) return head
  const history = renderTable(d.history, [
    { header: 'Day', get: (h) => h.day },
    { header: 'Event', get: (h) => h.kind },
    { header: 'Licenses', get: (h) => h.licenses.join(', ') },
    { header: 'Days', get: (h) => h.days, align: 'right' },
    { header: 'Valid until', get: (h) => h.validUntil },
    { header: 'Returned', get: (h) => h.returnedDays, align: 'right' },
    { header: 'By', get: (h) => h.actor },
  ])
  return `${head}\n\nHistory\n${history}`
}

/** One device's detach preview, in words: today against tomorrow, and a reassignment tomorrow. */
export function describeDetach(d: DetachDetails): string {
  const back =
    d.returnedDays > 0
      ? `${counted(d.returnedDays, 'day')} ${d.returnedDays === 1 ? 'goes' : 'go'} back to the pool as one license`
      : 'nothing goes back'
  const tomorrow =
    d.tomorrow.returnedDays > 0
      ? `${counted(d.tomorrow.returnedDays, 'day')} would go back`
      : 'nothing would go back'
  const reassign = d.validUntilIfReassignedTomorrow
    ? `; reassigned tomorrow, valid until ${d.validUntilIfReassignedTomorrow}`
    : ''
  // Days pass on after the license ran out: past its term they are all used, whatever the count.
  const used =
    d.usedDays > d.licenseDays
      ? `${d.licenseDays === 1 ? 'its 1 day' : `all ${d.licenseDays} days`} used (${counted(d.usedDays, 'day')} since ${d.licensedFrom})`
      : `${d.usedDays} of ${counted(d.licenseDays, 'day')} used`
  return `${used}, ${back}, ${d.lostDays} lost (detaching tomorrow: ${tomorrow})${reassign}`
}

export function describePreviewRows(rows: readonly BulkRowResult[]): string[] {
  return rows
    .filter((r) => r.details && 'returnedDays' in r.details)
    .map((r) => `  ${r.target}: ${describeDetach(r.details as DetachDetails)}`)
}
