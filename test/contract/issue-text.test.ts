import { strict as assert } from 'node:assert'
import * as z from 'zod'
import { expiryInput } from '../../src/contract/common.js'
import { inWords } from '../../src/contract/issue-text.js'

/** What the schema's first issue says, in words. */
const said = (schema: z.ZodType, value: unknown): string => {
  const result = schema.safeParse(value, { error: inWords })
  assert.equal(result.success, false)
  return result.error!.issues[0]!.message
}

describe('contract: schema issues in plain words', () => {
  it('says zod’s bounds, types and options as licctl says them', () => {
    assert.equal(said(z.string().min(1), ''), 'must not be empty')
    assert.equal(said(z.string().min(2), 'a'), 'must have at least 2 characters')
    assert.equal(said(z.string().max(120), 'x'.repeat(121)), 'must have at most 120 characters')
    assert.equal(said(z.string().max(1), 'xy'), 'must have at most 1 character')
    assert.equal(said(z.number().int().min(1), 0), 'must be at least 1')
    assert.equal(said(z.number().positive(), 0), 'must be more than 0')
    assert.equal(said(z.number().max(1000), 5000), 'must be at most 1000')
    assert.equal(said(z.array(z.string()).min(1), []), 'must have at least 1 item')
    assert.equal(said(z.array(z.string()).max(2), ['a', 'b', 'c']), 'must have at most 2 items')
    assert.equal(said(z.object({ a: z.string() }), {}), 'required')
    assert.equal(said(z.string(), 5), 'expected a string, got a number')
    assert.equal(said(z.object({}), []), 'expected an object, got an array')
    assert.equal(said(z.string(), null), 'expected a string, got null')
    assert.equal(said(z.enum(['NL', 'CC']), 'XX'), 'expected one of NL, CC')
    assert.equal(said(z.literal(true), false), 'must be true')
    assert.equal(
      said(z.iso.datetime(), '2026-01-01'),
      'expected an ISO-8601 instant, e.g. 2026-01-31T09:00:00Z',
    )
    assert.equal(said(z.iso.date(), 'soon'), 'expected a date, e.g. 2026-01-31')
    // Bounds zod words with "exactly", or on numbers not inclusive, which its English read back missed.
    assert.equal(said(z.string().length(4), 'abc'), 'must have exactly 4 characters')
    assert.equal(said(z.number().lt(10), 10), 'must be less than 10')
    assert.equal(said(z.number(), Number.NaN), 'expected a number, got NaN')
    assert.equal(said(z.number().int(), 1.5), 'must be a whole number')
    assert.equal(said(z.number().int(), 'x'), 'expected a number, got a string')
    assert.equal(said(z.bigint().min(5n), 2n), 'must be at least 5')
  })

  it('words every issue from its fields, not from zod’s English (a changed wording cannot leak)', () => {
    // The map sees the raw issue: its words do not depend on the locale message zod would have made.
    const issue = { code: 'too_small', origin: 'string', minimum: 1, inclusive: true, input: '', path: [] }
    assert.equal(inWords(issue as unknown as Parameters<typeof inWords>[0]), 'must not be empty')
    // An issue it has no words for is left to zod (undefined): a regex's own pattern message, say.
    assert.equal(
      inWords({ code: 'custom', input: 1, path: [] } as unknown as Parameters<typeof inWords>[0]),
      undefined,
    )
  })

  it('is given per parse: zod’s global messages stay zod’s (a program embedding the client keeps its own)', () => {
    const result = z.string().min(1).safeParse('')
    assert.match(result.error!.issues[0]!.message, /^Too small/)
  })

  it('leaves a contract’s own message as it is', () => {
    assert.equal(said(z.string().regex(/^a$/, 'not a host name'), 'b'), 'not a host name')
    assert.equal(
      said(z.string().min(3, 'Too small: a message of our own'), 'a'),
      'Too small: a message of our own',
    )
  })

  it('says what an expiration may be, not the union’s bare “Invalid input”', () => {
    assert.equal(
      said(expiryInput, 'bad'),
      'expected a date (2027-12-31), an ISO-8601 instant with its offset (2027-12-31T17:00:00Z) or a duration like 7d',
    )
    assert.equal(expiryInput.safeParse('2027-12-31').success, true)
    assert.equal(expiryInput.safeParse('2027-12-31T17:00:00+02:00').success, true)
  })
})
