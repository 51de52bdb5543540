import { strict as assert } from 'node:assert'
import type { ExpiryItem } from '../../src/contract/expiry.js'
import { githubAnnotations, remedyHints } from '../../src/cli/expiry-view.js'

const retire =
  'the licenses of key K1 lapsed unassigned and can never be assigned: `licctl devices keys retire K1` writes them off and clears them from the check'
const item = (kind: string, name: string, over: Partial<ExpiryItem> = {}): ExpiryItem => ({
  kind,
  id: name,
  name,
  org: 'acme',
  reason: 'expiry',
  expiresAt: '2026-01-11T00:00:00.000Z',
  validThrough: '2026-01-10',
  daysLeft: -12,
  severity: 'expired',
  affected: { count: 1, unit: 'licenses' },
  owner: null,
  usage: null,
  remedy: null,
  ...over,
})

describe('expiry check output: remedies', () => {
  it('hints each remedy once, however many items share it', () => {
    const items = [
      item('device-key', 'K1 (router 1y)', { remedy: retire, affected: { count: 2, unit: 'licenses' } }),
      item('device-pool-license', 'K1-1 (router 1y)', { remedy: retire }),
      item('device-pool-license', 'K1-2 (router 1y)', { remedy: retire }),
      item('seat-pool', 'cad'),
    ]
    assert.deepEqual(remedyHints(items), [`Hint: ${retire}`])
    assert.deepEqual(remedyHints([item('seat-pool', 'cad')]), [])
  })

  it('appends the remedy to an expired item’s annotation', () => {
    assert.equal(
      githubAnnotations([item('device-pool-license', 'K1-1 (router 1y)', { remedy: retire })]),
      `::error title=License expired::device pool license 'K1-1 (router 1y)' (acme) expired after 2026-01-10: 1 license lapsed; ${retire}\n`,
    )
  })
})
