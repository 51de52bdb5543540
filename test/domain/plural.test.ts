import { strict as assert } from 'node:assert'
import { allOf, counted, isAre, itThem, sentence } from '../../src/domain/plural.js'

describe('domain: counts in messages', () => {
  it('refers back to one as it, to several as them', () => {
    assert.deepEqual([itThem(1), itThem(2), itThem(0)], ['it', 'them', 'them'])
  })

  it('says one in the singular, never "all 1 seats" or "1 are"', () => {
    assert.equal(counted(1, 'seat'), '1 seat')
    assert.equal(counted(3, 'seat'), '3 seats')
    assert.equal(counted(0, 'license'), '0 licenses')
    assert.equal(`1 ${isAre(1)} assigned`, '1 is assigned')
    assert.equal(`2 ${isAre(2)} assigned`, '2 are assigned')
    assert.equal(allOf(1, 'assigned'), 'the only one is assigned')
    assert.equal(allOf(3, 'assigned'), 'all 3 are assigned')
    const seat = { one: 'seat', many: 'seats', of: "'quick'" }
    assert.equal(allOf(1, 'in use', seat), "the only seat of 'quick' is in use")
    assert.equal(allOf(2, 'in use', seat), "all 2 seats of 'quick' are in use")
    assert.equal(sentence(allOf(1, 'in use', seat)), "The only seat of 'quick' is in use")
  })
})
