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

  it('refuses a -F whole number JSON cannot hold exactly, rather than send it rounded', () => {
    assert.deepEqual(buildFields([], [`n=${Number.MAX_SAFE_INTEGER}`]), { n: Number.MAX_SAFE_INTEGER })
    assert.throws(
      () => buildFields([], ['limit=99999999999999999999999']),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message ===
          "field 'limit': '99999999999999999999999' is too large for a JSON number (at most 9007199254740991); -f sends it as text",
    )
    // As text it is sent as typed.
    assert.deepEqual(buildFields(['limit=99999999999999999999999'], []), { limit: '99999999999999999999999' })
  })

  it('is undefined without fields, and refuses malformed ones', () => {
    assert.equal(buildFields([], []), undefined)
    for (const bad of ['novalue', '=x', 'a[]b=1', 'a[][b]=1'])
      assert.throws(() => buildFields([bad], []), UsageError, bad)
  })
})
