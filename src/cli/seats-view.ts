import type { Lease, SeatPool } from '../contract/seats.js'
import { formatDuration } from '../domain/duration.js'
import { color, renderTable, shortTime, validity, type Column } from './output.js'

/** How seat pools and leases look in a terminal; shared by the seats commands. */
export const poolColumns: Column<SeatPool>[] = [
  { header: 'Product', get: (p) => p.product },
  { header: 'Seats', get: (p) => p.seats, align: 'right' },
  { header: 'In use', get: (p) => p.inUse, align: 'right' },
  { header: 'Roaming', get: (p) => p.roaming, align: 'right' },
  { header: 'Stale', get: (p) => p.stale, align: 'right' },
  { header: 'Free', get: (p) => p.free, align: 'right' },
  {
    header: 'Valid through',
    get: (p) => validity(p),
  },
  { header: 'Usage', get: (p) => p.usage },
]

export function stateLabel(state: Lease['state']): string {
  const c = color()
  return state === 'stale' ? c.yellow('stale') : state === 'roaming' ? c.cyan('roaming') : c.green('active')
}

/**
 * Leases, for `seats list` and `seats stuck` alike. How long a lease has been idle is its last
 * heartbeat's age, shown once: relative on a terminal, with its age in a pipe.
 */
export function renderLeases(leases: Lease[]): string {
  return renderTable(leases, [
    { header: 'Lease', get: (l) => l.id },
    { header: 'Product', get: (l) => l.product },
    { header: 'User', get: (l) => l.user },
    { header: 'Host', get: (l) => l.host },
    { header: 'Started', get: (l) => shortTime(l.startedAt) },
    {
      header: 'Last heartbeat',
      // On a terminal shortTime is already relative ("3 minutes ago").
      get: (l) =>
        process.stdout.isTTY
          ? shortTime(l.lastHeartbeatAt)
          : `${shortTime(l.lastHeartbeatAt)} (${formatDuration(l.idleSeconds * 1000)} ago)`,
    },
    // Empty for every lease that does not roam (and so for every stuck one).
    { header: 'Roaming until', get: (l) => l.roamingUntil && shortTime(l.roamingUntil), hideWhenEmpty: true },
    { header: 'State', get: (l) => stateLabel(l.state) },
  ])
}
