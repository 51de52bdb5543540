import { counted } from '../domain/plural.js'
import type {
  ActivationDetail,
  ActivationEntitlement,
  ActivationSummary,
  Orphan,
  ResizePlan,
} from '../contract/activations.js'
import { color, renderFields, renderTable, shortTime } from './output.js'

/** How entitlements, activation IDs, hosts, orphans and plans look in a terminal. */
const validity = (x: { validThrough: string; expired: boolean }) =>
  x.expired ? color().red(`${x.validThrough} (expired)`) : x.validThrough

export function renderEntitlements(items: readonly ActivationEntitlement[]): string {
  return renderTable(items, [
    { header: 'Product', get: (e) => e.product },
    { header: 'Type', get: (e) => e.type },
    { header: 'Seats', get: (e) => e.seats, align: 'right' },
    { header: 'In IDs', get: (e) => e.inIds, align: 'right' },
    { header: 'Free', get: (e) => e.free, align: 'right' },
    { header: 'Valid through', get: (x) => validity(x) },
  ])
}

export function renderIds(items: readonly ActivationSummary[]): string {
  return renderTable(items, [
    { header: 'ID', get: (a) => a.id },
    { header: 'Product', get: (a) => a.product },
    { header: 'Type', get: (a) => a.type },
    { header: 'Quantity', get: (a) => a.quantity, align: 'right' },
    { header: 'In use', get: (a) => a.used, align: 'right' },
    { header: 'Free', get: (a) => a.free, align: 'right' },
    { header: 'Status', get: (a) => (a.status === 'active' ? 'active' : color().dim('inactive')) },
    { header: 'Valid through', get: (x) => validity(x) },
  ])
}

export function renderOrphans(items: readonly Orphan[]): string {
  return renderTable(items, [
    { header: 'Host', get: (o) => o.host },
    { header: 'ID', get: (o) => o.id },
    { header: 'Product', get: (o) => o.product },
    { header: 'Seats', get: (o) => o.seats, align: 'right' },
    { header: 'Why', get: (o) => (o.reason === 'return' ? 'ID returned' : 'rehosted') },
    { header: 'Since', get: (o) => shortTime(o.since) },
    { header: 'Cleaned', get: (o) => shortTime(o.clearedAt) },
  ])
}

export function renderDetail(a: ActivationDetail): string {
  const parts = [
    renderFields([
      ['ID', a.id],
      ['Product', `${a.product} (${a.type === 'NL' ? 'node-locked' : 'concurrent'})`],
      ['Status', a.status + (a.returnedAt ? ` (returned ${shortTime(a.returnedAt)})` : '')],
      ['Seats', `${a.quantity}: ${a.used} in use, ${a.free} free`],
      ['Valid through', validity(a)],
    ]),
    '',
    a.hosts.length === 0
      ? 'No host holds it.'
      : 'Hosts:\n' +
        renderTable(a.hosts, [
          { header: 'Host', get: (h) => h.host },
          { header: 'Seats', get: (h) => h.seats, align: 'right' },
          { header: 'Since', get: (h) => shortTime(h.since) },
        ]),
  ]
  if (a.orphans.length > 0)
    parts.push('', 'Orphans (copies left on hosts, harmless and useless):', renderOrphans(a.orphans))
  return parts.join('\n')
}

/** The resize plan, numbered in the only safe order; an ID that already has the quantity has none. */
export function renderPlan(plan: ResizePlan): string {
  if (plan.steps.length === 0)
    return `${plan.id} (${plan.product}) already has ${counted(plan.from, 'seat')}: nothing to change.`
  const lines = [
    `Resize ${plan.id} (${plan.product}) from ${plan.from} to ${counted(plan.to, 'seat')}, in this order:`,
  ]
  plan.steps.forEach((s, i) => {
    const n = `  ${i + 1}.`
    if (s.action === 'deactivate')
      lines.push(
        `${n} deactivate on ${s.host} (${counted(s.seats, 'seat')}): licctl activations deactivate ${s.id} --host ${s.host}`,
      )
    else if (s.action === 'return')
      lines.push(`${n} return ${s.id} on the portal (${counted(s.seats, 'seat')} back to the entitlement)`)
    else lines.push(`${n} generate a new ID of ${counted(s.quantity, 'seat')} of ${s.product}`)
  })
  return lines.join('\n')
}
