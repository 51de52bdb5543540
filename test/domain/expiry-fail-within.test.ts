import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { parseDuration, isWholeDays } from '../../src/domain/duration.js'
import { failWithinSurelyLonger, windowSurelyTooLate } from '../../src/domain/expiry-fail-within.js'
import { windowEnd } from '../../src/domain/expiry-window.js'

/** Zones with summer time, far east and west, half-hour offsets, and a zone that moves by two hours. */
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Pacific/Kiritimati',
  'Pacific/Pago_Pago',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Antarctica/Troll',
]

/** The server's judgement (services/expiry-check.ts): the warn level's end after the window's. */
function serverRefuses(within: string, failWithin: string, now: number, zone: string): boolean {
  const end = (text: string) => windowEnd(now, parseDuration(text)!, isWholeDays(text), zone)
  return end(failWithin) > end(within)
}

describe('expiry check --fail-within: refused by the CLI when surely longer than the window', () => {
  it('refuses a mixed warn level that ends after the window in every zone, before any request', () => {
    assert.equal(failWithinSurelyLonger('30d', '60d1h'), true)
    assert.equal(failWithinSurelyLonger('30d', '32d1h'), true)
    assert.equal(failWithinSurelyLonger('1w', '220h'), true)
    assert.equal(failWithinSurelyLonger('40h', '3d'), true)
    assert.equal(failWithinSurelyLonger('12h', '1w'), true)
  })

  it('leaves what depends on the organization’s calendar (about a day either side) to the server', () => {
    assert.equal(failWithinSurelyLonger('30d', '30d1h'), false)
    assert.equal(failWithinSurelyLonger('2d', '40h'), false)
    assert.equal(failWithinSurelyLonger('40h', '2d'), false)
    assert.equal(failWithinSurelyLonger('30d', '7d12h'), false)
  })

  it('as before: whole days against whole days, exact against exact', () => {
    assert.equal(failWithinSurelyLonger('30d', '60d'), true)
    assert.equal(failWithinSurelyLonger('30d', '30d'), false)
    assert.equal(failWithinSurelyLonger('2w', '15d'), true)
    assert.equal(failWithinSurelyLonger('12h', '13h'), true)
    assert.equal(failWithinSurelyLonger('12h', '90m'), false)
  })

  it('never refuses what the server would accept, in any zone at any time', () => {
    const unit = fc.constantFrom('s', 'm', 'h', 'd', 'w')
    const duration = fc
      .array(fc.tuple(fc.integer({ min: 1, max: 400 }), unit), { minLength: 1, maxLength: 3 })
      .map((parts) => parts.map(([n, u]) => `${n}${u}`).join(''))
    fc.assert(
      fc.property(
        duration,
        duration,
        // 2000-01-01 to 2100-01-01
        fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }),
        fc.constantFrom(...ZONES),
        (within, failWithin, now, zone) => {
          if (failWithinSurelyLonger(within, failWithin))
            assert.ok(serverRefuses(within, failWithin, now, zone), `${within} ${failWithin} ${now} ${zone}`)
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('refuses a window that surely ends beyond the times licctl stores; within a day of it, the server judges', () => {
    const now = Date.UTC(2026, 0, 15, 10)
    assert.equal(
      windowSurelyTooLate('2920000d', now),
      "the window would end after 9999-12-31T00:00:00Z, the latest time licctl stores, got '2920000d'",
    )
    const toBound = (Date.UTC(9999, 11, 31) - now) / 86_400_000
    assert.equal(windowSurelyTooLate(`${Math.floor(toBound)}d`, now), null)
    assert.equal(
      windowSurelyTooLate(`${Math.floor(toBound) + 1}d`, now),
      null,
      'a day of slack: the zone decides',
    )
    assert.notEqual(windowSurelyTooLate(`${Math.floor(toBound) + 2}d`, now), null)
    assert.equal(windowSurelyTooLate('30d', now), null)
  })
})
