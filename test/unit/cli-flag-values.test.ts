import { strict as assert } from 'node:assert'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import {
  durationSeconds,
  existingDatabase,
  expiryValue,
  instantValue,
  integerValue,
  listValue,
  pastValue,
  timeFlag,
  windowValue,
} from '../../src/cli/flag-values.js'
import { quote, safeMessage, UsageError } from '../../src/cli/errors.js'

describe('cli: flag values', () => {
  const parse = (t: string) => (Number.isNaN(Date.parse(t)) ? null : Date.parse(t))

  it('reads a comma-separated list, refusing an empty item rather than reading it as nothing', () => {
    assert.deepEqual(listValue('--models', 'R-1000, R-2000'), ['R-1000', 'R-2000'])
    for (const bad of [',,', '', 'R-1000,', 'R-1000,,R-2000', ' , '])
      assert.throws(
        () => listValue('--models', bad),
        (e: unknown) =>
          e instanceof UsageError &&
          e.exitCode === 2 &&
          e.message === `--models: expected names separated by commas, with none empty, got ${quote(bad)}`,
        bad,
      )
  })

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

  it('reads 0 in any unit as the zero a flag documents (--statement-timeout 0s is none), and says so when refusing', () => {
    const timeout = { min: 1, max: 24 * 86_400 }
    for (const zero of ['0', '0s', '0m', '0d'])
      assert.equal(durationSeconds('--statement-timeout', zero, timeout, { zero: 'none' }), 0, zero)
    assert.equal(durationSeconds('--statement-timeout', '2m', timeout, { zero: 'none' }), 120)
    assert.throws(
      () => durationSeconds('--statement-timeout', '30d', timeout, { zero: 'none' }),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message === "--statement-timeout must be between 1s and 24d, or 0 for none, got '30d'",
    )
    assert.throws(
      () => durationSeconds('--statement-timeout', 'never', timeout, { zero: 'none' }),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message ===
          "--statement-timeout: expected a duration like 90s, 15m, 2h or 14d, or 0 for none, got 'never'",
    )
    // Without a documented zero, 0 is refused as before.
    assert.throws(() => durationSeconds('--lease-ttl', '0s'), UsageError)
  })

  it('refuses a zero duration as too short, naming the flag, in the words of every zero duration', () => {
    const refusal = (flag: string, text: string, bounds?: { min: number; max: number }) => {
      try {
        durationSeconds(flag, text, bounds)
      } catch (e) {
        assert.ok(e instanceof UsageError)
        assert.equal(e.exitCode, 2)
        return e.message
      }
      assert.fail(`${flag} ${text} was accepted`)
    }
    assert.equal(
      refusal('--idle', '0s', { min: 1, max: 86_400 }),
      "--idle: expected a duration longer than zero, got '0s'",
    )
    assert.equal(refusal('--idle', '0m'), "--idle: expected a duration longer than zero, got '0m'")
    // One sentence for a zero duration, whichever reader refuses it: an expiration says the same.
    assert.throws(
      () => expiryValue('--expires', '0d'),
      (e: unknown) => e instanceof UsageError && e.message === refusal('--expires', '0d'),
    )
    // A least bound above a second says itself.
    assert.equal(
      refusal('--idempotency-retention', '0s', { min: 600, max: 365 * 86_400 }),
      "--idempotency-retention must be between 10m and 365d, got '0s'",
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

describe('cli: one reader for every time and count flag', () => {
  const NOW = Date.parse('2026-12-02T10:00:00Z')
  const usage = (message: string) => (e: unknown) =>
    e instanceof UsageError && e.exitCode === 2 && e.message === message

  it('keeps an expiration date as a date, reads instants, and sends a duration as a duration', () => {
    assert.equal(expiryValue('--expires', '2027-12-31'), '2027-12-31')
    assert.equal(expiryValue('--expires', '2024-02-29'), '2024-02-29')
    assert.equal(expiryValue('--expires', '2027-12-31T18:00:00+02:00'), '2027-12-31T16:00:00.000Z')
    // Counted from now on the server's clock, not this machine's (which may be ahead of it)
    assert.equal(expiryValue('--expires', '30d'), '30d')
    assert.equal(expiryValue('--roam-until', ' 1H30m '), '1h30m')
    assert.throws(
      () => expiryValue('--expires', '3000000d'),
      usage("--expires: longer than any time licctl stores (at most 2932896d), got '3000000d'"),
    )
    // No time from now: refused as such, not sent to be found "not in the future" at some instant
    assert.throws(
      () => expiryValue('--expires', '0d'),
      usage("--expires: expected a duration longer than zero, got '0d'"),
    )
    assert.throws(
      () => expiryValue('--roam-until', '0h0m'),
      usage("--roam-until: expected a duration longer than zero, got '0h0m'"),
    )
  })

  it('reads every time flag’s value with the space around it trimmed, as typed without it', async () => {
    const { duration } = await import('../../src/contract/expiry.js')
    const spaced = (v: string) => [`${v} `, ` ${v}`, `\t${v}\n`]
    for (const v of ['90d', '2027-12-31', '2027-12-31T18:00:00+02:00'])
      for (const s of spaced(v)) assert.equal(expiryValue('--expires', s), expiryValue('--expires', v), s)
    for (const v of ['7d', '2026-11-01T00:00:00Z'])
      for (const s of spaced(v)) assert.equal(pastValue('--since', s), pastValue('--since', v), s)
    for (const s of spaced('15m')) assert.equal(durationSeconds('--idle', s), 900, s)
    for (const s of spaced('2026-12-01'))
      assert.equal(
        instantValue('--until', s, { direction: 1, date: 'end', now: NOW }),
        '2026-12-02T00:00:00.000Z',
        s,
      )
    // The expiry window, whose rule is the contract's (`expiry check --within "30d "`).
    for (const s of [...spaced('30d'), '30D']) assert.equal(windowValue('--within', s, duration), '30d', s)
    assert.throws(
      () => windowValue('--within', '30 d', duration),
      usage("--within: expected a duration like 30d, 2w or 12h, got '30 d'"),
    )
    assert.throws(
      () => windowValue('--within', ' 30m ', duration),
      usage("--within: expected a window of an hour or more (m is minutes; a month is 30d), got ' 30m '"),
    )
  })

  it('refuses a capital M, which reads as months (12M), rather than taking it as minutes', () => {
    const capitalM = (flag: string, text: string) =>
      usage(
        `${flag}: M is not a unit: minutes are a lowercase m, and months have none (in days: 30d), got '${text}'`,
      )
    assert.throws(() => expiryValue('--expires', '12M'), capitalM('--expires', '12M'))
    assert.throws(() => expiryValue('--roam-until', '1H30M'), capitalM('--roam-until', '1H30M'))
    assert.throws(() => pastValue('--since', '1M'), capitalM('--since', '1M'))
    assert.throws(() => durationSeconds('--lease-ttl', '15M'), capitalM('--lease-ttl', '15M'))
    // The other units are the same in either case.
    assert.equal(durationSeconds('--lease-ttl', '2H'), 7200)
    assert.equal(expiryValue('--expires', '30D'), '30d')
  })

  it('sends a bound in the past as a duration ago for the server to count, or as an instant', () => {
    // Counted back from now on the server's clock, not this machine's (which may be off)
    assert.equal(pastValue('--since', '7d'), '7d')
    assert.equal(pastValue('--until', ' 1H30m '), '1h30m')
    assert.equal(pastValue('--since', '2026-01-01'), '2026-01-01T00:00:00.000Z')
    assert.equal(pastValue('--since', '2026-01-01T10:00:00+02:00'), '2026-01-01T08:00:00.000Z')
    assert.throws(
      () => pastValue('--since', '99999999999d'),
      usage("--since: longer than any time licctl stores (at most 2932896d), got '99999999999d'"),
    )
    assert.throws(
      () => pastValue('--since', '0s'),
      usage("--since: expected a duration longer than zero, got '0s'"),
    )
    assert.throws(
      () => pastValue('--since', 'last tuesday'),
      usage(
        "--since: expected a duration like 90d, a date like 2027-12-31 or an instant with its offset, got 'last tuesday'",
      ),
    )
  })

  it('refuses a date that is not on the calendar, and words, naming the flag', () => {
    assert.throws(
      () => expiryValue('--expires', '2024-02-30'),
      usage("--expires: not a real calendar date, got '2024-02-30'"),
    )
    assert.throws(
      () => expiryValue('--expires', '2023-02-29'),
      usage("--expires: not a real calendar date, got '2023-02-29'"),
    )
    assert.throws(
      () => expiryValue('--expires', 'tomorrowish'),
      usage(
        "--expires: expected a date like 2027-12-31, an instant with its offset or a duration like 90d, got 'tomorrowish'",
      ),
    )
    // A real date out of range is said to be so (years 0–99 are not read as 1900–1999)
    assert.throws(
      () => expiryValue('--expires', '0001-01-01'),
      usage("--expires: before 1970-01-01, the earliest date licctl accepts, got '0001-01-01'"),
    )
    assert.throws(
      () => expiryValue('--expires', '0099-02-29'),
      usage("--expires: not a real calendar date, got '0099-02-29'"),
    )
    // An instant without its offset is ambiguous; one with a 25th hour is not a time.
    assert.throws(() => expiryValue('--expires', '2027-01-01T10:00:00'), UsageError)
    assert.throws(() => expiryValue('--expires', '2027-01-01T25:00:00Z'), UsageError)
  })

  it('reads instants: a duration ahead or back, a date at the start or the end of its day (UTC)', () => {
    assert.equal(instantValue('--since', '2h', { direction: -1, now: NOW }), '2026-12-02T08:00:00.000Z')
    assert.equal(
      instantValue('--since', '2026-01-01', { direction: -1, date: 'start' }),
      '2026-01-01T00:00:00.000Z',
    )
    assert.equal(
      instantValue('--expires', '2027-03-31', { direction: 1, date: 'end' }),
      '2027-04-01T00:00:00.000Z',
    )
    assert.throws(
      () => instantValue('--roam-until', '2027-03-31', { direction: 1 }),
      usage("--roam-until: expected a duration like 90d or an instant with its offset, got '2027-03-31'"),
    )
  })

  it('holds a count within its bounds and names the flag and the bounds', () => {
    const seats = { min: 1, max: 1_000_000 }
    assert.equal(integerValue('--seats', '25', seats), 25)
    assert.throws(
      () => integerValue('--seats', String(2n ** 70n), seats),
      usage("--seats must be between 1 and 1000000, got '1180591620717411303424'"),
    )
    assert.throws(
      () => integerValue('--seats', '0', seats),
      usage("--seats must be between 1 and 1000000, got '0'"),
    )
    assert.throws(
      () => integerValue('--seats', '2.5', seats),
      usage("--seats: not a whole number, got '2.5'"),
    )
  })

  it('keeps every time within what licctl stores, naming the flag and the bound', () => {
    const after = 'after 9999-12-31T00:00:00Z, the latest time licctl stores'
    assert.equal(expiryValue('--expires', '9999-12-29'), '9999-12-29')
    assert.throws(
      () => expiryValue('--expires', '9999-12-30'),
      usage("--expires: after 9999-12-29, the latest date licctl accepts, got '9999-12-30'"),
    )
    assert.throws(
      () => expiryValue('--expires', '1969-12-31'),
      usage("--expires: before 1970-01-01, the earliest date licctl accepts, got '1969-12-31'"),
    )
    // A duration is the server's to count from its now; one longer than any stored time is refused here
    assert.throws(
      () => expiryValue('--expires', '99999999999d'),
      usage("--expires: longer than any time licctl stores (at most 2932896d), got '99999999999d'"),
    )
    assert.throws(
      () => expiryValue('--expires', '9999-12-31T00:00:01Z'),
      usage(`--expires: ${after}, got '9999-12-31T00:00:01Z'`),
    )
    assert.equal(expiryValue('--expires', '9999-12-31T00:00:00Z'), '9999-12-31T00:00:00.000Z')
    assert.throws(
      () => instantValue('--since', String(2n ** 70n) + 'd', { direction: -1, now: NOW }),
      usage(
        "--since: before 1970-01-01T00:00:00Z, the earliest time licctl stores, got '1180591620717411303424d'",
      ),
    )
    assert.throws(
      () => instantValue('--until', '9999-12-31', { direction: 1, date: 'end', now: NOW }),
      usage(`--until: ${after}, got '9999-12-31'`),
    )
  })

  it('holds a duration within the contract’s bounds, shown as durations', async () => {
    const { leaseSeconds, releaseOptions } = await import('../../src/contract/seats.js')
    const ttl = { min: leaseSeconds.minValue!, max: leaseSeconds.maxValue! }
    assert.equal(durationSeconds('--lease-ttl', '365d', ttl), 31_536_000)
    assert.throws(
      () => durationSeconds('--lease-ttl', '366d', ttl),
      usage("--lease-ttl must be between 1s and 365d, got '366d'"),
    )
    const idle = releaseOptions.shape.idleSeconds.unwrap()
    assert.throws(
      () =>
        durationSeconds('--idle', '1180591620717411303424m', { min: idle.minValue!, max: idle.maxValue! }),
      usage("--idle must be between 1s and 36500d, got '1180591620717411303424m'"),
    )
  })

  it('takes the bounds of --seats and --total from the contract', async () => {
    const seats = await import('../../src/contract/seats.js')
    const cloud = await import('../../src/contract/cloud.js')
    assert.deepEqual(
      [seats.provisionPoolBody.shape.seats.minValue, seats.provisionPoolBody.shape.seats.maxValue],
      [1, 1_000_000],
    )
    assert.deepEqual(
      [
        cloud.updateAddonBody.shape.total.unwrap().minValue,
        cloud.updateAddonBody.shape.total.unwrap().maxValue,
      ],
      [0, 1_000_000],
    )
  })
})

describe('cli: --db of a database that must exist', () => {
  it('says how to create a missing SQLite file with an init line a shell takes as it is', () => {
    const missing = join(tmpdir(), 'licctl no such dir', 'my db.sqlite')
    assert.throws(
      () => existingDatabase(missing),
      (err: UsageError) => {
        assert.equal(
          err.hint,
          `\`licctl server init --db '${missing}'\` creates one; check the path if it should exist`,
        )
        return true
      },
    )
  })
})

describe('cli: user input quoted in messages', () => {
  it('escapes control characters and cuts long input short', () => {
    assert.equal(quote('plain'), "'plain'")
    assert.equal(quote('a\u001b[31mred\u0007\n\u202e'), "'a\\x1b[31mred\\x07\\n\\u202e'")
    assert.equal(quote('x'.repeat(50), 10), `'${'x'.repeat(10)}…'`)
  })

  it('every shown message is escaped and bounded, whatever raised it', () => {
    assert.equal(safeMessage('bad row: \u0000\u0001\u00ff\ufffd'), 'bad row: \\x00\\x01ÿ\\ufffd')
    assert.equal(safeMessage('y'.repeat(5000)).length, 600)
  })
})
