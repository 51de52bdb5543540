import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { byteOrder } from '../../src/domain/text-order.js'

const sign = (n: number) => Math.sign(n)

describe('byteOrder: the order of lists on both dialects', () => {
  it('orders as UTF-8 bytes compare, for any text', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.string({ unit: 'binary-ascii', maxLength: 12 }),
      fc.constantFrom('', 'a', 'A', '_', '-', '\uffff', '\ue000', '𝒜', '𝒜b', 'a𝒜'),
    )
    fc.assert(
      fc.property(text, text, (a, b) => {
        assert.equal(
          sign(byteOrder(a, b)),
          sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))),
          `${JSON.stringify(a)} vs ${JSON.stringify(b)}`,
        )
      }),
      { numRuns: 2000 },
    )
  })

  it('puts capitals, then _, before lowercase, and a text beyond U+FFFF after one in E000–FFFF', () => {
    assert.deepEqual(['alpha', 'Zeta', 'ab', '_x', 'a-b', 'a_b', 'a1', 'AB'].sort(byteOrder), [
      'AB',
      'Zeta',
      '_x',
      'a-b',
      'a1',
      'a_b',
      'ab',
      'alpha',
    ])
    // `<` compares UTF-16 units: it puts 𝒜 (a surrogate pair) before U+FFFD; UTF-8 does not.
    assert.deepEqual(['𝒜', '\ufffd'].sort(byteOrder), ['\ufffd', '𝒜'])
  })
})
