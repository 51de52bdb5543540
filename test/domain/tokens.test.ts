import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import {
  generateToken,
  hashToken,
  redactTokens,
  sameTokenHash,
  TOKEN_PREFIX,
} from '../../src/domain/tokens.js'

describe('domain: tokens', () => {
  it('have a recognizable prefix and 256 bits of url-safe secret', () => {
    assert.match(generateToken('user').token, /^lic_u_[A-Za-z0-9_-]{43}$/)
    assert.match(generateToken('operator').token, /^lic_op_[A-Za-z0-9_-]{43}$/)
    const tokens = new Set(Array.from({ length: 1000 }, () => generateToken('user').token))
    assert.equal(tokens.size, 1000)
  })

  it('are stored as a SHA-256 hash, with a short prefix that lists can show', () => {
    const t = generateToken('user')
    assert.equal(t.hash, hashToken(t.token))
    assert.match(t.hash, /^[0-9a-f]{64}$/)
    // sha256('lic_u_example'), as `printf lic_u_example | sha256sum` prints it.
    assert.equal(
      hashToken('lic_u_example'),
      'e6cab0b566b9b69d807350db7998861903226b5ece2dcd1376a4279f934d7663',
    )
    assert.equal(t.prefix, t.token.slice(0, TOKEN_PREFIX.user.length + 4))
    assert.equal(redactTokens(t.prefix), t.prefix, 'a prefix alone is not a secret and stays readable')
  })

  it('are redacted from any text they appear in, whatever surrounds them', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('user', 'operator') as fc.Arbitrary<'user' | 'operator'>,
        fc.string(),
        fc.string(),
        (kind, before, after) => {
          const { token } = generateToken(kind)
          const redacted = redactTokens(`${before} ${token}${after}`)
          return (
            !redacted.includes(token.slice(0, 16)) && redacted.includes(`${TOKEN_PREFIX[kind]}[REDACTED]`)
          )
        },
      ),
    )
    const t = generateToken('operator').token
    assert.equal(redactTokens(`Bearer ${t} failed`), 'Bearer lic_op_[REDACTED] failed')
    assert.equal(redactTokens(`{"token":"${t}"}`), '{"token":"lic_op_[REDACTED]"}')
    assert.equal(redactTokens('no secrets here: lic_u_ab'), 'no secrets here: lic_u_ab')
  })

  it('compares token hashes in constant time: equal only when every byte is', () => {
    const { token, hash } = generateToken('user')
    assert.equal(sameTokenHash(hashToken(token), hash), true)
    assert.equal(sameTokenHash(hashToken(`${token}x`), hash), false)
    assert.equal(sameTokenHash(hash.slice(0, -1), hash), false, 'a shorter hash')
    assert.equal(sameTokenHash(hash.toUpperCase(), hash), false, 'case matters')
    assert.equal(sameTokenHash('', hash), false)
  })
})
