import { strict as assert } from 'node:assert'
import { isObject } from '../../src/domain/json-object.js'

describe('domain: a JSON object', () => {
  it('is an object with properties, never null or an array', () => {
    assert.equal(isObject({}), true)
    assert.equal(isObject({ a: 1 }), true)
    assert.equal(isObject(JSON.parse('{"profiles":{}}')), true)
    for (const v of [null, undefined, [], [{}], 'x', 1, true]) assert.equal(isObject(v), false, String(v))
  })
})
