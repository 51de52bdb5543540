import { strict as assert } from 'node:assert'
import { asOnTerminal } from '../helpers/terminal.js'

describe('test helper: asOnTerminal', () => {
  const state = () => [process.stdout.isTTY, process.env.COLUMNS, process.env.NO_COLOR]

  it('keeps an async function on the terminal past its awaits, then puts everything back', async () => {
    const before = state()
    const seen = await asOnTerminal({ columns: 61 }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      return state()
    })
    assert.deepEqual(seen, [true, '61', '1'])
    assert.deepEqual(state(), before)
  })

  it('puts everything back when an async function rejects', async () => {
    const before = state()
    await assert.rejects(
      asOnTerminal({ columns: 62 }, async () => {
        await new Promise((resolve) => setTimeout(resolve, 5))
        throw new Error('boom')
      }),
      /boom/,
    )
    assert.deepEqual(state(), before)
  })

  it('still runs a sync function and returns its value, putting everything back at once', () => {
    const before = state()
    assert.deepEqual(
      asOnTerminal({ tty: false, columns: 63 }, () => state()),
      [undefined, '63', '1'],
    )
    assert.deepEqual(state(), before)
    assert.throws(() => asOnTerminal({ columns: 64 }, () => assert.fail('sync boom')), /sync boom/)
    assert.deepEqual(state(), before)
  })
})
