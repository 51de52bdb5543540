import { strict as assert } from 'node:assert'
import { fitWidths, renderTable, wrapWords, type Column } from '../../src/cli/output.js'
import { asOnTerminal } from '../helpers/terminal.js'

const onTerminal = <T>(columns: number, colour: boolean, fn: () => T): T =>
  asOnTerminal({ columns, colour }, fn)
// eslint-disable-next-line no-control-regex
const shown = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '').split('\n')
const width = (line: string) => [...line].length

interface Lease {
  id: string
  product: string
  user: string
  host: string
  started: string
  heartbeat: string
  roaming: string
  state: string
}
const leases: Lease[] = [1, 2].map((i) => ({
  id: `ls_06h3vb8z077mv0xxjse7vk0q${i}${i}`,
  product: 'cad-pro',
  user: `someone.long${i}@acme-corporation.test`,
  host: `workstation-${i}`,
  started: '2 hours ago',
  heartbeat: '1 minute ago',
  roaming: i === 2 ? 'in 3 days' : '-',
  state: 'active',
}))
const leaseColumns: Array<Column<Lease>> = [
  { header: 'Lease', get: (l) => l.id },
  { header: 'Product', get: (l) => l.product },
  { header: 'User', get: (l) => l.user },
  { header: 'Host', get: (l) => l.host },
  { header: 'Started', get: (l) => l.started },
  { header: 'Last heartbeat', get: (l) => l.heartbeat },
  { header: 'Roaming until', get: (l) => l.roaming },
  { header: 'State', get: (l) => l.state },
]

describe('cli output: tables on a narrow terminal', () => {
  it('at 120 columns: dates and states keep their width and headers stay whole; only ids and emails wrap', () => {
    for (const colour of [false, true]) {
      const lines = shown(onTerminal(120, colour, () => renderTable(leases, leaseColumns)))
      assert.ok(
        lines.every((l) => width(l) <= 120),
        lines.join('\n'),
      )
      const header = lines.find((l) => l.includes('Lease'))!
      for (const h of leaseColumns.map((c) => c.header))
        assert.ok(header.includes(h), `${h} broken:\n${lines.join('\n')}`)
      const row = lines.find((l) => l.includes('ls_'))!
      assert.match(row, /workstation-1\s+│?\s*2 hours ago\s+│?\s*1 minute ago\s+│?\s*-\s+│?\s*active/)
    }
  })

  it('at 60 columns, a table that cannot fit with whole headers is shown one block per row', () => {
    for (const colour of [false, true]) {
      const lines = shown(onTerminal(60, colour, () => renderTable(leases, leaseColumns)))
      assert.ok(
        lines.every((l) => width(l) <= 60),
        lines.join('\n'),
      )
      assert.deepEqual(lines.slice(0, 9), [
        'Lease           ls_06h3vb8z077mv0xxjse7vk0q11',
        'Product         cad-pro',
        'User            someone.long1@acme-corporation.test',
        'Host            workstation-1',
        'Started         2 hours ago',
        'Last heartbeat  1 minute ago',
        'Roaming until   -',
        'State           active',
        '',
      ])
      assert.equal(lines.filter((l) => l.startsWith('Lease ')).length, 2)
    }
  })

  it('at 60 columns, a table that fits with whole headers narrows only its free text, wrapped between words', () => {
    const rows = [
      { email: 'alice@acme.test', name: 'Alice Liddell from the wonderland department', role: 'admin' },
    ]
    const lines = shown(
      onTerminal(60, false, () =>
        renderTable(rows, [
          { header: 'Email', get: (r) => r.email },
          { header: 'Name', get: (r) => r.name },
          { header: 'Role', get: (r) => r.role },
          { header: 'Joined', get: () => '3 days ago' },
        ]),
      ),
    )
    assert.ok(
      lines.every((l) => width(l) <= 60),
      lines.join('\n'),
    )
    assert.match(lines[1]!, /^ ?alice@acme\.test\s+Alice Liddell\s+admin\s+3 days ago$/)
    assert.deepEqual(
      lines.slice(1).map((l) => l.slice(lines[1]!.indexOf('Alice')).split(/\s{2,}/)[0]),
      ['Alice Liddell', 'from the', 'wonderland', 'department'],
    )
  })

  it('gives a column below its fair share its natural width; the widest share the rest', () => {
    const headers = ['Id', 'Text', 'N']
    const rows = [['x'.repeat(10), 'y'.repeat(100), '7']]
    // 60 columns, plain: 2 spaces between the 3 columns and 1 more: 55 for the cells.
    assert.deepEqual(fitWidths(headers, rows, 60, true), [12, 40, 3])
    assert.equal(fitWidths(headers, rows, 200, true), undefined)
    assert.equal(
      fitWidths(['A long header', 'Another long one', 'And a third'], [['a', 'b', 'c']], 30, true),
      'records',
    )
  })

  it('wraps between words, cutting only a word longer than a line', () => {
    assert.equal(wrapWords('Alice Liddell from the wonderland', 14), 'Alice Liddell\nfrom the\nwonderland')
    assert.equal(wrapWords('someone@acme-corporation.test', 10), 'someone@ac\nme-corpora\ntion.test')
    assert.equal(wrapWords('a verylongword b', 5), 'a\nveryl\nongwo\nrd b')
  })
})
