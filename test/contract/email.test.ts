import { strict as assert } from 'node:assert'
import { email } from '../../src/contract/common.js'
import { createOrgBody } from '../../src/contract/orgs.js'

describe('contract: email addresses', () => {
  it('takes internationalized addresses (RFC 6531): letters of any script, in the local part and the domain', () => {
    for (const [typed, stored] of [
      ['jörg@example.de', 'jörg@example.de'],
      ['user@bücher.de', 'user@bücher.de'],
      ['用户@例子.广告', '用户@例子.广告'],
      ['u@пример.рф', 'u@пример.рф'],
      ['x@xn--bcher-kva.de', 'x@xn--bcher-kva.de'],
      ['ana.okafor@acme.test', 'ana.okafor@acme.test'],
    ])
      assert.equal(email.parse(typed), stored, typed)
  })

  it('stores one spelling per address: lower case in every script, and composed (NFC)', () => {
    assert.equal(email.parse('JÖRG@Bücher.DE'), 'jörg@bücher.de')
    // o and a combining diaeresis: what a Mac may type, the same address as ö.
    assert.equal(email.parse('jo\u0308rg@example.de'), 'j\u00f6rg@example.de')
  })

  it('still refuses what is no address, and what hides characters', () => {
    for (const typed of [
      'a@b',
      'a b@c.de',
      'a\u200b@c.de',
      'a\u202e@c.de',
      'a@@b.de',
      '.a@b.de',
      'a.@b.de',
      'bob',
    ])
      assert.equal(email.safeParse(typed).success, false, typed)
  })

  it('takes an internationalized contact email for an organization too', () => {
    const body = {
      slug: 'acme',
      name: 'Acme',
      admin: { email: 'jörg@acme.test' },
      contactEmail: 'büro@acme.de',
    }
    assert.equal(createOrgBody.safeParse(body).success, true)
  })
})
