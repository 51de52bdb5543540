import { strict as assert } from 'node:assert'
import { UsageError } from '../../src/cli/errors.js'
import { requestTimeoutMs } from '../../src/cli/request-timeout.js'
import { restoreEnv } from '../helpers/env.js'

describe('cli: how long a request waits (LICCTL_TIMEOUT)', () => {
  const saved = { ...process.env }
  afterEach(() => restoreEnv(saved))

  it('is 30 s unset or empty, else the seconds or the duration the variable says', () => {
    delete process.env.LICCTL_TIMEOUT
    assert.equal(requestTimeoutMs(), 30_000)
    for (const [text, ms] of [
      ['', 30_000],
      [' ', 30_000],
      ['10', 10_000],
      ['2.5', 2_500],
      ['1s', 1_000],
      [' 2m ', 120_000],
      ['1m30s', 90_000],
      ['1H', 3_600_000],
      ['24d', 24 * 86_400_000],
    ] as const) {
      process.env.LICCTL_TIMEOUT = text
      assert.equal(requestTimeoutMs(), ms, text)
    }
  })

  it('refuses anything else as a usage error naming the variable (exit 2)', () => {
    for (const [text, message] of [
      ['abc', "LICCTL_TIMEOUT: expected seconds (30) or a duration (90s, 5m), got 'abc'"],
      ['-5', "LICCTL_TIMEOUT: expected seconds (30) or a duration (90s, 5m), got '-5'"],
      ['500ms', "LICCTL_TIMEOUT: expected seconds (30) or a duration (90s, 5m), got '500ms'"],
      ['0', "LICCTL_TIMEOUT: must be more than 0 and at most 24d, got '0'"],
      ['0.0001', "LICCTL_TIMEOUT: must be more than 0 and at most 24d, got '0.0001'"],
      ['25d', "LICCTL_TIMEOUT: must be more than 0 and at most 24d, got '25d'"],
    ] as const) {
      process.env.LICCTL_TIMEOUT = text
      assert.throws(
        () => requestTimeoutMs(),
        (e: unknown) => e instanceof UsageError && e.exitCode === 2 && e.message === message,
        text,
      )
    }
  })
})
