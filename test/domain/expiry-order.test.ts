import { strict as assert } from 'node:assert'
import { byUrgency, type Ordered } from '../../src/domain/expiry-order.js'

const item = (org: string, name: string, severity: Ordered['severity'], expiresAt: string): Ordered => ({
  org,
  name,
  severity,
  expiresAt,
  kind: 'seat-pool',
})

describe('the order of expiry check items', () => {
  it('is one list across organizations: expired, failing, warnings, each soonest first', () => {
    const items = [
      item('acme', 'a-late', 'failing', '2026-02-14T00:00:00.000Z'),
      item('acme', 'a-warn', 'warning', '2026-02-01T00:00:00.000Z'),
      item('globex', 'g-soon', 'failing', '2026-01-31T00:00:00.000Z'),
      item('globex', 'g-gone', 'expired', '2026-01-10T00:00:00.000Z'),
      item('acme', 'a-gone', 'expired', '2026-01-12T00:00:00.000Z'),
    ]
    assert.deepEqual(
      items.sort(byUrgency).map((i) => i.name),
      ['g-gone', 'a-gone', 'g-soon', 'a-late', 'a-warn'],
    )
  })

  it('breaks ties by kind, then name, then organization', () => {
    const at = '2026-02-01T00:00:00.000Z'
    const items = [
      item('globex', 'p', 'failing', at),
      { ...item('acme', 'z', 'failing', at), kind: 'addon-pool' },
      item('acme', 'p', 'failing', at),
      item('acme', 'o', 'failing', at),
    ]
    assert.deepEqual(
      items.sort(byUrgency).map((i) => `${i.org}/${i.name}`),
      ['acme/z', 'acme/o', 'acme/p', 'globex/p'],
    )
  })

  it('orders names and organizations by bytes, as the server lists them, not by a language', () => {
    const at = '2026-02-01T00:00:00.000Z'
    const items = ['alpha', 'Zeta', 'ab', 'a-b', 'a_b'].map((name) => item('acme', name, 'failing', at))
    items.push(item('Zeta', 'ab', 'failing', at), item('_x', 'ab', 'failing', at))
    assert.deepEqual(
      items.sort(byUrgency).map((i) => `${i.org}/${i.name}`),
      ['acme/Zeta', 'acme/a-b', 'acme/a_b', 'Zeta/ab', '_x/ab', 'acme/ab', 'acme/alpha'],
    )
  })
})
