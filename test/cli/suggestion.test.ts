import { strict as assert } from 'node:assert'
import { Flags, Parser } from '@oclif/core'
import { nonexistentFlagHint } from '../../src/cli/base-command.js'
import { closestFlags } from '../../src/cli/flag-suggestion.js'
import { closest } from '../../src/cli/suggestion.js'

describe('cli: the one ranking of "did you mean" (flags) and "Try this" (commands)', () => {
  it('names the words the typed one begins, before any a typo away', () => {
    assert.deepEqual(closest('admin', ['name', 'admin-name', 'admin-email']), ['admin-email', 'admin-name'])
    assert.deepEqual(closest('seat', ['sets', 'seats']), ['seats'])
    assert.deepEqual(closest('expiry:ch', ['expiry:check', 'expiry:cheque2']), [
      'expiry:check',
      'expiry:cheque2',
    ])
  })

  it('else the closest within a typo or two and half the word, in byte order', () => {
    assert.deepEqual(closest('nmae', ['name', 'json']), ['name'])
    // Only the closest: `last` is two edits away, `list` and `lisp` one.
    assert.deepEqual(closest('lisr', ['last', 'list', 'lisp']), ['lisp', 'list'])
    assert.deepEqual(closest('abcd', ['abxy']), ['abxy'])
    // Two edits in three letters is another word.
    assert.deepEqual(closest('abc', ['axy']), [])
    assert.deepEqual(closest('frobnicate', ['seats', 'orgs']), [])
  })

  it('suggests nothing for one letter, for the word itself, or when more than three are as close', () => {
    assert.deepEqual(closest('a', ['ab', 'ac']), [])
    assert.deepEqual(closest('list', ['list']), [])
    assert.deepEqual(closest('ab', ['abc', 'abd', 'abe']), ['abc', 'abd', 'abe'])
    assert.deepEqual(closest('ab', ['abc', 'abd', 'abe', 'abf']), [])
  })

  it('ranks a command’s flags so, never suggesting a hidden one, with an alias as a name', () => {
    const flags = {
      'admin-email': {},
      'admin-name': {},
      name: { aliases: ['title'] },
      secret: { hidden: true },
    }
    assert.deepEqual(closestFlags('--admin', flags), ['--admin-email', '--admin-name'])
    assert.deepEqual(closestFlags('--nmae=X', flags), ['--name'])
    assert.deepEqual(closestFlags('--titel', flags), ['--title'])
    assert.deepEqual(closestFlags('--secrt', flags), [])
    assert.deepEqual(closestFlags('-n', flags), [])
  })

  it('reads the flags mistyped from what oclif’s error carries, not from its message', async () => {
    const err = (await Parser.parse(['--nmae', 'X', '--jsn'], {
      flags: { name: Flags.string(), json: Flags.boolean() },
    }).catch((e: unknown) => e)) as Error
    assert.equal(
      await nonexistentFlagHint(err),
      "'--nmae': did you mean --name?; '--jsn': did you mean --json?",
    )
    // Another oclif may word it otherwise.
    err.message = 'Unbekannte Flags: --nmae, --jsn'
    assert.equal(
      await nonexistentFlagHint(err),
      "'--nmae': did you mean --name?; '--jsn': did you mean --json?",
    )
    assert.equal(await nonexistentFlagHint(new Error('Nonexistent flag: --nmae')), undefined)
  })
})
