import { strict as assert } from 'node:assert'
import { retiredLine } from '../../src/cli/retired.js'

describe('retiredLine: already retired', () => {
  const at = new Date(Date.now() - 3 * 3_600_000).toISOString()
  const r = {
    changed: false,
    validThrough: '2026-01-10',
    expiresAt: '2026-01-11T00:00:00.000Z',
    retiredAt: at,
  }

  function withTty<T>(tty: boolean, fn: () => T): T {
    const had = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY')
    Object.defineProperty(process.stdout, 'isTTY', { value: tty, configurable: true })
    try {
      return fn()
    } finally {
      if (had) Object.defineProperty(process.stdout, 'isTTY', had)
      else delete (process.stdout as { isTTY?: boolean }).isTTY
    }
  }

  it('says when as tables do: to the minute in UTC off a terminal, never a raw ISO instant', () => {
    assert.equal(
      withTty(false, () => retiredLine("seat pool 'cad-pro'", r)),
      `Seat pool 'cad-pro' was already retired (at ${at.slice(0, 16).replace('T', ' ')}Z): nothing to do.`,
    )
  })

  it('says how long ago on a terminal', () => {
    assert.equal(
      withTty(true, () => retiredLine("add-on pool 'cp'", r)),
      "Add-on pool 'cp' was already retired (3 hours ago): nothing to do.",
    )
  })
})

describe('retiredLine: retired now', () => {
  function offTty<T>(fn: () => T): T {
    const had = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY')
    Object.defineProperty(process.stdout, 'isTTY', { value: false, configurable: true })
    try {
      return fn()
    } finally {
      if (had) Object.defineProperty(process.stdout, 'isTTY', had)
      else delete (process.stdout as { isTTY?: boolean }).isTTY
    }
  }

  it('says a date expiration as the last valid day', () => {
    const r = {
      changed: true,
      validThrough: '2026-01-10',
      expiresAt: '2026-01-11T00:00:00.000Z',
      retiredAt: null,
    }
    assert.equal(
      offTty(() => retiredLine("seat pool 'cad-pro'", r)),
      "Retired seat pool 'cad-pro' (expired after 2026-01-10): `expiry check` no longer reports it.",
    )
  })

  it('says a date expiration in a zone other than UTC as the last valid day too', () => {
    // 2026-03-31 in Berlin (summer time) ends at 22:00 UTC; in Kolkata at 18:30; in Los Angeles
    // at 07:00 UTC the next day.
    for (const [validThrough, expiresAt] of [
      ['2026-03-31', '2026-03-31T22:00:00.000Z'],
      ['2026-03-31', '2026-03-31T18:30:00.000Z'],
      ['2026-03-31', '2026-04-01T07:00:00.000Z'],
    ] as const)
      assert.equal(
        offTty(() =>
          retiredLine("seat pool 'cad-pro'", { changed: true, validThrough, expiresAt, retiredAt: null }),
        ),
        "Retired seat pool 'cad-pro' (expired after 2026-03-31): `expiry check` no longer reports it.",
        expiresAt,
      )
  })

  it('says a duration expiration (--expires 5s) by its instant, never "after" the day it ended on', () => {
    const r = {
      changed: true,
      validThrough: '2026-12-05',
      expiresAt: '2026-12-05T01:43:07.412Z',
      retiredAt: '2026-12-05T01:44:00.000Z',
    }
    assert.equal(
      offTty(() => retiredLine("add-on pool 'cloud-x'", r)),
      "Retired add-on pool 'cloud-x' (expired at 2026-12-05 01:43Z): `expiry check` no longer reports it.",
    )
  })
})
