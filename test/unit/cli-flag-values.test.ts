import { strict as assert } from 'node:assert'
import { UsageError } from '../../src/client/errors.js'
import { durationSeconds, timeFlag } from '../../src/cli/flag-values.js'

describe('cli: flag values', () => {
  const parse = (t: string) => (Number.isNaN(Date.parse(t)) ? null : Date.parse(t))

  it('reads a duration as seconds, naming the flag when it is not one', () => {
    assert.equal(durationSeconds('--lease-ttl', '15m'), 900)
    assert.throws(
      () => durationSeconds('--idle', 'soon'),
      (e: unknown) =>
        e instanceof UsageError &&
        e.exitCode === 2 &&
        e.message === "--idle: expected a duration like 90s, 15m, 2h or 14d, got 'soon'",
    )
  })

  it('counts a time flag’s duration forward or back from now', () => {
    const ahead =
      Date.parse(timeFlag('--roam-until', '2d', { direction: 1, absolute: parse, expected: 'x' })) -
      Date.now()
    const back =
      Date.now() - Date.parse(timeFlag('--since', '2h', { direction: -1, absolute: parse, expected: 'x' }))
    assert.ok(Math.abs(ahead - 2 * 86_400_000) < 5_000, String(ahead))
    assert.ok(Math.abs(back - 2 * 3_600_000) < 5_000, String(back))
  })

  it('reads anything else with the flag’s own rule, or fails naming the flag and what it expects', () => {
    assert.equal(
      timeFlag('--roam-until', '2027-03-01T10:00:00Z', { direction: 1, absolute: parse, expected: 'x' }),
      '2027-03-01T10:00:00.000Z',
    )
    assert.throws(
      () =>
        timeFlag('--roam-until', 'someday', {
          direction: 1,
          absolute: parse,
          expected: 'an instant or a duration like 7d',
        }),
      (e: unknown) =>
        e instanceof UsageError &&
        e.exitCode === 2 &&
        e.message === "--roam-until: expected an instant or a duration like 7d, got 'someday'",
    )
  })
})
