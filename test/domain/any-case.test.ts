import { strict as assert } from 'node:assert'
import { inAnyCase } from '../../src/domain/any-case.js'

describe('domain: a fixed value typed in any case', () => {
  it('is the value as declared', () => {
    assert.equal(inAnyCase(['admin', 'member'], 'Admin'), 'admin')
    assert.equal(inAnyCase(['NL', 'CC'], 'cc'), 'CC')
    assert.equal(inAnyCase(['S-4', 'AP-2'], 's-4'), 'S-4')
  })

  it('is none when no declared value is it, whatever the case', () => {
    assert.equal(inAnyCase(['admin', 'member'], 'boss'), undefined)
    assert.equal(inAnyCase(['admin'], 'admin '), undefined)
    assert.equal(inAnyCase([], 'x'), undefined)
  })
})
