import type { ExpiryCheckOutput, ExpiryItem } from '../contract/expiry.js'
import { counted } from '../domain/plural.js'
import { color, renderTable } from './output.js'

const KIND_LABEL: Record<string, string> = {
  'seat-pool': 'seat pool',
  'addon-pool': 'add-on pool',
  token: 'API token',
}
const label = (kind: string) => KIND_LABEL[kind] ?? kind.replaceAll('-', ' ')
/** `1 license`, `2 licenses`: the API's units are plural (`licenses`, `seats`) or one (`token`). */
const ofUnit = (count: number, unit: string) =>
  unit.endsWith('s') ? counted(count, unit.slice(0, -1), unit) : `${count} ${unit}`

/**
 * Whether the item's name already says its owner: a device's license is named by the device
 * (`AP-B`, `AP-B (Lobby)`), so `(AP-B)` again would read as something else it affects.
 */
const namesOwner = (i: ExpiryItem) =>
  i.owner !== null && (i.name === i.owner || i.name.startsWith(`${i.owner} (`))
/** The owner, when the name does not say it already: whose a token is. */
const ownerNotNamed = (i: ExpiryItem): string | null => (namesOwner(i) ? null : i.owner)

/** The terminal table, coloured by severity (plain off a terminal and with NO_COLOR). */
export function renderExpiry(items: readonly ExpiryItem[]): string {
  if (items.length === 0) return 'Nothing expires within the window.'
  const c = color()
  const paint = (s: ExpiryItem['severity']) =>
    s === 'expired' ? c.red.bold(s) : s === 'failing' ? c.red(s) : c.yellow(s)
  return renderTable(items, [
    { header: 'Severity', get: (i) => paint(i.severity) },
    { header: 'Kind', get: (i) => label(i.kind) },
    { header: 'Name', get: (i) => i.name },
    { header: 'Org', get: (i) => i.org },
    {
      header: 'Valid through',
      get: (i) => (i.reason === 'capacity' ? `${i.usage?.percent ?? 0}% used` : i.validThrough),
    },
    { header: 'Days left', get: (i) => (i.reason === 'capacity' ? '' : i.daysLeft), align: 'right' },
    {
      header: 'Affects',
      get: (i) => {
        const owner = ownerNotNamed(i)
        return `${ofUnit(i.affected.count, i.affected.unit)}${owner ? ` (${owner})` : ''}`
      },
    },
  ])
}

/**
 * When an expired item expired: `after <its last valid day>`, or — when that day is today, so it
 * ended at a time of day (`--expires 5s`) — `today at 14:03:05 (UTC)`, never "after <today>".
 * The server's refusals say the same in the organization's zone (domain/dates.ts, expiredWhen).
 */
function expiredWhen(i: ExpiryItem): string {
  if (i.daysLeft !== 0) return `after ${i.validThrough}`
  const [day, seconds] = [i.expiresAt.slice(0, 10), i.expiresAt.slice(11, 19)]
  const time = seconds.endsWith(':00') ? seconds.slice(0, 5) : seconds
  // Today is the organization's; in UTC, the time may fall on another date (east of Greenwich).
  return `${day === i.validThrough ? 'today' : `on ${day}`} at ${time} (UTC)`
}

/** One sentence for an item, as annotations and the summary use it. */
export function describeItem(i: ExpiryItem): string {
  const owner = ownerNotNamed(i)
  const what = `${label(i.kind)} '${i.name}'${owner ? ` of ${owner}` : ''} (${i.org})`
  if (i.reason === 'capacity')
    return `${what} is ${i.usage?.percent ?? 0}% used: ${i.usage?.used ?? 0} of ${ofUnit(i.usage?.total ?? 0, i.affected.unit)}`
  if (i.severity === 'expired')
    return `${what} expired ${expiredWhen(i)}: ${ofUnit(i.affected.count, i.affected.unit)} lapsed${i.remedy ? `; ${i.remedy}` : ''}`
  const days = i.daysLeft === 0 ? 'today is its last day' : `${counted(i.daysLeft, 'day')} left`
  return `${what} is valid through ${i.validThrough} (${days}): ${ofUnit(i.affected.count, i.affected.unit)}`
}

/**
 * GitHub Actions workflow commands: `::error` for failing and expired items, `::warning` for the
 * rest. Property values and the message are escaped as the runner expects (%, CR, LF; `:` and `,`
 * in properties).
 */
const data = (s: string) => s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A')
const prop = (s: string) => data(s).replaceAll(':', '%3A').replaceAll(',', '%2C')

/** An `::error` annotation for a check that could not run (a server down, a refused token). */
export function githubError(title: string, message: string): string {
  return `::error title=${prop(title)}::${data(message)}\n`
}

export function githubAnnotations(items: readonly ExpiryItem[]): string {
  return items
    .map((i) => {
      const level = i.severity === 'warning' ? 'warning' : 'error'
      const title =
        i.reason === 'capacity'
          ? 'License pool nearly full'
          : i.severity === 'expired'
            ? 'License expired'
            : 'License expiring'
      return `::${level} title=${prop(title)}::${data(describeItem(i))}\n`
    })
    .join('')
}

/** The one line on stderr. */
export function summaryLine(o: ExpiryCheckOutput): string {
  const s = o.summary
  if (o.orgs.length === 0) return 'expiry check: no organization could be checked'
  const orgs = o.orgs.length === 1 ? o.orgs[0]!.org : `${o.orgs.length} organizations`
  const w = o.window
  // A warn level that ends with the window (`--within 30d --fail-within 30d`, or 2w and 14d) fails
  // all of it: the counts already say "failing", so the window is said once.
  const apart = w.failWithin !== null && w.failUntil !== w.until
  const window = `within ${w.within}${apart ? `, failing within ${w.failWithin}` : ''}`
  if (s.total === 0) return `expiry check: nothing expires ${window} in ${orgs}`
  const parts = [
    s.expired ? `${s.expired} expired` : '',
    s.failing ? `${s.failing} failing` : '',
    s.warning ? counted(s.warning, 'warning') : '',
  ].filter(Boolean)
  return `expiry check: ${parts.join(', ')} ${window} in ${orgs}`
}

/** The remedies of the expired items, once each (a key and its pool licenses share one). */
export function remedyHints(items: readonly ExpiryItem[]): string[] {
  return [...new Set(items.flatMap((i) => (i.remedy ? [i.remedy] : [])))].map((r) => `Hint: ${r}`)
}
