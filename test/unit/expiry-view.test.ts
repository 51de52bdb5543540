import { strict as assert } from 'node:assert'
import type { ExpiryCheckOutput, ExpiryItem } from '../../src/contract/expiry.js'
import {
  describeItem,
  githubAnnotations,
  githubError,
  remedyHints,
  renderExpiry,
  summaryLine,
} from '../../src/cli/expiry-view.js'

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

  it('says an item that expired today at a time of day did so, never "expired after <today>"', () => {
    const today = { expiresAt: '2026-01-22T14:03:05.000Z', validThrough: '2026-01-22', daysLeft: 0 }
    assert.equal(
      describeItem(item('seat-pool', 'cad', today)),
      "seat pool 'cad' (acme) expired today at 14:03:05 (UTC): 1 license lapsed",
    )
    assert.equal(
      describeItem(item('seat-pool', 'cad', { ...today, expiresAt: '2026-01-22T14:03:00.000Z' })),
      "seat pool 'cad' (acme) expired today at 14:03 (UTC): 1 license lapsed",
    )
    // Today in Kolkata, at 05:00 there: the evening before in UTC
    assert.equal(
      describeItem(item('seat-pool', 'cad', { ...today, expiresAt: '2026-01-21T23:30:00.000Z' })),
      "seat pool 'cad' (acme) expired on 2026-01-21 at 23:30 (UTC): 1 license lapsed",
    )
    assert.equal(
      describeItem(item('seat-pool', 'cad')),
      "seat pool 'cad' (acme) expired after 2026-01-10: 1 license lapsed",
    )
  })

  it('names a device license by its device once, not "\'AP-B\' of AP-B"; other owners stay', () => {
    const device = { owner: 'AP-B', severity: 'failing' as const, daysLeft: 5 }
    assert.equal(
      describeItem(item('device-license', 'AP-B', device)),
      "device license 'AP-B' (acme) is valid through 2026-01-10 (5 days left): 1 license",
    )
    assert.equal(
      describeItem(item('device-license', 'AP-B (Lobby)', device)),
      "device license 'AP-B (Lobby)' (acme) is valid through 2026-01-10 (5 days left): 1 license",
    )
    assert.equal(
      describeItem(
        item('token', 'ci', { ...device, owner: 'ann@acme.test', affected: { count: 1, unit: 'token' } }),
      ),
      "API token 'ci' of ann@acme.test (acme) is valid through 2026-01-10 (5 days left): 1 token",
    )
  })

  it('escapes a failure for its ::error annotation', () => {
    assert.equal(
      githubError('expiry check failed', 'cannot reach http://x:1\n100%'),
      '::error title=expiry check failed::cannot reach http://x:1%0A100%25\n',
    )
  })

  it('appends the remedy to an expired item’s annotation', () => {
    assert.equal(
      githubAnnotations([item('device-pool-license', 'K1-1 (router 1y)', { remedy: retire })]),
      `::error title=License expired::device pool license 'K1-1 (router 1y)' (acme) expired after 2026-01-10: 1 license lapsed; ${retire}\n`,
    )
  })
})

describe('expiry check output: the summary line', () => {
  const output = (window: Partial<ExpiryCheckOutput['window']>): ExpiryCheckOutput => ({
    checkedAt: '2026-01-16T09:00:00.000Z',
    window: {
      within: '30d',
      until: '2026-02-15T00:00:00.000Z',
      failWithin: null,
      failUntil: null,
      capacity: 90,
      ...window,
    },
    orgs: [{ org: 'acme', profile: null }],
    items: [],
    summary: { total: 4, expired: 0, failing: 4, warning: 0, byKind: { 'seat-pool': 4 } },
    errors: [],
  })

  it('names a warn level shorter than the window', () => {
    assert.equal(
      summaryLine(output({ failWithin: '7d', failUntil: '2026-01-23T00:00:00.000Z' })),
      'expiry check: 4 failing within 30d, failing within 7d in acme',
    )
  })

  it('says the window once when the warn level is the window itself', () => {
    const same = { failWithin: '30d', failUntil: '2026-02-15T00:00:00.000Z' }
    assert.equal(summaryLine(output(same)), 'expiry check: 4 failing within 30d in acme')
    // Spelt differently, the same day: 2w and 14d end together.
    const twoWeeks = { within: '2w', until: '2026-01-30T00:00:00.000Z' }
    assert.equal(
      summaryLine(output({ ...twoWeeks, failWithin: '14d', failUntil: '2026-01-30T00:00:00.000Z' })),
      'expiry check: 4 failing within 2w in acme',
    )
  })
})

describe('expiry check output: an item in words', () => {
  it('a full pool of one seat: "1 of 1 seat", never "1 of 1 seats"', () => {
    const full = item('seat-pool', 'tiny', {
      reason: 'capacity',
      severity: 'warning',
      daysLeft: 350,
      affected: { count: 1, unit: 'seats' },
      usage: { used: 1, total: 1, percent: 100 },
    })
    assert.equal(describeItem(full), "seat pool 'tiny' (acme) is 100% used: 1 of 1 seat")
    const many = { ...full, usage: { used: 2, total: 2, percent: 100 } }
    assert.equal(describeItem(many), "seat pool 'tiny' (acme) is 100% used: 2 of 2 seats")
  })
})

describe('expiry check output: the Affects column', () => {
  /** The Affects cell of each row of the table, as printed off a terminal. */
  const affects = (items: ExpiryItem[]) =>
    renderExpiry(items)
      .split('\n')
      .slice(1)
      .filter((line) => line.trim() !== '')
      .map((line) =>
        line
          .trim()
          .split(/\s{2,}/)
          .at(-1),
      )

  it('says what lapses as seats and add-ons do, without naming again the device the row names', () => {
    const today = { severity: 'failing' as const, daysLeft: 3 }
    assert.deepEqual(
      affects([
        item('seat-pool', 'cad', { ...today, affected: { count: 10, unit: 'seats' } }),
        item('addon-pool', 'Cloud Processing', { ...today, affected: { count: 4, unit: 'licenses' } }),
        item('device-license', 'AP-B', { ...today, owner: 'AP-B' }),
        item('device-license', 'AP-C (Lobby)', {
          ...today,
          owner: 'AP-C',
          affected: { count: 2, unit: 'licenses' },
        }),
        item('token', 'ci', { ...today, owner: 'ann@acme.test', affected: { count: 1, unit: 'token' } }),
      ]),
      ['10 seats', '4 licenses', '1 license', '2 licenses', '1 token (ann@acme.test)'],
    )
  })
})
