import { strict as assert } from 'node:assert'
import { color, colorEnabled, stderrColor } from '../../src/cli/output.js'

/** Runs fn with the environment changed, then puts it back. */
function withEnv<T>(changes: Record<string, string | undefined>, fn: () => T): T {
  const before = Object.fromEntries(Object.keys(changes).map((k) => [k, process.env[k]]))
  const set = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values))
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
  }
  set(changes)
  try {
    return fn()
  } finally {
    set(before)
  }
}

describe('cli output: colour only where it is wanted', () => {
  it('without colour, every style and chain of styles leaves the text as it is (chalk not needed)', () => {
    withEnv({ NO_COLOR: '1', FORCE_COLOR: undefined }, () => {
      assert.equal(colorEnabled(), false)
      for (const c of [color(), stderrColor()]) {
        assert.equal(c.red('expired'), 'expired')
        assert.equal(c.red.bold('refused'), 'refused')
        assert.equal(c.dim.yellow.bold('a', 12, 'b'), 'a 12 b', 'arguments joined with spaces, as chalk does')
        assert.equal(c.green(), '')
        assert.equal(c.level, 0)
      }
    })
  })

  it('with colour forced, styles are chalk’s ANSI codes', () => {
    withEnv({ NO_COLOR: undefined, FORCE_COLOR: '1' }, () => {
      assert.equal(colorEnabled(), true)
      assert.equal(color().red('expired'), '\u001b[31mexpired\u001b[39m')
      assert.equal(stderrColor().red.bold('x'), '\u001b[31m\u001b[1mx\u001b[22m\u001b[39m')
    })
  })
})
