import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { Temporal } from 'temporal-polyfill'
import {
  addDays,
  daysLeft,
  dayIn,
  detach,
  detachDay,
  isExpired,
  previewDetach,
  shownDay,
  shownValidUntil,
  stack,
  TERM_DAYS,
  validUntil,
} from '../../src/domain/device-days.js'

describe('domain: device license days', () => {
  it('reproduces the SPEC worked example exactly', () => {
    assert.equal(validUntil('2024-01-31', 365), '2025-01-30')
    assert.deepEqual(detach('2024-01-31', 365, '2024-03-06'), {
      usedDays: 36,
      returnedDays: 327,
      lostDays: 2,
    })
    assert.equal(validUntil('2024-03-07', 327), '2025-01-28')
  })

  it('counts leap days: 3 years assigned 2027-12-31, detached 2028-02-29', () => {
    assert.equal(validUntil('2027-12-31', TERM_DAYS['3y']), '2030-12-30')
    // 2027-12-31 .. 2028-02-29 both counted: 1 + 31 + 29 = 61 days used
    assert.deepEqual(detach('2027-12-31', 1095, '2028-02-29'), {
      usedDays: 61,
      returnedDays: 1032,
      lostDays: 2,
    })
    assert.equal(validUntil('2028-03-01', 1032), '2030-12-28')
  })

  it('shows a valid-until day stored past 9999-12-29 at that bound, far in the future, and counts days left to it', () => {
    assert.equal(validUntil('2024-01-31', 2_956_500), '+010118-09-15') // what an older version stored
    assert.equal(shownValidUntil('2024-01-31', 2_956_500), '9999-12-29')
    assert.equal(shownDay('+010021-08-12'), '9999-12-29')
    assert.equal(shownDay('9999-12-29'), '9999-12-29')
    assert.equal(shownValidUntil('2024-01-31', 365), '2025-01-30')
    assert.equal(daysLeft('2024-01-31', 2_956_500, '9999-12-28'), 1)
    assert.equal(isExpired('2024-01-31', 2_956_500, '9999-12-29'), false)
    assert.equal(
      previewDetach('2024-01-31', 2_956_500, '2024-02-01').validUntilIfReassignedTomorrow,
      '9999-12-29',
    )
  })

  it('crosses year ends', () => {
    assert.equal(validUntil('2025-12-31', 1), '2026-01-01')
    assert.equal(validUntil('2025-01-01', 365), '2026-01-01')
    assert.equal(validUntil('2024-01-01', 365), '2024-12-31') // 2024 has 366 days
    assert.deepEqual(detach('2025-12-30', 365, '2026-01-02'), { usedDays: 4, returnedDays: 359, lostDays: 2 })
    assert.equal(validUntil('2026-12-31', TERM_DAYS['5y']), '2031-12-30')
  })

  it('stacks licenses into one cumulative license whose term is their sum', () => {
    const first = stack(null, [365], '2024-01-31')
    assert.deepEqual(first, { start: '2024-01-31', days: 365 })
    const both = stack(first, [1095], '2024-06-01') // extends, keeps the start day
    assert.deepEqual(both, { start: '2024-01-31', days: 1460 })
    assert.equal(validUntil(both.start, both.days), '2028-01-30')
    assert.deepEqual(stack(null, [365, 365], '2024-01-31'), { start: '2024-01-31', days: 730 })
    // detaching the stack returns one license of the remaining days
    assert.deepEqual(detach(both.start, both.days, '2024-06-01'), {
      usedDays: 123,
      returnedDays: 1335,
      lostDays: 2,
    })
    // an expired cumulative license is not extended: the new one starts on the day of assignment
    assert.equal(isExpired('2024-01-31', 365, '2025-01-30'), false)
    assert.equal(isExpired('2024-01-31', 365, '2025-01-31'), true)
    assert.deepEqual(stack(first, [365], '2025-02-01'), { start: '2025-02-01', days: 365 })
  })

  it('detaching on the assignment day uses one day and returns term − 3', () => {
    assert.deepEqual(detach('2024-01-31', 365, '2024-01-31'), { usedDays: 1, returnedDays: 362, lostDays: 2 })
    assert.throws(() => detach('2024-01-31', 365, '2024-01-30'), RangeError)
  })

  it('returns nothing when the remainder is 0 or less', () => {
    assert.deepEqual(detach('2024-01-01', 3, '2024-01-01'), { usedDays: 1, returnedDays: 0, lostDays: 2 })
    assert.deepEqual(detach('2024-01-01', 3, '2024-01-02'), { usedDays: 2, returnedDays: 0, lostDays: 1 })
    assert.deepEqual(detach('2024-01-01', 3, '2024-01-03'), { usedDays: 3, returnedDays: 0, lostDays: 0 })
    assert.deepEqual(detach('2024-01-31', 365, '2025-03-01'), { usedDays: 396, returnedDays: 0, lostDays: 0 })
    assert.deepEqual(detach('2024-01-01', 4, '2024-01-02'), { usedDays: 2, returnedDays: 0, lostDays: 2 })
    assert.deepEqual(detach('2024-01-01', 5, '2024-01-02'), { usedDays: 2, returnedDays: 1, lostDays: 2 })
  })

  it('counts days in the organization’s time zone, where the local day differs from the UTC day', () => {
    // 2024-01-31T23:30Z is already 2024-02-01 in Berlin and still 2024-01-31 in New York
    const assignedAt = Date.parse('2024-01-31T23:30:00Z')
    assert.equal(dayIn(assignedAt, 'UTC'), '2024-01-31')
    assert.equal(dayIn(assignedAt, 'Europe/Berlin'), '2024-02-01')
    const berlinStart = dayIn(assignedAt, 'Europe/Berlin')
    assert.equal(validUntil(berlinStart, 365), '2025-01-31')
    // detached 2024-03-06T23:30Z: 2024-03-07 in Berlin
    const detachedAt = Date.parse('2024-03-06T23:30:00Z')
    assert.deepEqual(detach(berlinStart, 365, dayIn(detachedAt, 'Europe/Berlin')), {
      usedDays: 36,
      returnedDays: 327,
      lostDays: 2,
    })
    // 2024-03-07T03:00Z is still 2024-03-06 in Los Angeles
    assert.equal(dayIn(Date.parse('2024-03-07T03:00:00Z'), 'America/Los_Angeles'), '2024-03-06')
    assert.equal(daysLeft('2024-01-31', 365, '2025-01-30'), 0)
    assert.equal(daysLeft('2024-01-31', 365, '2024-03-06'), 330)
  })

  it('previews a detach: today against tomorrow, and the valid-until if reassigned tomorrow', () => {
    const p = previewDetach('2024-01-31', 365, '2024-03-06')
    assert.equal(p.returnedDays, 327)
    assert.equal(p.lostDays, 2)
    assert.deepEqual(p.tomorrow, { usedDays: 37, returnedDays: 326, lostDays: 2 })
    assert.equal(p.validUntilIfReassignedTomorrow, '2025-01-28')
    assert.equal(previewDetach('2024-01-01', 3, '2024-01-01').validUntilIfReassignedTomorrow, null)
  })

  it('previews a detach before the first day as on the first day, and tomorrow by the real tomorrow', () => {
    // First day 2024-04-03, today 2024-04-01: tomorrow (04-02) is still before it, so detaching
    // tomorrow returns what today does; reassigned tomorrow (04-02), 362 days run to 2025-03-30.
    const twoAhead = previewDetach('2024-04-03', 365, '2024-04-01')
    assert.deepEqual([twoAhead.usedDays, twoAhead.returnedDays, twoAhead.lostDays], [1, 362, 2])
    assert.deepEqual(twoAhead.tomorrow, { usedDays: 1, returnedDays: 362, lostDays: 2 })
    assert.equal(twoAhead.validUntilIfReassignedTomorrow, '2025-03-30')
    // Today 2024-04-02: tomorrow is the first day itself, still one day used.
    const oneAhead = previewDetach('2024-04-03', 365, '2024-04-02')
    assert.deepEqual(oneAhead.tomorrow, { usedDays: 1, returnedDays: 362, lostDays: 2 })
    assert.equal(oneAhead.validUntilIfReassignedTomorrow, '2025-03-31')
    // On the first day, tomorrow counts one day more as ever.
    assert.deepEqual(previewDetach('2024-04-03', 365, '2024-04-03').tomorrow, {
      usedDays: 2,
      returnedDays: 361,
      lostDays: 2,
    })
    assert.equal(detachDay('2024-04-03', '2024-04-01'), '2024-04-03')
    assert.equal(detachDay('2024-04-03', '2024-04-05'), '2024-04-05')
  })

  it('property: returned + used + 2 = term, or returned = 0', () => {
    const base = Temporal.PlainDate.from('2020-01-01')
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 * 1825 }),
        fc.integer({ min: 0, max: 3650 }),
        fc.integer({ min: 0, max: 4000 }),
        (term, startOffset, elapsed) => {
          const start = base.add({ days: startOffset }).toString()
          const on = addDays(start, elapsed)
          const r = detach(start, term, on)
          assert.equal(r.usedDays, elapsed + 1)
          assert.ok(r.returnedDays >= 0 && r.lostDays >= 0 && r.lostDays <= 2)
          assert.ok(r.returnedDays === 0 || r.returnedDays + r.usedDays + 2 === term)
          if (r.returnedDays > 0)
            assert.equal(validUntil(addDays(on, 1), r.returnedDays), addDays(validUntil(start, term), -2))
        },
      ),
      { numRuns: 2000 },
    )
  })
})
