import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

  it('reads a -F @file value from the file (and @- from stdin), as gh does; -f sends @ as it is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'licctl-api-fields-'))
    try {
      const notes = join(dir, 'notes.txt')
      writeFileSync(notes, '\uFEFFHauptstrasse 1,\n10115 Berlin\n')
      const stdin = () => Buffer.from('from stdin')
      assert.deepEqual(buildFields(['raw=@notes.txt', 'at=@'], [`contactAddress=@${notes}`, 'lone=@']), {
        raw: '@notes.txt',
        at: '@',
        contactAddress: 'Hauptstrasse 1,\n10115 Berlin\n',
        lone: '@',
      })
      assert.deepEqual(
        buildFields([], ['x=@-'], (source) => (source === '-' ? stdin() : assert.fail(source))),
        { x: 'from stdin' },
      )
      assert.throws(
        () => buildFields([], [`a=@${join(dir, 'missing.txt')}`]),
        (err: unknown) =>
          err instanceof UsageError &&
          err.exitCode === 2 &&
          err.message === `field 'a': cannot read ${join(dir, 'missing.txt')}: no such file`,
      )
      writeFileSync(join(dir, 'latin1.txt'), Buffer.from([0x52, 0x65, 0x6e, 0xe9]))
      assert.throws(
        () => buildFields([], [`a=@${join(dir, 'latin1.txt')}`]),
        (err: unknown) => err instanceof UsageError && /is not UTF-8 text$/.test(err.message),
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses stdin named by two -F @- fields, before reading it (exit 2, naming both)', () => {
    let reads = 0
    const read = () => (reads++, Buffer.from('from stdin'))
    assert.throws(
      () => buildFields(['s=@-'], ['a=@-', 'n=1', 'b[c]=@-'], read),
      (err: unknown) =>
        err instanceof UsageError &&
        err.exitCode === 2 &&
        err.message === "stdin can be read only once, but -F 'a=@-' and -F 'b[c]=@-' both read it" &&
        err.hint === 'read one field from stdin (@-) and the others from files (-F key=@file)',
    )
    assert.equal(reads, 0)
    // One @- is read; -f keeps '@-' as text.
    assert.deepEqual(buildFields(['s=@-'], ['a=@-'], read), { s: '@-', a: 'from stdin' })
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
