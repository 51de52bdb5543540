import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { checkJq, renderDelimited, runJq } from '../../src/cli/structured-output.js'
import { C0_CONTROLS, CONTROLS_BEYOND_C0, INVISIBLE } from '../../src/domain/terminal-controls.js'
import { runCli } from '../helpers/e2e.js'
import { runInPty } from '../helpers/pty.js'

describe('--output csv|tsv cells', function () {
  const fields = ['name', 'models', 'before', 'empty']
  const rows = [
    { name: 'router', models: ['R-1000', 'R-2000'], before: { seats: 1 }, empty: null },
    { name: 'ap', models: [], before: [{ seats: 1 }], empty: undefined },
    { name: 'odd', models: ['A;1', 'B'], before: null, empty: [3, true] },
  ]

  it('joins a list of words, numbers or booleans with ; (one cell a spreadsheet shows as it reads)', async () => {
    const csv = await renderDelimited(rows, fields, 'csv')
    assert.equal(
      csv,
      [
        'name,models,before,empty',
        'router,R-1000;R-2000,"{""seats"":1}",',
        'ap,,"[{""seats"":1}]",',
        'odd,"[""A;1"",""B""]",,3;true',
        '',
      ].join('\n'),
    )
  })

  it('writes the same cells with tabs, and each reads back to its list by splitting on ;', async () => {
    const tsv = await renderDelimited(rows, fields, 'tsv')
    const parsed = parse(tsv, { columns: true, delimiter: '\t' }) as Array<Record<string, string>>
    assert.deepEqual(
      parsed.map((r) => r.models),
      ['R-1000;R-2000', '', '["A;1","B"]'],
    )
    assert.deepEqual(parsed[0]!.models!.split(';'), rows[0]!.models)
    // An element holding a ; keeps the whole list as JSON, so splitting never cuts one in two.
    assert.deepEqual(JSON.parse(parsed[2]!.models!), rows[2]!.models)
  })

  it('keeps a list with an empty element as JSON: joined, it would read back as another list', async () => {
    const csv = await renderDelimited([{ models: ['', 'X'] }, { models: ['X'] }], ['models'], 'csv')
    assert.equal(csv, 'models\n"["""",""X""]"\nX\n')
  })
})

describe('--output csv|tsv: no cell runs as a spreadsheet formula (OWASP CSV injection)', function () {
  // What one admin types (a member's name), another opens in Excel, LibreOffice or Sheets.
  const formulas = [
    '=HYPERLINK("http://evil","x")',
    "+1+cmd|' /C calc'!A0",
    '-2+3',
    '@SUM(A1)',
    '\t=1+1',
    '\r=1+1',
  ]

  it('starts each text cell that begins with = + - @, a tab or a carriage return with a quote, and quotes the cell', async () => {
    const csv = await renderDelimited(
      formulas.map((name) => ({ name })),
      ['name'],
      'csv',
    )
    assert.equal(
      csv,
      [
        'name',
        `"'=HYPERLINK(""http://evil"",""x"")"`,
        `"'+1+cmd|' /C calc'!A0"`,
        `"'-2+3"`,
        `"'@SUM(A1)"`,
        `"'\t=1+1"`,
        `"'\r=1+1"`,
        '',
      ].join('\n'),
    )
  })

  it('leaves numbers, booleans and other text as they were: -5 is a number, not a formula', async () => {
    const csv = await renderDelimited(
      [{ n: -5, b: true, text: 'a=b', quote: "'Hello", json: { x: '=1' } }],
      ['n', 'b', 'text', 'quote', 'json'],
      'csv',
    )
    assert.equal(csv, `n,b,text,quote,json\n-5,true,a=b,'Hello,"{""x"":""=1""}"\n`)
  })

  it('neutralises a joined list that would begin a formula, and a text that only looks like a number', async () => {
    const tsv = await renderDelimited([{ list: [-1, 2], text: '-5' }], ['list', 'text'], 'tsv')
    assert.equal(tsv, `list\ttext\n"'-1;2"\t"'-5"\n`)
  })

  it('adds a quote to a text that already begins with quotes before a formula character, so it reads back whole', async () => {
    const csv = await renderDelimited([{ name: "'=x" }, { name: "''-y" }], ['name'], 'csv')
    assert.equal(csv, `name\n"''=x"\n"'''-y"\n`)
  })
})

describe('--jq output', function () {
  // A value stored before the API refused control characters, or answered by another server
  // (`licctl api`): a screen clear, DEL, a C1 CSI, a right-to-left override, a carriage return.
  const value = 'a\u001b[2Jb\u007fc\u009bd\u202ee\r\tf\ng'
  const doc = JSON.stringify({ name: value })
  /** runJq with stdout a terminal or not, for as long as it runs. */
  async function jqTo(tty: boolean, filter: string): Promise<string> {
    const had = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY')
    Object.defineProperty(process.stdout, 'isTTY', { value: tty ? true : undefined, configurable: true })
    try {
      return await runJq(doc, filter)
    } finally {
      if (had) Object.defineProperty(process.stdout, 'isTTY', had)
      else delete (process.stdout as { isTTY?: boolean }).isTTY
    }
  }

  it('on a terminal, escapes the control characters of raw strings but line breaks and tabs; JSON stays JSON', async () => {
    const out = await jqTo(true, '.name, .')
    const [raw, ...json] = out.split('\n')
    assert.equal(raw, 'a\\x1b[2Jb\\x7fc\\u009bd\\u202ee\\r\tf')
    assert.equal(json[0], 'g')
    assert.deepEqual(JSON.parse(json.slice(1).join('\n')), { name: value })
    // Nothing a terminal acts on is left but the line breaks and the tab.
    assert.doesNotMatch(out.replace(/[\n\t]/g, ''), new RegExp(`[${C0_CONTROLS}${CONTROLS_BEYOND_C0}]`, 'u'))
  })

  it('piped, prints raw strings byte for byte, as gh does', async () => {
    const out = await jqTo(false, '.name')
    assert.equal(out, value + '\n')
  })

  it('piped, keeps what begins or ends the output: a byte-order mark, spaces, blank lines, empty strings', async () => {
    // jq-wasm trims its output (String.prototype.trim, which takes U+FEFF as white space) and its
    // decoder drops a leading byte-order mark: none of it may be lost.
    for (const v of ['bob\ufeff', '\ufeffbob', '\ufeff', '  bob  ', 'bob\n', '\n\nbob', '\t', ''])
      assert.equal(await runJq(JSON.stringify({ v }), '.v'), v + '\n', JSON.stringify(v))
    assert.equal(await runJq(JSON.stringify({ v: ['', ' a ', ''] }), '.v[]'), '\n a \n\n')
    assert.equal(
      await runJq(JSON.stringify([{ v: ' x\ufeff' }, { v: '' }]), '.v', { each: true }),
      ' x\ufeff\n\n',
    )
    assert.equal(await runJq('{}', 'empty'), '')
  })

  it('filters a document larger than 1 MB (10,000 pool licenses, a 5,000-row bulk report), whole or each element', async () => {
    const items = Array.from({ length: 20_000 }, (_, i) => ({ name: `KEY-${i + 1}`, note: 'x'.repeat(100) }))
    const big = JSON.stringify({ items })
    assert.ok(big.length > 2_000_000)
    assert.equal(await runJq(big, '.items | length'), '20000\n')
    assert.equal(await runJq(big, '.items[-1].name'), 'KEY-20000\n')
    assert.equal(
      await runJq(JSON.stringify(items), '.name', { each: true }).then((o) => o.split('\n')[19_999]),
      'KEY-20000',
    )
  })

  it('on a terminal, escapes invisible characters as tables do (a joiner that is how the text is written stays); JSON stays JSON', async () => {
    // A zero-width space, a byte-order mark, a soft hyphen, a Hangul filler; then Persian, whose
    // non-joiner is part of the word.
    const hidden = 'b\u200bob\ufeff\u00adx\u3164'
    const persian = 'می\u200cخواهم'
    const had = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY')
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true })
    let out: string
    try {
      out = await runJq(JSON.stringify({ hidden, persian }), '.hidden, .persian, .')
    } finally {
      if (had) Object.defineProperty(process.stdout, 'isTTY', had)
      else delete (process.stdout as { isTTY?: boolean }).isTTY
    }
    const [raw, fa, ...json] = out.split('\n')
    assert.equal(raw, 'b\\u200bob\\ufeff\\u00adx\\u3164')
    assert.equal(fa, persian)
    assert.deepEqual(JSON.parse(json.join('\n')), { hidden, persian })
    assert.doesNotMatch(out.replaceAll(persian, ''), new RegExp(`[${INVISIBLE}]`, 'u'))
  })

  describe("a filter jq refuses, said in the user's terms: no location in the program licctl wraps it in", () => {
    const refusal = async (run: () => Promise<unknown>) => {
      try {
        await run()
      } catch (err) {
        return (err as Error).message
      }
      assert.fail('expected a refusal')
    }
    for (const [filter, message] of [
      // jq's "unexpected ')' … line 2": a ')' the user never typed, on a line they never wrote.
      [
        '.items[0].',
        "--jq: syntax error: the filter ends early (an unclosed bracket, call or string, or a trailing '.' or '|'): '.items[0].'",
      ],
      [
        'map(.x',
        "--jq: syntax error: the filter ends early (an unclosed bracket, call or string, or a trailing '.' or '|'): 'map(.x'",
      ],
      [
        '.a | ',
        "--jq: syntax error: the filter ends early (an unclosed bracket, call or string, or a trailing '.' or '|'): '.a | '",
      ],
      ['{a:}', "--jq: syntax error, unexpected '}': '{a:}'"],
      ['$nope', "--jq: $nope is not defined: '$nope'"],
      ['.a |\n  {b:}', "--jq: syntax error, unexpected '}': '.a |\\n  {b:}' (line 2)"],
    ] as const) {
      it(`${JSON.stringify(filter)}, checked before the command runs and when it runs`, async () => {
        assert.equal(await refusal(() => checkJq(filter)), message)
        assert.equal(await refusal(() => runJq('{}', filter)), message)
      })
    }
  })
})

describe('--jq through bin/run.js: escaped on a terminal, the exact bytes into a pipe', function () {
  this.timeout(30_000)
  // A server answering a name with a zero-width space and a byte-order mark in it (`licctl api`
  // prints what any server answers).
  const name = 'b\u200bo\ufeffb'
  let server: Server
  let dir: string
  let env: Record<string, string>
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'licctl-jq-tty-'))
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ name }))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    env = {
      LICCTL_CONFIG_DIR: join(dir, 'config'),
      LICCTL_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      LICCTL_TOKEN: 'lic_u_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    }
  })
  after(async () => {
    await new Promise((r) => server.close(r))
    rmSync(dir, { recursive: true, force: true })
  })

  it('a terminal sees the invisible characters as escapes', async () => {
    const res = await runInPty(['api', '/me', '--jq', '.name'], { env })
    assert.equal(res.code, 0, res.stdout)
    assert.equal(res.stdout, 'b\\u200bo\\ufeffb\n')
  })

  it('a pipe gets them as they are', async () => {
    const res = await runCli(['api', '/me', '--jq', '.name'], { env })
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout, name + '\n')
  })

  it('the response as JSON: escaped on a terminal (JSON escapes, the same document), the exact bytes into a pipe', async () => {
    const shown = await runInPty(['api', '/me'], { env })
    assert.equal(shown.code, 0, shown.stdout)
    assert.equal(shown.stdout, '{\n  "name": "b\\u200bo\\ufeffb"\n}\n')
    assert.deepEqual(JSON.parse(shown.stdout), { name })
    const piped = await runCli(['api', '/me'], { env })
    assert.equal(piped.code, 0, piped.stderr)
    assert.equal(piped.stdout, JSON.stringify({ name }, null, 2) + '\n')
  })

  it('a byte-order mark that ends (or begins) the output reaches the pipe too, and the terminal escaped', async () => {
    for (const filter of ['.name + "\ufeff"', '"\ufeff" + .name']) {
      const piped = await runCli(['api', '/me', '--jq', filter], { env })
      assert.equal(piped.code, 0, piped.stderr)
      assert.equal(piped.stdout, filter.startsWith('.') ? `${name}\ufeff\n` : `\ufeff${name}\n`)
      const shown = await runInPty(['api', '/me', '--jq', filter], { env })
      assert.equal(shown.code, 0, shown.stdout)
      assert.equal(
        shown.stdout,
        filter.startsWith('.') ? 'b\\u200bo\\ufeffb\\ufeff\n' : '\\ufeffb\\u200bo\\ufeffb\n',
      )
    }
  })
})

describe('--jq on long streams', function () {
  it('filters page after page of a long stream, past what one jq instance holds (orgs audit --all --jq)', async () => {
    const page = JSON.stringify(Array.from({ length: 1_000 }, (_, i) => ({ action: 'user.add', n: i })))
    for (let i = 0; i < 40; i++) {
      const out = await runJq(page, '.n', { each: true })
      assert.equal(out.split('\n').length, 1_001, `page ${i + 1}`)
    }
  })

  it('filters a document just under the limit', async () => {
    const doc = JSON.stringify({ a: 'x'.repeat(850_000) })
    assert.equal(await runJq(doc, '.a | length'), '850000\n')
  })
})
