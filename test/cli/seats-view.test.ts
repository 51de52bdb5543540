import { strict as assert } from 'node:assert'
import { renderLeases } from '../../src/cli/seats-view.js'
import type { Lease } from '../../src/contract/seats.js'
import { asOnTerminal } from '../helpers/terminal.js'

/** Runs fn as on a terminal (or in a pipe), without colour. */
const on = <T>(tty: boolean, fn: () => T): T => asOnTerminal({ tty, columns: 200 }, fn)

const now = Date.now()
const ago = (s: number) => new Date(now - s * 1000).toISOString()
const lease = (over: Partial<Lease> = {}): Lease => ({
  id: 'ls_1',
  product: 'cad-pro',
  user: 'erin@acme.test',
  host: 'crashy',
  startedAt: ago(7200),
  lastHeartbeatAt: ago(3600),
  roamingUntil: null,
  state: 'stale',
  idleSeconds: 3600,
  ...over,
})
/** Every column of the lease table, as a pipe always shows them. */
const EVERY_COLUMN = [
  'Lease',
  'Product',
  'User',
  'Host',
  'Started',
  'Last heartbeat',
  'Roaming until',
  'State',
]
const header = (table: string) =>
  table
    .split('\n')[0]!
    .trim()
    .split(/\s{2,}/)

describe('seats list and seats stuck: the lease table', () => {
  it('says how long a lease is idle once, in its last heartbeat (no Idle column)', () => {
    const tty = on(true, () => renderLeases([lease()]))
    assert.deepEqual(header(tty), ['Lease', 'Product', 'User', 'Host', 'Started', 'Last heartbeat', 'State'])
    assert.match(tty, /ls_1\s+cad-pro\s+erin@acme\.test\s+crashy\s+2 hours ago\s+1 hour ago\s+stale/)
    const piped = on(false, () => renderLeases([lease()]))
    assert.match(piped, /\d{4}-\d\d-\d\d \d\d:\d\dZ \(1h ago\)\s+-\s+stale/)
    assert.ok(!/Idle/.test(piped), piped)
  })

  it('on a terminal, leaves out Roaming until when nothing roams; keeps it when a lease does', () => {
    const roaming = lease({
      id: 'ls_2',
      state: 'roaming',
      roamingUntil: new Date(now + 3 * 86_400_000 + 60_000).toISOString(),
    })
    const tty = on(true, () => renderLeases([lease(), roaming]))
    assert.deepEqual(header(tty), EVERY_COLUMN)
    assert.match(tty, /ls_2\s.*\s+in 3 days\s+roaming/)
    assert.match(tty, /ls_1\s.*1 hour ago\s+-\s+stale/)
  })

  it('off a terminal keeps every column whatever the data, so text read by scripts keeps its shape', () => {
    const piped = on(false, () => renderLeases([lease()]))
    assert.deepEqual(header(piped), EVERY_COLUMN)
  })
})
