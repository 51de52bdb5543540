import { strict as assert } from 'node:assert'
import type * as z from 'zod'
import { addonName, provisionAddonBody } from '../../src/contract/cloud.js'
import { plainText } from '../../src/contract/common.js'
import { addDeviceItem, licenseName, modelName, transferBody } from '../../src/contract/devices.js'
import { createOrgBody, updateOrgBody } from '../../src/contract/orgs.js'
import { host, hostRef } from '../../src/contract/seats.js'
import { createTokenBody } from '../../src/contract/tokens.js'
import { userItem } from '../../src/contract/users.js'

/** Each issue of the schema's answer as [path, message], or [] when it accepts the value. */
const issues = (schema: z.ZodType, value: unknown) => {
  const result = schema.safeParse(value)
  return result.success ? [] : result.error.issues.map((i) => [i.path.join('.'), i.message])
}
const invisible = (code: string, kind: string) => `must not contain invisible characters (U+${code}, ${kind})`
/** A value in a test's title, every character past ASCII escaped: a title must not reorder the report. */
const shown = (s: string) =>
  JSON.stringify(s).replace(/[^\x20-\x7e]/gu, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`)

describe('contract: names refuse invisible characters (zero-width, bidirectional), naming the first', () => {
  // Each would make a name look like another (`bob` and `b\u200bob`), or show it reversed.
  const cases: Array<[string, string]> = [
    ['Bob\u200bSmith', invisible('200B', 'zero-width')],
    ['Bob\u200cSmith', invisible('200C', 'zero-width')],
    ['b\u200dob', invisible('200D', 'zero-width')],
    ['Bob\u2060Smith', invisible('2060', 'zero-width')],
    ['Bob\ufeffSmith', invisible('FEFF', 'zero-width')],
    ['Bob\u2062Smith', invisible('2062', 'zero-width')],
    ['Acme\u202etxt.exe', invisible('202E', 'bidirectional')],
    ['Acme\u202aCorp', invisible('202A', 'bidirectional')],
    ['Acme\u2066Corp\u2069', invisible('2066', 'bidirectional')],
    ['Acme\u200fCorp', invisible('200F', 'bidirectional')],
    ['Ac\u00adme', invisible('00AD', 'soft hyphen')],
    ['\u3164', invisible('3164', 'blank filler')],
    // The first one found is named.
    ['a\u2067b\u200bc', invisible('2067', 'bidirectional')],
    // Control characters are refused as before.
    ['Evil\u001b[2J', 'must not contain control characters'],
    ['A\u009b2J', 'must not contain control characters'],
  ]
  for (const [value, message] of cases)
    it(`${shown(value)}: ${message}`, () => {
      assert.deepEqual(issues(plainText(200), value), [['', message]])
    })

  it('accepts names as people write them: accents, other scripts, emoji', () => {
    for (const name of ['Renée Müller', '山田 太郎', 'Ørsted A/S', 'Đorđe', 'O’Brien', 'Ops 🚀', '=SUM(A1)'])
      assert.deepEqual(issues(plainText(200), name), [], shown(name))
  })

  it('accepts a joiner or non-joiner where it is how the word is written: in Persian, an Indic conjunct, between emoji', () => {
    for (const name of [
      'می\u200cخواهم', // Persian: the non-joiner parts two letters of a word
      'क्\u200dष', // Devanagari: a half form
      '\u{1f469}\u200d\u{1f4bb} Dev', // a technologist
      '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}', // a family
      '\u{1f9d1}\u{1f3fd}\u200d\u{1f4bb}', // with a skin tone
      '\u{1f3f3}\ufe0f\u200d\u{1f308}', // a rainbow flag
    ])
      assert.deepEqual(issues(plainText(200), name), [], shown(name))
  })

  it('refuses a joiner out of its context: between Latin letters, at either end, beside a space', () => {
    for (const name of ['b\u200cob', '\u200cمی', 'می\u200c', 'می \u200cخ', 'a\u200d\u{1f4bb}'])
      assert.notDeepEqual(issues(plainText(200), name), [], shown(name))
  })

  it('trims a byte-order mark at either end, as any space (a name copied from a file)', () => {
    assert.deepEqual(plainText(200).parse('\ufeffBob Smith\ufeff'), 'Bob Smith')
  })

  it('covers every name and free-text field others see listed, naming the field', () => {
    const zw = invisible('200B', 'zero-width')
    assert.deepEqual(issues(createOrgBody, { slug: 'acme', name: 'Ac\u200bme' }), [['name', zw]])
    assert.deepEqual(
      issues(createOrgBody, {
        slug: 'acme',
        name: 'Acme',
        admin: { email: 'a@acme.test', name: 'A\u200bB' },
      }),
      [['admin.name', zw]],
    )
    assert.deepEqual(issues(createOrgBody, { slug: 'acme', name: 'Acme', perpetualLicenses: ['L\u200b1'] }), [
      ['perpetualLicenses.0', zw],
    ])
    assert.deepEqual(issues(updateOrgBody, { name: 'Ac\u200bme' }), [['name', zw]])
    assert.deepEqual(issues(updateOrgBody, { contactPhone: '555\u200b123' }), [['contactPhone', zw]])
    assert.deepEqual(issues(updateOrgBody, { contactAddress: 'Main St\u200b 1' }), [['contactAddress', zw]])
    assert.deepEqual(issues(updateOrgBody, { contactAddress: 'Main St\u001b[2J' }), [
      ['contactAddress', 'must not contain control characters'],
    ])
    // An address's lines are its own, written \n.
    assert.deepEqual(updateOrgBody.parse({ contactAddress: ' Main St 1\r\nBerlin ' }), {
      contactAddress: 'Main St 1\nBerlin',
    })
    assert.deepEqual(issues(licenseName, 'K-1\u200b'), [['', zw]])
    assert.deepEqual(
      issues(transferBody, { to: 'branch', toToken: 'x'.repeat(10), licenses: ['K\u202e-1'] }),
      [['licenses.0', invisible('202E', 'bidirectional')]],
    )
    assert.deepEqual(issues(userItem, { email: 'bob@acme.test', name: 'B\u200bob' }), [['name', zw]])
    assert.deepEqual(issues(createTokenBody, { name: 'ci\u200b' + 'x' }), [['name', zw]])
    assert.deepEqual(issues(addonName, 'Cloud\u200bProcessing'), [['', zw]])
    assert.deepEqual(
      issues(provisionAddonBody, { key: 'cp', name: 'C\u202eP', total: 1, expires: '2099-12-31' }),
      [['name', invisible('202E', 'bidirectional')]],
    )
    assert.deepEqual(issues(modelName, 'R\u200b-1000'), [['', zw]])
    assert.deepEqual(issues(addDeviceItem, { serial: 'R-1', category: 'router', site: 'Lab\u200b' + '2' }), [
      ['site', zw],
    ])
  })

  it('a new host names the invisible character; a stored host is still found by any name it was given before', () => {
    assert.deepEqual(issues(host, 'ws\u200b1').slice(0, 1), [['', invisible('200B', 'zero-width')]])
    assert.deepEqual(issues(hostRef, 'ws\u200b1'), [])
    assert.deepEqual(issues(hostRef, 'ws\u202e1'), [['', invisible('202E', 'bidirectional')]])
    assert.deepEqual(issues(hostRef, 'ws\u00071'), [['', 'must not contain control characters']])
  })
})
