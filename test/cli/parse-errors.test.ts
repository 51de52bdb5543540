import { strict as assert } from 'node:assert'
import { Args, Flags, Parser } from '@oclif/core'
import { flagRulesRefusal } from '../../src/cli/base-command.js'
import { failureOf } from '../../src/cli/errors.js'

/** What oclif's parser throws for this input, or undefined. */
async function parseError(argv: string[], input: Parameters<typeof Parser.parse>[1]): Promise<unknown> {
  try {
    await Parser.parse(argv, input)
    return undefined
  } catch (err) {
    return err
  }
}

describe('cli: parse errors in licctl’s words, from what oclif’s errors carry, not their text', () => {
  const args = { path: Args.string({ description: 'API path, e.g. /orgs/acme', required: true }) }
  const flags = {
    header: Flags.string({ char: 'H', multiple: true }),
    field: Flags.string({ char: 'f', multiple: true }),
    org: Flags.string(),
  }

  it('names a missing argument from the definitions oclif’s error carries, whatever its message says', async () => {
    const err = (await parseError([], { args, flags })) as Error
    assert.ok(err, 'oclif refuses a missing argument')
    const failure = failureOf(err)
    assert.deepEqual(
      [failure.code, failure.exitCode, failure.message, failure.hint, failure.expected],
      ['usage', 2, 'missing argument PATH (API path, e.g. /orgs/acme)', undefined, false],
    )
    // Another oclif may word it otherwise: the message is built from `args`, not read back.
    err.message = 'Il manque 1 argument requis'
    assert.equal(failureOf(err).message, 'missing argument PATH (API path, e.g. /orgs/acme)')
  })

  it('hints at a flag taking several values only when one was given, in the definitions’ order', async () => {
    const one = await parseError(['-H', 'X-Trace: 1', '/me'], { args, flags })
    assert.equal(
      failureOf(one).hint,
      '--header takes several values: give PATH before it, or end the flags with --',
    )
    const both = await parseError(['-H', 'X-Trace: 1', '-f', 'a=1', '/me'], { args, flags })
    assert.equal(
      failureOf(both).hint,
      '--header and --field take several values: give PATH before them, or end the flags with --',
    )
    // --org takes one value: it cannot have taken the path.
    assert.equal(failureOf(await parseError(['--org', 'acme'], { args, flags })).hint, undefined)
  })

  it('names an argument by its description, not the option list oclif prints before it', async () => {
    const err = await parseError(['bob@acme.test'], {
      args: {
        email: Args.string({ description: 'the member', required: true }),
        role: Args.string({ description: 'admin or member', required: true, options: ['admin', 'member'] }),
      },
    })
    assert.equal(failureOf(err).message, 'missing argument ROLE (admin or member)')
  })

  it('does not take an unexpected argument for a missing one', async () => {
    const err = await parseError(['/me', 'extra'], { args, flags })
    assert.equal(failureOf(err).message, 'Unexpected argument: extra')
  })
})

describe('cli: flags refused together and required flags, checked by the base command', () => {
  const defs = {
    limit: { exclusive: ['all'] },
    all: { exclusive: ['limit'] },
    key: { exclusive: ['license'] },
    license: {},
    to: { required: true },
  }
  const refusal = (flags: Record<string, unknown>, fromDefault: string[] = []) =>
    flagRulesRefusal(defs, { to: 'x', ...flags }, (name) => fromDefault.includes(name))

  it('says which flags cannot go together, the flag refused first', () => {
    const both = refusal({ all: true, limit: 5 })
    assert.equal(both?.message, '--all and --limit cannot be used together')
    assert.deepEqual([both?.exitCode, both?.code, both?.pointToHelp], [2, 'usage', true])
    assert.equal(refusal({ key: 'k', license: 'l' })?.message, '--license and --key cannot be used together')
  })

  it('names every flag of a group given together once', () => {
    const subjects = ['addon', 'pool', 'device']
    const group = Object.fromEntries(subjects.map((s) => [s, { exclusive: subjects.filter((o) => o !== s) }]))
    assert.equal(
      flagRulesRefusal(group, { addon: 'a', pool: 'p', device: 'd' }, () => false)?.message,
      'only one of --addon, --device and --pool may be given',
    )
  })

  it('does not count a flag set from its default as given', () => {
    assert.equal(refusal({ all: true, limit: 50 }, ['limit']), undefined)
    assert.equal(refusal({ all: false, limit: 5 }, ['all']), undefined)
  })

  it('says a required flag is missing, after the flags refused together', () => {
    assert.equal(
      flagRulesRefusal(defs, { key: 'k', license: 'l' }, () => false)?.message,
      '--license and --key cannot be used together; missing required flag --to',
    )
    assert.equal(flagRulesRefusal(defs, {}, () => false)?.message, 'missing required flag --to')
    assert.equal(refusal({ key: 'k' }), undefined)
  })
})
