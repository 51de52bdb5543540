import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { Temporal } from 'temporal-polyfill'
import {
  calendarDay,
  daysUntil,
  expiredWhen,
  expiryInstant,
  lastValidDay,
  lastsUntil,
  timeIn,
} from '../../src/domain/dates.js'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'America/Santiago',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'Pacific/Kiritimati',
  'Pacific/Pago_Pago',
  'Australia/Lord_Howe',
]

describe('domain: dates', () => {
  it('says when something expired truly: after a whole day, or today (or on a day) at the time it ended', () => {
    const now = Date.parse('2026-12-04T15:00:00Z')
    // A date expiration ends at the start of the next day in the zone: "after" its last day
    assert.equal(
      expiredWhen(expiryInstant('2026-12-03', 'Europe/Berlin')!, 'Europe/Berlin', now),
      'after 2026-12-03',
    )
    assert.equal(expiredWhen(expiryInstant('2026-12-04', 'UTC')!, 'UTC', now), 'after 2026-12-04')
    // `--expires 5s` on the same day: the time, never "after <today>"
    assert.equal(expiredWhen(Date.parse('2026-12-04T14:03:05Z'), 'UTC', now), 'today at 14:03:05 (UTC)')
    assert.equal(expiredWhen(Date.parse('2026-12-04T14:03:00Z'), 'UTC', now), 'today at 14:03 (UTC)')
    assert.equal(
      expiredWhen(Date.parse('2026-12-04T14:03:05Z'), 'America/New_York', now),
      'today at 09:03:05 (America/New_York)',
    )
    assert.equal(
      expiredWhen(Date.parse('2026-12-03T23:30:00Z'), 'Asia/Kolkata', now),
      'today at 05:00 (Asia/Kolkata)',
    )
    assert.equal(expiredWhen(Date.parse('2026-12-02T08:15:00Z'), 'UTC', now), 'on 2026-12-02 at 08:15 (UTC)')
  })

  it('says an instant in a message as a day and a time in the organization’s zone, never a raw ISO string', () => {
    const now = Date.parse('2026-12-04T15:00:00Z')
    assert.equal(
      timeIn(Date.parse('2026-12-11T15:00:00.250Z'), 'Europe/Berlin', now),
      '2026-12-11 at 16:00 (Europe/Berlin)',
    )
    assert.equal(timeIn(Date.parse('2026-12-04T22:30:07Z'), 'UTC', now), 'today at 22:30:07 (UTC)')
    // The day is the zone's: 23:30 UTC on the 4th is already the 5th in Berlin.
    assert.equal(
      timeIn(Date.parse('2026-12-04T23:30:00Z'), 'Europe/Berlin', now),
      '2026-12-05 at 00:30 (Europe/Berlin)',
    )
  })

  it('says how long something may last in the zone, as it can be given back: through a whole day, or until a time', () => {
    const NOW = Date.parse('2026-12-04T15:00:00Z')
    // Ending at the start of a day in the zone (a date expiration): through the day before.
    assert.equal(
      lastsUntil(expiryInstant('2027-12-31', 'Europe/Berlin')!, 'Europe/Berlin', NOW),
      'through 2027-12-31',
    )
    assert.equal(lastsUntil(expiryInstant('2027-12-31', 'UTC')!, 'UTC', NOW), 'through 2027-12-31')
    // Else the day and the time there, the zone named; seconds only when there are some.
    assert.equal(
      lastsUntil(Date.parse('2026-12-19T23:30:00Z'), 'Asia/Kolkata', NOW),
      'until 2026-12-20 at 05:00 (Asia/Kolkata)',
    )
    assert.equal(
      lastsUntil(Date.parse('2026-12-19T14:03:05.250Z'), 'UTC', NOW),
      'until 2026-12-19 at 14:03:05 (UTC)',
    )
  })

  it('a calendar-date expiry covers that whole day in the organization’s time zone', () => {
    const cases: Array<[string, string, string]> = [
      ['2027-03-31', 'UTC', '2027-04-01T00:00:00.000Z'],
      ['2027-03-31', 'Europe/Berlin', '2027-03-31T22:00:00.000Z'],
      ['2027-01-31', 'America/New_York', '2027-02-01T05:00:00.000Z'],
      ['2027-03-31', 'Asia/Kolkata', '2027-03-31T18:30:00.000Z'],
      ['2027-03-31', 'Pacific/Chatham', '2027-03-31T10:15:00.000Z'],
      ['2027-12-31', 'Pacific/Kiritimati', '2027-12-31T10:00:00.000Z'],
      ['2027-12-31', 'Pacific/Pago_Pago', '2028-01-01T11:00:00.000Z'],
      ['2028-02-29', 'UTC', '2028-03-01T00:00:00.000Z'],
    ]
    for (const [day, zone, expires] of cases)
      assert.equal(iso(expiryInstant(day, zone)), expires, `${day} ${zone}`)
  })

  it('follows daylight saving time: the next midnight is in the next day’s offset', () => {
    // Berlin springs forward on 2027-03-28 (the day after the 27th is 23 hours long).
    assert.equal(iso(expiryInstant('2027-03-27', 'Europe/Berlin')), '2027-03-27T23:00:00.000Z')
    assert.equal(iso(expiryInstant('2027-03-28', 'Europe/Berlin')), '2027-03-28T22:00:00.000Z')
    // New York falls back on 2027-11-07 at 02:00: midnight before it is still EDT, after it EST.
    assert.equal(iso(expiryInstant('2027-11-06', 'America/New_York')), '2027-11-07T04:00:00.000Z')
    assert.equal(iso(expiryInstant('2027-11-07', 'America/New_York')), '2027-11-08T05:00:00.000Z')
  })

  it('when the next midnight does not exist (DST starting at 00:00), the day ends when the next one starts', () => {
    // Santiago moves from 00:00 -04 straight to 01:00 -03 on 2026-09-06.
    const ends = expiryInstant('2026-09-05', 'America/Santiago')!
    assert.equal(iso(ends), '2026-09-06T04:00:00.000Z')
    assert.equal(calendarDay(ends, 'America/Santiago'), '2026-09-06')
    assert.equal(lastValidDay(ends, 'America/Santiago'), '2026-09-05')
  })

  it('the last valid day of a date-only expiry is that date, and the next day begins at the expiry, in any zone', () => {
    const day = fc
      .integer({ min: 0, max: 365 * 80 })
      .map((n) => Temporal.PlainDate.from('2000-01-01').add({ days: n }).toString())
    fc.assert(
      fc.property(day, fc.constantFrom(...ZONES), (d, zone) => {
        const ends = expiryInstant(d, zone)!
        return (
          lastValidDay(ends, zone) === d &&
          calendarDay(ends, zone) === Temporal.PlainDate.from(d).add({ days: 1 }).toString()
        )
      }),
    )
  })

  it('accepts instants with an offset, as they are', () => {
    assert.equal(iso(expiryInstant('2027-03-31T10:00:00Z', 'Europe/Berlin')), '2027-03-31T10:00:00.000Z')
    assert.equal(iso(expiryInstant('2027-03-31T10:00:00.123Z', 'UTC')), '2027-03-31T10:00:00.123Z')
    assert.equal(iso(expiryInstant('2027-03-31T10:00:00+02:00', 'UTC')), '2027-03-31T08:00:00.000Z')
    assert.equal(iso(expiryInstant('2027-03-31T10:00:00-05:00', 'UTC')), '2027-03-31T15:00:00.000Z')
  })

  it('rejects impossible dates, offset-less instants and other text', () => {
    for (const bad of [
      '2027-02-30',
      '2027-02-29',
      '2027-04-31',
      '2027-13-01',
      '2027-00-10',
      '2027-03-31T10:00:00',
      '2027-03-31T25:00:00Z',
      '2027-3-31',
      '20270331',
      'tomorrow',
      '',
    ])
      assert.equal(expiryInstant(bad, 'UTC'), null, bad)
  })

  it('says which calendar day an instant falls on in the zone', () => {
    const newYear = Date.parse('2026-12-31T23:30:00Z')
    assert.equal(calendarDay(newYear, 'UTC'), '2026-12-31')
    assert.equal(calendarDay(newYear, 'Europe/Berlin'), '2027-01-01')
    assert.equal(calendarDay(newYear, 'America/New_York'), '2026-12-31')
    assert.equal(calendarDay(Date.parse('2026-12-31T10:00:00Z'), 'Pacific/Kiritimati'), '2027-01-01')
  })

  it('counts whole calendar days until an instant, negative once past, across DST', () => {
    const at = (s: string) => Date.parse(s)
    assert.equal(daysUntil(at('2026-01-01T12:00:00Z'), at('2026-01-31T01:00:00Z'), 'UTC'), 30)
    assert.equal(daysUntil(at('2026-02-01T12:00:00Z'), at('2026-01-31T01:00:00Z'), 'UTC'), -1)
    assert.equal(
      daysUntil(at('2026-01-31T23:59:00Z'), at('2026-02-01T00:01:00Z'), 'UTC'),
      1,
      'two minutes, one day',
    )
    assert.equal(daysUntil(at('2026-01-31T00:01:00Z'), at('2026-01-31T23:59:00Z'), 'UTC'), 0)
    // 2027-03-13 12:00 to 2027-03-15 12:00 in New York spans the 23-hour day: still 2 days.
    assert.equal(daysUntil(at('2027-03-13T17:00:00Z'), at('2027-03-15T16:00:00Z'), 'America/New_York'), 2)
    // The same instants are a different number of days apart in another zone.
    assert.equal(daysUntil(at('2026-01-01T22:00:00Z'), at('2026-01-02T02:00:00Z'), 'UTC'), 1)
    assert.equal(daysUntil(at('2026-01-01T22:00:00Z'), at('2026-01-02T02:00:00Z'), 'America/New_York'), 0)
  })
})
