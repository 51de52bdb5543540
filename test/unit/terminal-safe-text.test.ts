import { strict as assert } from 'node:assert'
import { escapeRawInJson, quote, stdoutJson, terminalSafeText } from '../../src/cli/errors.js'
import { asOnTerminal } from '../helpers/terminal.js'

describe('cli output: stored text cannot act on the terminal', () => {
  it('keeps line breaks, tabs and the CLI’s own colours (chalk at level 1)', () => {
    for (const own of [
      'plain\ttext\nnext line',
      '\u001b[1mbold\u001b[22m',
      '\u001b[31mred\u001b[39m \u001b[33myellow\u001b[39m \u001b[90mgrey\u001b[39m',
      '\u001b[2mdim\u001b[22m \u001b[1;31mboth\u001b[0m \u001b[m',
    ])
      assert.equal(terminalSafeText(own), own)
  })

  it('escapes every other control character and sequence, as escapeControls writes them', () => {
    const cases: Array<[string, string]> = [
      ['clear\u001b[2J', 'clear\\x1b[2J'],
      ['title\u001b]0;pwned\u0007', 'title\\x1b]0;pwned\\x07'],
      ['hidden\u001b[8mtext', 'hidden\\x1b[8mtext'],
      ['blink\u001b[5m inverse\u001b[7m', 'blink\\x1b[5m inverse\\x1b[7m'],
      ['rgb\u001b[38;2;255;0;0m', 'rgb\\x1b[38;2;255;0;0m'],
      ['csi\u009b2J', 'csi\\x9b2J'],
      ['over\rwrite', 'over\\rwrite'],
      ['del\u007f', 'del\\x7f'],
      ['rtl\u202eevil', 'rtl\\u202eevil'],
      ['nul\u0000', 'nul\\x00'],
    ]
    for (const [text, shown] of cases) assert.equal(terminalSafeText(text), shown, JSON.stringify(text))
  })

  it('shows invisible characters as escapes, but a joiner where it is how the text is written', () => {
    const cases: Array<[string, string]> = [
      ['b\u200bob', 'b\\u200bob'],
      ['b\u200cob b\u200dob', 'b\\u200cob b\\u200dob'],
      ['\ufeffbom', '\\ufeffbom'],
      ['soft\u00adhyphen', 'soft\\xadhyphen'],
      ['filler\u3164\u115f', 'filler\\u3164\\u115f'],
      ['word\u2060joiner', 'word\\u2060joiner'],
      // Persian (a non-joiner between two letters), an emoji family: as they are.
      ['می\u200cخواهم', 'می\u200cخواهم'],
      ['\u{1f468}\u200d\u{1f469}\u200d\u{1f467}', '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}'],
      // The same joiner out of its context, in the same text: escaped.
      ['می\u200cخ a\u200cb', 'می\u200cخ a\\u200cb'],
      ['\u001b[1mb\u200bob\u001b[22m', '\u001b[1mb\\u200bob\u001b[22m'],
    ]
    for (const [text, shown] of cases) {
      assert.equal(terminalSafeText(text), shown, JSON.stringify(text))
      if (!text.includes('\u001b')) assert.equal(quote(text), `'${shown}'`, JSON.stringify(text))
    }
  })

  it('JSON for stdout: on a terminal the invisible characters too (a written joiner stays); into a pipe they stay', () => {
    const value = { name: 'b\u200bob\ufeff\u00ad\u202e', fa: 'می\u200cخواهم' }
    const json = JSON.stringify(value, null, 2)
    const shown = asOnTerminal({ columns: 80 }, () => stdoutJson(json))
    assert.equal(shown, json.replace('b\u200bob\ufeff\u00ad\u202e', 'b\\u200bob\\ufeff\\u00ad\\u202e'))
    assert.deepEqual(JSON.parse(shown), value)
    const piped = asOnTerminal({ tty: false, columns: 80 }, () => stdoutJson(json))
    assert.equal(piped, json.replace('\u202e', '\\u202e'))
  })

  it('escapes in JSON text what JSON.stringify leaves raw, and the document parses back the same', () => {
    const value = { name: 'a\u007fb\u009bc\u202ed', n: 1 }
    const text = escapeRawInJson(JSON.stringify(value, null, 2))
    assert.ok(!/[\u007f-\u009f\u202e]/u.test(text), text)
    assert.deepEqual(JSON.parse(text), value)
  })
})
