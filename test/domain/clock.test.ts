import { strict as assert } from 'node:assert'
import { clockStartingAt, systemClock, toIso, toIsoOrNull } from '../../src/domain/clock.js'

describe('domain: clock', () => {
  it('a clock started at an instant begins there and advances in real time', async () => {
    const start = Date.parse('2024-01-31T09:00:00Z')
    const clock = clockStartingAt(start)
    const first = clock.now()
    assert.ok(first >= start && first - start < 50, String(first - start))
    await new Promise((r) => setTimeout(r, 30))
    const later = clock.now()
    assert.ok(later - first >= 25 && later - first < 500, String(later - first))
    assert.ok(Math.abs(systemClock.now() - Date.now()) < 5)
  })

  it('writes instants as ISO-8601 UTC with milliseconds', () => {
    assert.equal(toIso(0), '1970-01-01T00:00:00.000Z')
    assert.equal(toIsoOrNull(Date.parse('2027-03-31T22:00:00+02:00')), '2027-03-31T20:00:00.000Z')
    assert.equal(toIsoOrNull(null), null)
    assert.equal(toIsoOrNull(undefined), null)
  })
})
