import { strict as assert } from 'node:assert'
import { color, colorEnabled, renderTable, stderrColor, type Column } from '../../src/cli/output.js'

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

describe('cli output: a coloured table on a terminal too narrow for it', () => {
  /** Renders as on a terminal of `columns`, with colour. */
  function onTerminal<T>(columns: number, fn: () => T): T {
    const had = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY')
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true })
    try {
      return withEnv({ NO_COLOR: undefined, FORCE_COLOR: '1', COLUMNS: String(columns) }, fn)
    } finally {
      if (had) Object.defineProperty(process.stdout, 'isTTY', had)
      else delete (process.stdout as { isTTY?: boolean }).isTTY
    }
  }

  it('wraps a coloured cell on what shows: a word that fits stays whole, and no colour code is cut', () => {
    const rows = [{ id: 'ls_06h3vb8z077mv0xxjse7vk0qq4', user: 'bob@acme.test', state: 'active' }]
    const text = onTerminal(40, () =>
      renderTable(rows, [
        { header: 'Lease', get: (r) => r.id },
        { header: 'User', get: (r) => r.user },
        { header: 'State', get: (r) => color().green(r.state) },
      ]),
    )
    // eslint-disable-next-line no-control-regex
    const shown = text.replace(/\u001b\[[0-9;]*m/g, '')
    assert.ok(!shown.includes('\u001b'), `a colour code was cut in two:\n${JSON.stringify(text)}`)
    assert.ok(!shown.includes('\\x1b'), shown)
    assert.match(shown, /│ active │/)
    const widths = new Set(shown.split('\n').map((l) => [...l].length))
    assert.equal(widths.size, 1, shown)
    assert.ok([...widths][0]! <= 40, shown)
  })

  it('a coloured cell longer than its column wraps too, each line in its colour', () => {
    const text = onTerminal(30, () =>
      renderTable(
        [{ a: 'x'.repeat(30), b: 'expired yesterday' }],
        [
          { header: 'A', get: (r) => r.a },
          { header: 'B', get: (r) => color().red(r.b) },
        ],
      ),
    )
    // eslint-disable-next-line no-control-regex
    const shown = text.replace(/\u001b\[[0-9;]*m/g, '')
    assert.ok(!shown.includes('\u001b'), JSON.stringify(text))
    const lines = text.split('\n').slice(3, -1)
    const cellsOfB = shown
      .split('\n')
      .slice(3, -1)
      .map((l) => l.split('│')[2]!.trim())
    assert.equal(cellsOfB.join(''), 'expired yesterday')
    assert.ok(
      lines.every((l, i) => cellsOfB[i] === '' || l.includes(`\u001b[31m${cellsOfB[i]}`)),
      'every line of the cell is red',
    )
  })
})

describe('cli output: a long table', () => {
  const columns: Array<Column<number>> = [
    { header: 'Email', get: (i) => `user${i}@acme.test` },
    { header: 'Name', get: (i) => `User ${i}` },
    { header: 'Role', get: (i) => (i % 7 ? 'member' : 'admin'), align: 'right' },
  ]
  const rows = (n: number) => Array.from({ length: n }, (_, i) => i)
  // eslint-disable-next-line no-control-regex
  const shown = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '').split('\n')

  it('is one table, boxed or plain: one header, every row once and in order, one width', () => {
    for (const env of [{ FORCE_COLOR: '1', NO_COLOR: undefined }, { NO_COLOR: '1' }]) {
      const lines = shown(withEnv(env, () => renderTable(rows(450), columns)))
      const boxed = env.NO_COLOR === undefined
      assert.equal(lines.length, 450 + (boxed ? 4 : 1))
      assert.equal(lines.filter((l) => /Email/.test(l)).length, 1)
      const body = lines.filter((l) => /user\d+@/.test(l)).map((l) => Number(/user(\d+)@/.exec(l)![1]))
      assert.deepEqual(body, rows(450))
      if (boxed) {
        assert.equal(new Set(lines.map((l) => [...l].length)).size, 1, 'every line as wide')
        assert.equal(lines.filter((l) => l.startsWith('└') || l.startsWith('┌')).length, 2)
      } else assert.match(lines[450]!, /^ user449@acme\.test\s+User 449\s+member$/)
    }
  })

  it('takes time in proportion to its rows (cli-table3 alone grows with their square)', function () {
    this.timeout(120_000)
    // A growth test, not a timed one: 16× the rows took 17–20× the time drawn in pieces (on a
    // machine loaded 10 deep) and 94× drawn in one piece (cli-table3's square, diluted by the linear
    // work), so the bound sits about 2× from each. Each size's best of three leaves out a pause of
    // the machine or the garbage collector (a single timing of 4× the rows, against a bound of 5×,
    // once measured 8.7×).
    const time = (n: number) => {
      let best = Infinity
      for (let i = 0; i < 3; i++) {
        const started = process.hrtime.bigint()
        withEnv({ NO_COLOR: '1' }, () => renderTable(rows(n), columns))
        best = Math.min(best, Number(process.hrtime.bigint() - started))
      }
      return best
    }
    time(500)
    const small = time(1000)
    const large = time(16000)
    assert.ok(large < 48 * small, `16× the rows took ${(large / small).toFixed(1)}× the time`)
  })
})
