import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import {
  ALPHABET,
  checkKey,
  issueKey,
  keyOrSerial,
  keySerial,
  keySymbols,
  verifyKeyTag,
  withCheckSymbols,
} from '../../src/domain/license-key.js'

const SECRET = 'test-issuing-secret'
const text = (symbols: number[]) =>
  [0, 5, 10, 15, 20]
    .map((g) =>
      symbols
        .slice(g, g + 5)
        .map((s) => ALPHABET[s])
        .join(''),
    )
    .join('-')

describe('domain: device license keys', () => {
  it('issues typeable keys: five groups of five Crockford base32 characters, at most 40 characters', () => {
    for (let i = 0; i < 200; i++) {
      const { key, serial } = issueKey(SECRET)
      assert.match(key, /^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){4}$/)
      assert.ok(key.length <= 40)
      assert.equal(key.replace(/-/g, '').slice(0, 12), serial)
      assert.deepEqual(checkKey(key), { ok: true, key, serial })
      assert.equal(verifyKeyTag(SECRET, key), true)
      assert.equal(verifyKeyTag('another-secret', key), false)
    }
  })

  it('accepts lower case and the look-alikes Crockford folds', () => {
    const { key } = issueKey(SECRET)
    assert.equal(checkKey(key.toLowerCase()).ok, true)
    assert.equal(checkKey(`  ${key} `).ok, true)
  })

  it('over 1,000 random keys catches every single substitution (naming its group) and every adjacent swap', () => {
    let substitutions = 0
    let swaps = 0
    for (let k = 0; k < 1000; k++) {
      const { key } = issueKey(SECRET)
      const symbols = keySymbols(key)
      for (let i = 0; i < 25; i++) {
        for (let v = 0; v < 32; v++) {
          if (v === symbols[i]) continue
          const changed = [...symbols]
          changed[i] = v
          const r = checkKey(text(changed))
          assert.equal(r.ok, false, `${key}: ${i}→${ALPHABET[v]}`)
          if (!r.ok) assert.equal(r.group, Math.floor(i / 5) + 1)
          substitutions++
        }
        if (i < 24 && symbols[i] !== symbols[i + 1]) {
          const swapped = [...symbols]
          ;[swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!]
          const r = checkKey(text(swapped))
          assert.equal(r.ok, false, `${key}: swap ${i}`)
          if (!r.ok) assert.match(r.message, /^key looks mistyped/)
          swaps++
        }
      }
    }
    assert.equal(substitutions, 1000 * 25 * 31)
    assert.ok(swaps > 1000 * 24 * 0.9, String(swaps))
  })

  it('takes a key typed without dashes, or in lower case, as the key as issued', () => {
    const { key, serial } = issueKey(SECRET)
    assert.deepEqual(checkKey(key.replace(/-/g, '')), { ok: true, key, serial })
    assert.deepEqual(checkKey(key.replace(/-/g, '').toLowerCase()), { ok: true, key, serial })
    assert.deepEqual(keyOrSerial(key.replace(/-/g, '')), { ok: true, key, serial })
  })

  it('refuses the wrong shape and characters outside the alphabet', () => {
    const { key } = issueKey(SECRET)
    assert.equal(checkKey(key.replace(/-/g, '').slice(1)).ok, false)
    assert.equal(checkKey(`${key}-AAAAA`).ok, false)
    const bad = checkKey(`${key.slice(0, 6)}U${key.slice(7)}`)
    assert.deepEqual(bad.ok ? null : [bad.reason, bad.group], ['mistyped', 2])
  })

  it("reads a key's serial as keys list shows it, folding case and look-alikes, and nothing else", () => {
    const { key, serial } = issueKey(SECRET)
    assert.equal(keySerial(serial), serial)
    assert.equal(keySerial(` ${serial.toLowerCase()} `), serial)
    assert.equal(keySerial(`${serial.slice(0, 5)}-${serial.slice(5, 10)}-${serial.slice(10)}`), serial)
    assert.equal(keySerial('0O1IL0O1IL0O'), '001110011100')
    for (const notSerial of [key, serial.slice(0, 11), `${serial}A`, `${serial.slice(0, 11)}U`, ''])
      assert.equal(keySerial(notSerial), undefined, notSerial)
  })

  it('a key with any other tag but valid check symbols fails the tag check', () => {
    for (let k = 0; k < 200; k++) {
      const symbols = keySymbols(issueKey(SECRET).key)
      const i = 12 + (k % 11)
      symbols[i] = (symbols[i]! + 1 + (randomBytes(1)[0]! % 31)) % 32
      const forged = withCheckSymbols(symbols)
      assert.equal(checkKey(forged).ok, true)
      assert.equal(verifyKeyTag(SECRET, forged), false)
    }
  })
})
