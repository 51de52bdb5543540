import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { byteOrder, naturalOrder } from '../../src/domain/text-order.js'

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

describe('naturalOrder: names with numbers, as people read them', () => {
  it('puts AP-2 before AP-10, and a key’s license 9 before its license 10', () => {
    assert.deepEqual(['AP-10', 'AP-2', 'AP-1', 'K-10', 'K-9', 'K-1'].sort(naturalOrder), [
      'AP-1',
      'AP-2',
      'AP-10',
      'K-1',
      'K-9',
      'K-10',
    ])
  })

  it('is a total order: names the collator finds equal keep byte order, whatever order they came in', () => {
    assert.deepEqual(['AP-2', 'AP-02'].sort(naturalOrder), ['AP-02', 'AP-2'])
    assert.deepEqual(['AP-02', 'AP-2'].sort(naturalOrder), ['AP-02', 'AP-2'])
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), (a, b) => {
        assert.equal(sign(naturalOrder(a, b)) + sign(naturalOrder(b, a)), 0)
        assert.equal(naturalOrder(a, b) === 0, a === b)
      }),
    )
  })
})
