import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { exactDuration, formatDuration, parseDuration } from '../../src/domain/duration.js'

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const
type Unit = keyof typeof UNIT_MS

describe('domain: durations', () => {
  it('parses the units every duration flag takes', () => {
    const cases: Array<[string, number]> = [
      ['90s', 90_000],
      ['15m', 900_000],
      ['2h', 7_200_000],
      ['30d', 2_592_000_000],
      ['2w', 1_209_600_000],
      ['1h30m', 5_400_000],
      ['1w2d', 777_600_000],
      ['0s', 0],
      [' 2H ', 7_200_000],
    ]
    for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text)
  })

  it('refuses what is not a duration', () => {
    // A capital M too: `12M` reads as twelve months to most people, and was twelve minutes.
    for (const bad of [
      '',
      '15',
      'm',
      '1.5h',
      '-3d',
      '3 days',
      '1h 30m',
      '1y',
      'd3',
      '15mm',
      '1h30',
      '12M',
      '1H30M',
    ])
      assert.equal(parseDuration(bad), null, bad)
  })

  it('adds up any sequence of parts', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(...(Object.keys(UNIT_MS) as Unit[]))),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        (parts) =>
          parseDuration(parts.map(([n, u]) => `${n}${u}`).join('')) ===
          parts.reduce((sum, [n, u]) => sum + n * UNIT_MS[u], 0),
      ),
    )
  })

  it('writes whole seconds exactly, in the largest unit that divides them, and they read back the same', () => {
    const cases: Array<[number, string]> = [
      [0, '0d'],
      [90, '90s'],
      [120, '2m'],
      [7200, '2h'],
      [5400, '90m'],
      [172_800, '2d'],
      [1_209_600, '14d'],
    ]
    for (const [seconds, text] of cases) assert.equal(exactDuration(seconds), text, String(seconds))
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * 86_400 }), (seconds) => {
        return parseDuration(exactDuration(seconds)) === seconds * 1_000
      }),
    )
  })

  it('formats briefly: the two largest units, truncated, never "-0s"', () => {
    const cases: Array<[number, string]> = [
      [0, '0s'],
      [999, '0s'],
      [-999, '0s'],
      [45_000, '45s'],
      [90_000, '1m 30s'],
      [3 * 86_400_000 + 4 * 3_600_000 + 5 * 60_000, '3d 4h'],
      [3 * 86_400_000 + 5 * 60_000, '3d 5m'],
      [14 * 86_400_000, '14d'],
      [-120_000, '-2m'],
    ]
    for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, String(ms))
  })

  it('what it shows reads back as at most the duration, short by less than the next unit down (or a second)', () => {
    const sizes = [86_400_000, 3_600_000, 60_000, 1_000, 1]
    fc.assert(
      fc.property(fc.integer({ min: 1_000, max: 400 * 86_400_000 }), (ms) => {
        const shown = formatDuration(ms)
        const back = parseDuration(shown.replace(/ /g, ''))!
        const largest = sizes.findIndex((s) => ms >= s)
        return (
          back <= ms &&
          ms - back < Math.max(sizes[largest + 1]!, 1_000) &&
          formatDuration(-ms) === `-${shown}`
        )
      }),
    )
  })
})
