import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { newId, randomSecret } from '../../src/domain/ids.js'

describe('domain: ids', () => {
  it('are the prefix, an underscore and 26 Crockford base32 characters', () => {
    assert.match(newId('ls', 1_700_000_000_000), /^ls_[0-9a-hjkmnp-tv-z]{26}$/)
    assert.match(newId('org'), /^org_[0-9a-hjkmnp-tv-z]{26}$/)
  })

  it('sort by creation time, whatever their random part', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 - 2 }),
        fc.integer({ min: 1, max: 1e9 }),
        (t, d) => newId('p', t) < newId('p', Math.min(t + d, 2 ** 48 - 1)),
      ),
    )
    // Lexical order of strings is what cursors and ORDER BY id rely on.
    const times = [0, 1, 255, 256, 65_535, 1_700_000_000_000, Date.parse('9999-12-31T23:59:59.999Z')]
    const ids = times.map((t) => newId('x', t))
    assert.deepEqual([...ids].sort(), ids)
  })

  it('are unique even within one millisecond', () => {
    const now = Date.now()
    const many = new Set(Array.from({ length: 10_000 }, () => newId('x', now)))
    assert.equal(many.size, 10_000)
  })

  it('random secrets are url-safe and as long as asked', () => {
    assert.match(randomSecret(), /^[A-Za-z0-9_-]{43}$/)
    assert.match(randomSecret(48), /^[A-Za-z0-9_-]{64}$/)
    assert.notEqual(randomSecret(), randomSecret())
  })
})

describe('ids within one millisecond', () => {
  it('sort in the order they were made', () => {
    const ids = Array.from({ length: 500 }, () => newId('ev', 1_800_000_000_000))
    assert.deepEqual([...ids].sort(), ids)
    assert.equal(new Set(ids).size, ids.length)
  })
})

describe('ids of different kinds', () => {
  it('keep their own order when made on different clocks in between', () => {
    const audit = [
      newId('ev', 1_800_000_000_000),
      newId('req', Date.now()),
      newId('ev', 1_800_000_000_000),
      newId('req', Date.now()),
      newId('ev', 1_800_000_000_000),
    ]
    const events = audit.filter((id) => id.startsWith('ev_'))
    assert.deepEqual([...events].sort(), events)
  })
})
