import { strict as assert } from 'node:assert'
import { buildFields } from '../../src/commands/api.js'
import { UsageError } from '../../src/cli/errors.js'

describe('api -f/-F fields', function () {
  it('keeps -f values as strings and types -F values like gh', () => {
    assert.deepEqual(
      buildFields(
        ['name=42', 'flag=true', 'eq=a=b', 'empty='],
        ['n=42', 'x=-1.5', 'on=true', 'off=false', 'nil=null', 's=abc'],
      ),
      {
        name: '42',
        flag: 'true',
        eq: 'a=b',
        empty: '',
        n: 42,
        x: -1.5,
        on: true,
        off: false,
        nil: null,
        s: 'abc',
      },
    )
  })

  it('nests a[b]=v and appends a[]=v', () => {
    assert.deepEqual(
      buildFields(['contact[email]=a@b.test', 'contact[phone]=1', 'tags[]=x', 'tags[]=y'], ['a[b][c]=1']),
      {
        contact: { email: 'a@b.test', phone: '1' },
        tags: ['x', 'y'],
        a: { b: { c: 1 } },
      },
    )
  })

  it('is undefined without fields, and refuses malformed ones', () => {
    assert.equal(buildFields([], []), undefined)
    for (const bad of ['novalue', '=x', 'a[]b=1', 'a[][b]=1'])
      assert.throws(() => buildFields([bad], []), UsageError, bad)
  })
})
