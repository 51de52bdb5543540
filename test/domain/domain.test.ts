import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { calendarDay, daysUntil, expiryInstant, lastValidDay } from '../../src/domain/dates.js'
import { formatDuration, parseDuration } from '../../src/domain/duration.js'
import { newId } from '../../src/domain/ids.js'
import { generateToken, hashToken, redactTokens } from '../../src/domain/tokens.js'

describe('domain: ids', () => {
  it('are prefixed, unique and sort by creation time', () => {
    const a = newId('ls', 1_700_000_000_000)
    const b = newId('ls', 1_700_000_000_001)
    assert.match(a, /^ls_[0-9a-z]{26}$/)
    assert.ok(a < b)
    const many = new Set(Array.from({ length: 1000 }, () => newId('x')))
    assert.equal(many.size, 1000)
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 47 }),
        fc.integer({ min: 1, max: 1e9 }),
        (t, d) => newId('p', t) < newId('p', t + d),
      ),
    )
  })
})

describe('domain: tokens', () => {
  it('have a recognizable prefix, 256 bits of secret, and are stored as a hash', () => {
    const t = generateToken('user')
    assert.match(t.token, /^lic_u_[A-Za-z0-9_-]{43}$/)
    assert.equal(t.hash, hashToken(t.token))
    assert.notEqual(t.hash, t.token)
    assert.ok(t.token.startsWith(t.prefix))
    assert.match(generateToken('operator').token, /^lic_op_/)
  })
  it('are redacted from any text', () => {
    const t = generateToken('operator').token
    assert.equal(redactTokens(`Bearer ${t} failed`), 'Bearer lic_op_[REDACTED] failed')
  })
})

describe('domain: durations', () => {
  it('parses the units every duration flag takes', () => {
    assert.equal(parseDuration('90s'), 90_000)
    assert.equal(parseDuration('15m'), 900_000)
    assert.equal(parseDuration('2h'), 7_200_000)
    assert.equal(parseDuration('30d'), 2_592_000_000)
    assert.equal(parseDuration('2w'), 1_209_600_000)
    assert.equal(parseDuration('1h30m'), 5_400_000)
    for (const bad of ['', '15', 'm', '1.5h', '-3d', '3 days']) assert.equal(parseDuration(bad), null, bad)
  })
  it('formats durations briefly', () => {
    assert.equal(formatDuration(0), '0s')
    assert.equal(formatDuration(45_000), '45s')
    assert.equal(formatDuration(3 * 86_400_000 + 4 * 3_600_000 + 5 * 60_000), '3d 4h')
    assert.equal(formatDuration(-120_000), '-2m')
  })
})

describe('domain: dates', () => {
  it('a calendar-date expiry covers that whole day in the organization’s time zone', () => {
    assert.equal(new Date(expiryInstant('2027-03-31', 'UTC')!).toISOString(), '2027-04-01T00:00:00.000Z')
    assert.equal(
      new Date(expiryInstant('2027-03-31', 'Europe/Berlin')!).toISOString(),
      '2027-03-31T22:00:00.000Z',
    )
    assert.equal(
      new Date(expiryInstant('2027-01-31', 'America/New_York')!).toISOString(),
      '2027-02-01T05:00:00.000Z',
    )
    // DST start in Berlin is 2027-03-28: the next midnight is at +02:00.
    assert.equal(
      new Date(expiryInstant('2027-03-27', 'Europe/Berlin')!).toISOString(),
      '2027-03-27T23:00:00.000Z',
    )
    assert.equal(lastValidDay(expiryInstant('2027-03-31', 'Europe/Berlin')!, 'Europe/Berlin'), '2027-03-31')
  })
  it('accepts instants with an offset and rejects impossible dates and offset-less instants', () => {
    assert.equal(expiryInstant('2027-03-31T10:00:00Z', 'UTC'), Date.parse('2027-03-31T10:00:00Z'))
    assert.equal(expiryInstant('2027-03-31T10:00:00+02:00', 'UTC'), Date.parse('2027-03-31T08:00:00Z'))
    assert.equal(expiryInstant('2027-02-30', 'UTC'), null)
    assert.equal(expiryInstant('2027-03-31T10:00:00', 'UTC'), null)
    assert.equal(expiryInstant('tomorrow', 'UTC'), null)
  })
  it('counts calendar days in the zone', () => {
    assert.equal(calendarDay(Date.parse('2026-12-31T23:30:00Z'), 'Europe/Berlin'), '2027-01-01')
    assert.equal(daysUntil(Date.parse('2026-01-01T12:00:00Z'), Date.parse('2026-01-31T01:00:00Z'), 'UTC'), 30)
    assert.equal(daysUntil(Date.parse('2026-02-01T12:00:00Z'), Date.parse('2026-01-31T01:00:00Z'), 'UTC'), -1)
  })
})
