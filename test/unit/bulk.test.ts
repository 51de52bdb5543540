import { strict as assert } from 'node:assert'
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { z } from 'zod'
import {
  exitCodeOf,
  planBulk,
  rows,
  runBulk,
  validateAll,
  type BulkCall,
  type BulkSource,
  type BulkSpec,
  type Entry,
} from '../../src/cli/bulk/index.js'
import { interrupted } from '../../src/cli/bulk/interrupt.js'
import { serverUnavailable } from '../../src/cli/bulk/retry.js'
import { CliError, UsageError } from '../../src/cli/errors.js'
import { renderDelimited } from '../../src/cli/structured-output.js'
import { ApiError } from '../../src/client/errors.js'
import type { BulkResponse } from '../../src/contract/bulk.js'
import { addonItem } from '../../src/contract/cloud.js'
import { assignItem, serialItem } from '../../src/contract/devices.js'
import { releaseItem } from '../../src/contract/seats.js'
import { userItem } from '../../src/contract/users.js'
import { runProcess } from '../helpers/spawn.js'

const dir = mkdtempSync(join(tmpdir(), 'licctl-bulk-'))
after(() => rmSync(dir, { recursive: true, force: true }))

let n = 0
/** Writes `text` to a fresh file with this extension and returns it as a bulk source. */
function file(text: string | Buffer, ext = 'csv'): BulkSource {
  const path = join(dir, `input-${++n}.${ext}`)
  writeFileSync(path, text)
  return { kind: 'file', path }
}

const users = { target: 'email', optional: ['name', 'role'], schema: userItem } as const

async function allRows(source: BulkSource, spec: Parameters<typeof rows>[0] = users) {
  const out: Array<{ row: number; values: Record<string, unknown>; error?: unknown }> = []
  for await (const chunk of rows(spec, source)) out.push(...chunk)
  return out
}

/** The usage error validateAll throws, or a failure when it throws none. */
async function inputError(
  source: BulkSource,
  spec: BulkSpec<unknown> = { ...users, endpoint: send, params: {}, verb: 'x' },
  strict = false,
) {
  try {
    await validateAll(spec, source, { strict })
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err))
    assert.equal(err.exitCode, 2)
    return err as UsageError & { details: { errors: unknown[]; total: number } }
  }
  assert.fail('expected the input to be rejected')
}

async function send(): Promise<BulkResponse> {
  throw new Error('nothing may be sent')
}

describe('bulk input: CSV', () => {
  it('reads RFC 4180: a BOM, CRLF, quoted commas and quotes, a line break inside quotes; rows are the lines they start on', async () => {
    const csv = Buffer.from(
      '\uFEFFEmail,Name,Role\r\n' +
        '"bob@acme.test","Smith, Bob",member\r\n' +
        '\r\n' +
        'carol@acme.test,"Carol ""CJ"" Jones\r\nsecond line",admin\r\n' +
        'dave@acme.test,,\r\n',
    )
    assert.deepEqual(await allRows(file(csv)), [
      { row: 2, values: { email: 'bob@acme.test', name: 'Smith, Bob', role: 'member' } },
      {
        row: 4,
        values: { email: 'carol@acme.test', name: 'Carol "CJ" Jones\r\nsecond line', role: 'admin' },
      },
      { row: 6, values: { email: 'dave@acme.test' } },
    ])
  })

  it('matches headers in any order and case, ignores unknown columns and blank rows of commas', async () => {
    const csv =
      'Department,ROLE,e-mail id,EMAIL\nSurvey,admin,x,erin@acme.test\n,,,\nOps,,y,frank@acme.test\n'
    assert.deepEqual(await allRows(file(csv)), [
      { row: 2, values: { email: 'erin@acme.test', role: 'admin' } },
      { row: 4, values: { email: 'frank@acme.test' } },
    ])
  })

  it('reads back what --output neutralised against spreadsheet formulas as the values listed, in CSV and TSV', async () => {
    const names = [
      '=HYPERLINK("http://evil","x")',
      '+1',
      '-2+3',
      '@SUM(A1)',
      '\t=1+1',
      '\r=1+1',
      "'=x",
      "''-y",
      "'Hello",
      "'",
      'plain',
    ]
    const listed = names.map((name, i) => ({ email: `${i % 2 ? '-' : '+'}m${i}@acme.test`, name }))
    for (const format of ['csv', 'tsv'] as const) {
      const text = await renderDelimited(listed, ['email', 'name'], format)
      assert.deepEqual(
        (await allRows(file(text, format))).map((r) => r.values),
        listed,
        format,
      )
    }
  })

  it('takes off only the quote before a formula character: a hand-written cell beginning with a quote stays as it is', async () => {
    const csv = "email,name\na@acme.test,'=1+1\nb@acme.test,'Hello\nc@acme.test,''@x\nd@acme.test,=2\n"
    assert.deepEqual(
      (await allRows(file(csv))).map((r) => r.values.name),
      ['=1+1', "'Hello", "'@x", '=2'],
    )
  })

  it('takes a file without a .csv or .json name by its content', async () => {
    assert.deepEqual(await allRows(file('email\ngina@acme.test\n', 'txt')), [
      { row: 2, values: { email: 'gina@acme.test' } },
    ])
    assert.deepEqual(await allRows(file('  ["hal@acme.test"]', 'txt')), [
      { row: 1, values: { email: 'hal@acme.test' } },
    ])
  })
})

describe('bulk input: TSV', () => {
  // What `--output tsv` writes: tabs between fields, quoted when a field holds a tab, a quote or a
  // line break. It was read as CSV: one column named "email\tname\trole\tjoinedAt".
  const tsv =
    '\uFEFFemail\tname\trole\tjoinedAt\r\n' +
    'bob@acme.test\t"Smith, Bob"\tmember\t2026-01-02T03:04:05.000Z\r\n' +
    '\r\n' +
    'carol@acme.test\t"Carol ""CJ""\tJones\r\nsecond line"\tadmin\t2026-01-02T03:04:05.000Z\r\n' +
    'dave@acme.test\t\t\t\r\n'
  const expected = [
    { row: 2, values: { email: 'bob@acme.test', name: 'Smith, Bob', role: 'member' } },
    { row: 4, values: { email: 'carol@acme.test', name: 'Carol "CJ"\tJones\r\nsecond line', role: 'admin' } },
    { row: 6, values: { email: 'dave@acme.test' } },
  ]

  it('reads TSV by a .tsv name, and under any other name (.csv, .txt) by a header of tab-separated names', async () => {
    for (const ext of ['tsv', 'TSV', 'txt', 'csv'])
      assert.deepEqual(await allRows(file(tsv, ext)), expected, ext)
  })

  it('keeps reading CSV as CSV: a header with a comma, or with a tab only at its end or inside quotes', async () => {
    for (const csv of [
      'email,name\tx\na@acme.test,A\tB\n',
      'email\t\na@acme.test\t\n',
      '"e\tmail",email\nx,a@acme.test\n',
    ])
      assert.deepEqual(
        (await allRows(file(csv, 'txt'))).map((r) => r.values.email),
        ['a@acme.test'],
        JSON.stringify(csv),
      )
  })

  it('reads a header of semicolon-separated names (no comma) as CSV with semicolons, as European Excel saves it', async () => {
    for (const ext of ['csv', 'txt'])
      assert.deepEqual(
        await allRows(
          file(
            '\uFEFFEmail;Name;Role\r\nw1@acme.test;"Okafor; Ana";member\r\n;;\r\nw2@acme.test;B,C;admin\r\n',
            ext,
          ),
        ),
        [
          { row: 2, values: { email: 'w1@acme.test', name: 'Okafor; Ana', role: 'member' } },
          { row: 4, values: { email: 'w2@acme.test', name: 'B,C', role: 'admin' } },
        ],
        ext,
      )
    // A header with a comma is CSV, whatever its names hold.
    assert.deepEqual(
      (await allRows(file('email,note\na@acme.test,x;y\n'))).map((r) => r.values),
      [{ email: 'a@acme.test' }],
    )
    const extra = await inputError(file('email;name\nw1@acme.test;A;B\n'))
    assert.deepEqual(extra.details.errors, [
      {
        row: 2,
        column: '3',
        message: '3 fields, but the header has 2 (quote a field that contains a semicolon: "Smith; J")',
      },
    ])
  })

  it('gives a header for the command itself when the target column is missing, without the scope columns', async () => {
    const cloud = {
      target: 'email',
      scope: { addon: 'cp' },
      schema: addonItem,
      endpoint: send,
      params: {},
      verb: 'x',
    }
    const err = await inputError(file('name,addon\nx,cp\n'), cloud)
    assert.deepEqual(err.details.errors, [
      {
        row: 1,
        column: 'email',
        message:
          'the header row has no "email" column (it has "name", "addon"); the first line names the columns, e.g. email',
      },
    ])
  })

  it('names a TSV row with a field too many, and its way out', async () => {
    const err = await inputError(file('email\tname\na@acme.test\tAna\tOkafor\n', 'tsv'))
    assert.equal(
      err.message,
      `invalid input, nothing was applied: ${join(dir, `input-${n}.tsv`)}: row 2, column 3: 3 fields, but the header has 2 (quote a field that contains a tab)`,
    )
  })
})

describe('bulk input: JSON', () => {
  it('reads an array of strings, of objects (keys in any case), or {"items": [...]}', async () => {
    assert.deepEqual(await allRows(file('["a@acme.test", "b@acme.test"]', 'json')), [
      { row: 1, values: { email: 'a@acme.test' } },
      { row: 2, values: { email: 'b@acme.test' } },
    ])
    assert.deepEqual(
      await allRows(
        file(
          '\uFEFF[{"Email": "c@acme.test", "name": "C", "extra": 1}, {"email": "d@acme.test", "name": null}]',
          'json',
        ),
      ),
      [
        { row: 1, values: { email: 'c@acme.test', name: 'C' } },
        { row: 2, values: { email: 'd@acme.test' } },
      ],
    )
    assert.deepEqual(await allRows(file('{"items": [{"email": "e@acme.test"}]}', 'json')), [
      { row: 1, values: { email: 'e@acme.test' } },
    ])
  })
})

describe('bulk input: a list page', () => {
  it('reads a list’s --json, and an API page that is the last ({"nextCursor": null})', async () => {
    const rows1 = [{ row: 1, values: { email: 'e@acme.test' } }]
    for (const page of [
      { items: [{ email: 'e@acme.test', role: null }] },
      { items: [{ email: 'e@acme.test' }], nextCursor: null },
    ])
      assert.deepEqual(await allRows(file(JSON.stringify(page), 'json')), rows1)
  })

  it('refuses one page of a longer list (nextCursor set): the rows of the other pages are not in it', async () => {
    const page = { items: [{ email: 'a@acme.test' }, { email: 'b@acme.test' }], nextCursor: 'WyJiQGFjbWUiXQ' }
    const err = await inputError(file(JSON.stringify(page), 'json'))
    assert.deepEqual(err.details.errors, [
      {
        row: 1,
        column: 'nextCursor',
        message:
          'the file is one page of a longer list (its "nextCursor" is set), so rows of the other pages are not in it: save the whole list with the list command\'s --json, or with `licctl api … --paginate`',
      },
    ])
  })
})

describe('bulk input: seats release reads leases, the `id` of `seats list` output among them', () => {
  // The spec of `seats release --file`. The `id` column was not read: a `seats list` file released
  // by its `user` column, every lease of each user listed, and a file of ids alone was refused.
  const release: BulkSpec<unknown> = {
    target: 'lease',
    alternativeTargets: ['user'],
    aliases: { lease: ['id'] },
    schema: releaseItem,
    endpoint: send,
    params: {},
    verb: 'release seats',
  }
  const listed =
    'id,product,user,host,state\n' +
    'ls_06h3pcf09ednkhpbpz72xnjxa0,quick,u1@acme.test,crashy-u1,stale\n' +
    'ls_06h3pcf178ccxrvx29az7fpbzg,quick,u2@acme.test,crashy-u2,stale\n' +
    'ls_06h3pcf9xexxx35z8df6f7vab4,cad-pro,u1@acme.test,extra-u1,stale\n'
  const leases = [
    { lease: 'ls_06h3pcf09ednkhpbpz72xnjxa0' },
    { lease: 'ls_06h3pcf178ccxrvx29az7fpbzg' },
    { lease: 'ls_06h3pcf9xexxx35z8df6f7vab4' },
  ]
  /** The items a valid input sends, after validation. */
  async function items(source: BulkSource) {
    const keep: Array<Entry<unknown>> = []
    const { duplicates } = await validateAll(release, source, { keep })
    assert.equal(duplicates.size, 0)
    return keep.map((e) => e.item)
  }

  it('a row of `seats list` (CSV, TSV or JSON) names its lease by `id`, not every lease of its user', async () => {
    assert.deepEqual(await items(file(listed)), leases)
    assert.deepEqual(await items(file(listed.replaceAll(',', '\t'), 'tsv')), leases)
    const json = {
      items: leases.map(({ lease }, i) => ({ id: lease, product: 'quick', user: `u${i}@acme.test` })),
    }
    assert.deepEqual(await items(file(JSON.stringify(json), 'json')), leases)
    // `seats list --output csv --json id`, and its JSON
    const ids = leases.map((l) => l.lease)
    assert.deepEqual(await items(file(`id\n${ids.join('\n')}\n`)), leases)
    assert.deepEqual(await items(file(JSON.stringify({ items: ids.map((id) => ({ id })) }), 'json')), leases)
  })

  it('a lease column wins over an id column; a row without a lease is read by its user', async () => {
    assert.deepEqual(
      await items(file('ID,Lease,User\nls_x,ls_06h3pcf09ednkhpbpz72xnjxa0,u1@acme.test\n,,u2@acme.test\n')),
      [{ lease: 'ls_06h3pcf09ednkhpbpz72xnjxa0' }, { user: 'u2@acme.test' }],
    )
    assert.deepEqual(
      await items(
        file('[{"lease": null, "id": "ls_06h3pcf09ednkhpbpz72xnjxa0", "user": "u1@acme.test"}]', 'json'),
      ),
      [{ lease: 'ls_06h3pcf09ednkhpbpz72xnjxa0' }],
    )
    assert.deepEqual(await items(file('user\nu1@acme.test\n')), [{ user: 'u1@acme.test' }])
  })

  it('names every column that could name the target when a header or a row has none', async () => {
    const header = await inputError(file('product,host\nquick,h\n'), release)
    assert.equal(
      (header.details.errors[0] as { message: string }).message,
      'the header row has no "lease" (or "id") or "user" column (it has "product", "host"); the first line names the columns, e.g. lease,user',
    )
    const row = await inputError(file('[{"host": "h"}]', 'json'), release)
    assert.deepEqual(row.details.errors, [
      { row: 1, column: 'lease', message: 'no value for "lease" (or "id") or "user"' },
    ])
  })
})

describe('bulk input: validation before anything is sent', () => {
  const spec: BulkSpec<unknown> = { ...users, endpoint: send, params: {}, verb: 'add users' }

  it('counts the rows of a valid file', async () => {
    assert.deepEqual(await validateAll(spec, file('email,name\na@acme.test,A\nb@acme.test,B\n')), {
      total: 2,
      duplicates: new Map(),
    })
  })

  it('names the row and column of every bad value, in one error', async () => {
    const source = file(
      'email,name,role\nok@acme.test,Ok,member\nnot-an-email,X,member\nz@acme.test,Z,owner\n',
    )
    const err = await inputError(source, spec)
    const path = (source as { path: string }).path
    assert.equal(err.code, 'invalid_input')
    assert.equal(
      err.message,
      `invalid input, nothing was applied: ${path}: row 3, column email: Invalid email address, got 'not-an-email'; ${path}: row 4, column role: expected one of admin, member, got 'owner'`,
    )
    assert.deepEqual(err.details, {
      errors: [
        { row: 3, column: 'email', message: "Invalid email address, got 'not-an-email'" },
        { row: 4, column: 'role', message: "expected one of admin, member, got 'owner'" },
      ],
      total: 2,
    })
  })

  it('takes a fixed-value cell (role, prefer) in any case, as its flag takes it; a value that is none stays refused', async () => {
    const keep: Array<Entry<unknown>> = []
    await validateAll(spec, file('email,role\nx@acme.test,Admin\ny@acme.test,MEMBER\n'), { keep })
    await validateAll(spec, file('[{"email":"z@acme.test","role":"aDmIn"}]', 'json'), { keep })
    const assign = { target: 'serial', optional: ['prefer', 'extend'], schema: assignItem } as const
    await validateAll(assign, file('serial,prefer,extend\nSN-1,Longest,Yes\n'), { keep })
    assert.deepEqual(
      keep.map((e) => e.item),
      [
        { email: 'x@acme.test', role: 'admin' },
        { email: 'y@acme.test', role: 'member' },
        { email: 'z@acme.test', role: 'admin' },
        { serial: 'SN-1', prefer: 'longest', extend: true },
      ],
    )
    const owner = await inputError(file('email,role\nx@acme.test,Owner\n'), spec)
    assert.deepEqual(owner.details.errors, [
      { row: 2, column: 'role', message: "expected one of admin, member, got 'Owner'" },
    ])
  })

  it('takes a fixed-value cell with spaces around it, quoted or in JSON, as an unquoted CSV cell (trimmed) is', async () => {
    const keep: Array<Entry<unknown>> = []
    await validateAll(spec, file('email,role\nx@acme.test,admin \ny@acme.test,"admin "\n'), { keep })
    await validateAll(spec, file('[{"email":"z@acme.test","role":" Member "}]', 'json'), { keep })
    await validateAll(spec, file('email\trole\nw@acme.test\t"\tadmin"\n', 'tsv'), { keep })
    assert.deepEqual(
      keep.map((e) => e.item),
      [
        { email: 'x@acme.test', role: 'admin' },
        { email: 'y@acme.test', role: 'admin' },
        { email: 'z@acme.test', role: 'member' },
        { email: 'w@acme.test', role: 'admin' },
      ],
    )
    const inside = await inputError(file('email,role\nx@acme.test,"ad min"\n'), spec)
    assert.deepEqual(inside.details.errors, [
      { row: 2, column: 'role', message: "expected one of admin, member, got 'ad min'" },
    ])
  })

  it('refuses a file that is not UTF-8 (a Windows-1252 export), naming the row and column, rather than storing U+FFFD', async () => {
    // Excel's plain "CSV" is Windows-1252: é is the one byte 0xE9, which UTF-8 decodes to U+FFFD.
    const latin1 = Buffer.concat([
      Buffer.from('email,name\r\nrene@acme.test,Ren'),
      Buffer.from([0xe9]),
      Buffer.from('\r\nana@acme.test,Ana\r\n'),
    ])
    const err = await inputError(file(latin1), spec)
    assert.deepEqual(err.details.errors, [
      {
        row: 2,
        column: 'name',
        message: `not UTF-8 text ('Ren\\ufffd'): save the file as "CSV UTF-8", or convert it (iconv -f WINDOWS-1252 -t UTF-8)`,
      },
    ])
    const json = await inputError(
      file(
        Buffer.concat([
          Buffer.from('[{"email":"rene@acme.test","name":"Ren'),
          Buffer.from([0xe9]),
          Buffer.from('"}]'),
        ]),
        'json',
      ),
      spec,
    )
    assert.deepEqual(json.details.errors, [
      {
        row: 1,
        column: 'name',
        message: `not UTF-8 text ('Ren\\ufffd'): save the file as "CSV UTF-8", or convert it (iconv -f WINDOWS-1252 -t UTF-8)`,
      },
    ])
  })

  it('reads a UTF-8 file that holds U+FFFD itself (a name stored garbled, listed and fed back), and UTF-16 with its BOM', async () => {
    // `orgs users list --output tsv` of a name stored as "Ren\uFFFD": valid UTF-8, read as written.
    assert.equal((await validateAll(spec, file('email\tname\nrene@acme.test\tRen\uFFFD\n', 'tsv'))).total, 1)
    assert.equal(
      (await validateAll(spec, file('[{"email":"rene@acme.test","name":"Ren\uFFFD"}]', 'json'))).total,
      1,
    )
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('email,name\nrene@acme.test,René\n', 'utf16le'),
    ])
    assert.deepEqual(await allRows(file(utf16)), [
      { row: 2, values: { email: 'rene@acme.test', name: 'René' } },
    ])
  })

  it('refuses a header that names a column it reads twice (which one is meant?), in any case, in CSV and JSON', async () => {
    const csv = await inputError(file('Email,Name,email\na@acme.test,A,b@acme.test\n'), spec)
    assert.deepEqual(csv.details.errors, [
      {
        row: 1,
        column: 'email',
        message:
          'the header row names the column "email" twice (columns 1 and 3): keep one, or rename the other',
      },
    ])
    // A column the command does not read may repeat.
    assert.equal((await validateAll(spec, file('email,Notes,notes\na@acme.test,x,y\n'))).total, 1)
    const json = await inputError(
      file('[{"email":"a@acme.test"},{"Email":"a@acme.test","EMAIL":"b@acme.test"}]', 'json'),
      spec,
    )
    assert.deepEqual(json.details.errors, [
      { row: 2, column: 'email', message: 'the object names "email" twice ("Email", "EMAIL"): keep one' },
    ])
  })

  it('refuses a row with more or fewer fields than the header, naming the first column past the shorter side', async () => {
    const err = await inputError(file('email,name\na@acme.test,Smith, A\nb@acme.test\n'), spec)
    assert.deepEqual(err.details.errors, [
      {
        row: 2,
        column: '3',
        message: '3 fields, but the header has 2 (quote a field that contains a comma: "Smith, J")',
      },
      { row: 3, column: '2', message: '1 field, but the header has 2' },
    ])
  })

  it('says a file looks like UTF-16 without a byte-order mark, and how to convert it, rather than show its header as \\x00e\\x00m…', async () => {
    const text = 'email,name\na@acme.test,A\n'
    const le = Buffer.from(text, 'utf16le')
    const be = Buffer.from(le).swap16()
    for (const [bytes, encoding, where] of [
      [be, 'UTF-16BE', 'before'],
      [le, 'UTF-16LE', 'after'],
    ] as const) {
      const source = file(bytes)
      const path = (source as { path: string }).path
      const err = await inputError(source, spec)
      assert.deepEqual(err.details.errors, [
        {
          row: 1,
          column: 'email',
          message: `the file looks like ${encoding} text without a byte-order mark (its header row has a NUL byte ${where} every character), and licctl reads UTF-8 (or UTF-16 with its byte-order mark): convert it with iconv -f ${encoding} -t UTF-8 ${path} > ${path.replace(/\.csv$/, '-utf8.csv')}`,
        },
      ])
    }
  })

  it('says a JSON file looks like UTF-16 without a byte-order mark, as for CSV, and reads one with its mark', async () => {
    const text = '[{"email": "a@acme.test", "name": "Ren\u00e9"}]\n'
    const le = Buffer.from(text, 'utf16le')
    const be = Buffer.from(le).swap16()
    for (const [bytes, encoding, where] of [
      [be, 'UTF-16BE', 'before'],
      [le, 'UTF-16LE', 'after'],
    ] as const)
      // By its name, and by its content under another name.
      for (const ext of ['json', 'txt']) {
        const source = file(bytes, ext)
        const path = (source as { path: string }).path
        const err = await inputError(source, spec)
        assert.deepEqual(err.details.errors, [
          {
            row: 1,
            column: 'email',
            message: `the file looks like ${encoding} text without a byte-order mark (its text has a NUL byte ${where} every character), and licctl reads UTF-8 (or UTF-16 with its byte-order mark): convert it with iconv -f ${encoding} -t UTF-8 ${path} > ${path.replace(/\.(json|txt)$/, '-utf8.$1')}`,
          },
        ])
      }
    for (const [bytes, ext] of [
      [Buffer.concat([Buffer.from([0xff, 0xfe]), le]), 'json'],
      [Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'txt'],
    ] as const)
      assert.deepEqual(await allRows(file(bytes, ext)), [
        { row: 1, values: { email: 'a@acme.test', name: 'Ren\u00e9' } },
      ])
  })

  it('refuses a header without the target column, and a quote never closed, with row and column', async () => {
    const noEmail = await inputError(file('name,role\nA,member\n'), spec)
    assert.deepEqual(noEmail.details.errors, [
      {
        row: 1,
        column: 'email',
        message:
          'the header row has no "email" column (it has "name", "role"); the first line names the columns, e.g. email,name,role',
      },
    ])
    const unclosed = await inputError(file('email,name\na@acme.test,"Smith\nb@acme.test,B\n'), spec)
    assert.deepEqual(unclosed.details.errors, [
      {
        row: 2,
        column: 'name',
        message: 'a quote opened in column name is never closed (the file ends inside it)',
      },
    ])
  })

  it('reads a quote inside a field that does not begin with one as text, as Excel and Python do', async () => {
    // An HR export writes a nickname as it is: csv-parse refused the whole file ("Invalid Opening
    // Quote: a quote is found on field 1"), in a column cloud assign does not even read.
    const got = await allRows(file('email,name\na@acme.test,Robert "Bob" Smith\nb@acme.test,5" screen\n'))
    assert.deepEqual(got, [
      { row: 2, values: { email: 'a@acme.test', name: 'Robert "Bob" Smith' } },
      { row: 3, values: { email: 'b@acme.test', name: '5" screen' } },
    ])
  })

  it('says in words what is wrong with text after a closing quote, and how to write the field', async () => {
    const err = await inputError(file('email,name\na@acme.test,"Bob" Smith\n'))
    assert.deepEqual(err.details.errors, [
      {
        row: 2,
        column: 'name',
        message:
          'text after the quote that closes column name (a field that begins with a quote ends with one: quote the whole field and double the quotes inside it, as in """Bob"" Smith")',
      },
    ])
  })

  it('names the row a never-closed quote opens on, past blank lines', async () => {
    const err = await inputError(
      file('email,name\r\na@acme.test,A\r\n\r\n  \r\nb@acme.test,"B\r\nc@acme.test,C\r\n'),
      spec,
    )
    assert.deepEqual(err.details.errors, [
      {
        row: 5,
        column: 'name',
        message: 'a quote opened in column name is never closed (the file ends inside it)',
      },
    ])
  })

  it('finds a target named twice (case-insensitively) as a duplicate of its first row', async () => {
    assert.deepEqual(
      await validateAll(spec, file('email\na@acme.test\nb@acme.test\nA@Acme.test\nb@acme.test\n')),
      {
        total: 4,
        duplicates: new Map([
          [4, 2],
          [5, 3],
        ]),
      },
    )
  })

  it('finds an internationalized email named twice, in another case or composed otherwise, as a duplicate', async () => {
    // ÄNN, änn with ä one character, and änn with a and a combining diaeresis: one address.
    assert.deepEqual(await validateAll(spec, file('email\n\u00c4NN@x.de\n\u00e4nn@x.de\na\u0308nn@x.de\n')), {
      total: 3,
      duplicates: new Map([
        [3, 2],
        [4, 2],
      ]),
    })
  })

  it('with a case-sensitive target (device serials), only the same text is a duplicate', async () => {
    const serials = { target: 'serial', caseSensitive: true, schema: serialItem } as const
    assert.deepEqual(await validateAll(serials, file('serial\nSN-1\nsn-1\nSN-1\n')), {
      total: 3,
      duplicates: new Map([[4, 2]]),
    })
  })

  it('with strict, refuses a target named twice (case-insensitively) like a malformed row', async () => {
    const err = await inputError(file('email\na@acme.test\nb@acme.test\nA@Acme.test\n'), spec, true)
    assert.deepEqual(err.details.errors, [
      { row: 4, column: 'email', message: 'A@Acme.test is also in row 2' },
    ])
    const args = await inputError({ kind: 'args', values: ['a@acme.test', 'a@acme.test'] }, spec, true)
    assert.match(args.message, /: argument 2: a@acme\.test is also argument 1$/)
  })

  it('refuses malformed JSON with its line and column, and rows that are neither objects nor strings', async () => {
    const broken = await inputError(
      file('[\n  {"email": "a@acme.test"},\n  {"email" "b@acme.test"}\n]', 'json'),
      spec,
    )
    assert.equal((broken.details.errors[0] as { row: number }).row, 3)
    assert.match((broken.details.errors[0] as { message: string }).message, /^not valid JSON: /)
    const odd = await inputError(file('[{"email": "a@acme.test"}, 42, ["x"]]', 'json'), spec)
    assert.deepEqual(odd.details.errors, [
      { row: 2, column: 'email', message: 'expected an object or a string' },
      { row: 3, column: 'email', message: 'expected an object or a string' },
    ])
  })

  it('keeps the first 50 errors and counts them all', async () => {
    const csv = 'email\n' + Array.from({ length: 120 }, (_, i) => `bad${i}\n`).join('')
    const err = await inputError(file(csv), spec)
    assert.equal(err.details.errors.length, 50)
    assert.equal(err.details.total, 120)
    assert.match(err.message, /\(and 110 more\)$/)
  })

  it('refuses an empty file and a missing one with exit 2', async () => {
    const empty = await inputError(file('email\n'), spec)
    assert.match(empty.message, /: no rows$/)
    const missing = await inputError({ kind: 'file', path: join(dir, 'nope.csv') }, spec)
    assert.equal(missing.message, `cannot read ${join(dir, 'nope.csv')}: no such file`)
  })

  it('refuses a directory with exit 2, named, whatever its name says it is', async () => {
    // Without a .csv or .json name its first bytes were read to tell: a raw EISDIR, exit 1.
    for (const name of ['folder', 'folder.csv', 'folder.json']) {
      const path = join(dir, name)
      mkdirSync(path, { recursive: true })
      const err = await inputError({ kind: 'file', path }, spec)
      assert.equal(err.message, `cannot read ${path}: it is a directory, not a file`)
    }
  })

  it('reads a named pipe whole, once, however often the rows are read (`--file <(…)`)', async () => {
    // Its first bytes were read at offset 0 to tell CSV from JSON: ESPIPE, exit 1. And a pipe read
    // twice (planned, then applied) waited forever for a second writer.
    for (const [name, text] of [
      ['pipe', 'email\na@acme.test\nb@acme.test\n'],
      ['pipe-json', '["c@acme.test"]'],
      ['pipe.csv', 'email\nd@acme.test\n'],
    ] as const) {
      const path = join(dir, name)
      assert.equal((await runProcess('mkfifo', [path])).code, 0)
      const writer = createWriteStream(path)
      writer.end(text)
      const source: BulkSource = { kind: 'file', path }
      const first = await allRows(source)
      assert.deepEqual(await allRows(source), first)
      assert.deepEqual(
        first.map((r) => r.values.email),
        text.match(/\w@acme\.test/g),
      )
    }
  })

  it('names the line and column of a JSON syntax error V8 gives no position for', async () => {
    const cases: Array<[string, number, number]> = [
      ['[\n  "a@acme.test",\n  "b@acme.test",]', 3, 17], // Unexpected token ']'
      ['[\n  "a@acme.test",\n', 3, 1], // Unexpected end of JSON input: at the end
      ['NaN', 1, 1],
    ]
    for (const [text, line, column] of cases) {
      const err = await inputError(file(text, 'json'), spec)
      assert.deepEqual(
        (err.details.errors[0] as { row: number; column: string }).row,
        line,
        `${JSON.stringify(text)}: ${err.message}`,
      )
      assert.equal((err.details.errors[0] as { column: string }).column, String(column), err.message)
    }
  })
})

describe('bulk input limits', () => {
  const spec = { ...users, endpoint: send, params: {}, verb: 'add' }
  const withEnv = async <T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> => {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
    Object.assign(process.env, env)
    try {
      return await fn()
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
    }
  }

  it('refuses a CSV row over 65,536 characters at its row, without holding the rest (a quote left open)', async () => {
    const err = await inputError(file('email,name\na@acme.test,"never closed\n' + 'x,'.repeat(200_000)), spec)
    assert.match(
      err.message,
      /row 2, column name: the row is longer than 65,536 characters, the limit for one row/,
    )
  })

  it('refuses an input of more rows than the limit (LICCTL_BULK_MAX_ROWS), as soon as it is passed', async () => {
    const source = file('email\na@acme.test\nb@acme.test\nc@acme.test\n')
    const err = await withEnv({ LICCTL_BULK_MAX_ROWS: '2' }, () => inputError(source, spec))
    assert.equal(err.code, 'input_too_large')
    assert.match(err.message, /more than 2 rows, the limit for one input; nothing was applied$/)
    assert.match(err.hint!, /LICCTL_BULK_MAX_ROWS/)
    assert.equal((await withEnv({ LICCTL_BULK_MAX_ROWS: '3' }, () => validateAll(spec, source))).total, 3)
    const one = await withEnv({ LICCTL_BULK_MAX_ROWS: '1' }, () => inputError(source, spec))
    assert.match(one.message, /more than 1 row, the limit for one input/)
  })

  it('refuses a JSON file over the limit for input read whole (LICCTL_BULK_MAX_INPUT_BYTES) before reading it', async () => {
    const source = file(JSON.stringify(['a@acme.test', 'b@acme.test']), 'json') // 29 bytes
    const err = await withEnv({ LICCTL_BULK_MAX_INPUT_BYTES: '28' }, () => inputError(source, spec))
    assert.equal(err.code, 'input_too_large')
    assert.match(err.message, /is 29 bytes, over the limit of 28 bytes for input read whole/)
    assert.match(err.hint!, /CSV files are streamed.*LICCTL_BULK_MAX_INPUT_BYTES/)
    assert.equal(
      (await withEnv({ LICCTL_BULK_MAX_INPUT_BYTES: '29' }, () => validateAll(spec, source))).total,
      2,
    )
  })
})

describe('bulk exit codes', () => {
  it('is 0 when nothing failed, the reason’s code when every row failed for one reason, else 6', () => {
    assert.equal(exitCodeOf({ failed: 0 }, 5, new Set()), 0)
    assert.equal(exitCodeOf({ failed: 2 }, 5, new Set([3])), 6)
    assert.equal(exitCodeOf({ failed: 5 }, 5, new Set([3])), 3)
    assert.equal(exitCodeOf({ failed: 5 }, 5, new Set([3, 5])), 6)
    assert.equal(exitCodeOf({ failed: 1 }, 1, new Set([5])), 5)
  })
})

describe('bulk runner', () => {
  let written = ''
  const realWrite = process.stdout.write.bind(process.stdout)
  const realBatch = process.env.LICCTL_BULK_BATCH_SIZE
  beforeEach(() => {
    written = ''
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written += String(chunk)
      return true
    }) as typeof process.stdout.write
    process.env.LICCTL_BULK_BATCH_SIZE = '2'
  })
  afterEach(() => {
    process.stdout.write = realWrite
    if (realBatch === undefined) delete process.env.LICCTL_BULK_BATCH_SIZE
    else process.env.LICCTL_BULK_BATCH_SIZE = realBatch
  })

  type Sent = { items: Array<{ email: string }>; call: BulkCall<never, { email: string }> }
  /** A fake server: members a..e; `zed` is not one. Records what it was sent. */
  function server(sent: Sent[], failOnBatch?: number): BulkSpec<{ email: string }, { org: string }> {
    return {
      target: 'email',
      schema: addonItem as z.ZodType<{ email: string }>,
      verb: 'assign x',
      params: { org: 'acme' },
      async endpoint(params, items, call) {
        assert.deepEqual(params, { org: 'acme' })
        const dryRun = call.dryRun
        sent.push({ items, call })
        if (sent.length === failOnBatch) throw new UsageError('server went away')
        const results = items.map((item, index) =>
          item.email.startsWith('zed')
            ? {
                index,
                target: item.email,
                status: dryRun ? ('will-fail' as const) : ('failed' as const),
                code: 'not_a_member',
                message: `${item.email} is not a member of this organization`,
              }
            : { index, target: item.email, status: dryRun ? ('will-change' as const) : ('changed' as const) },
        )
        const failed = results.filter((r) => 'code' in r).length
        return { dryRun, results, summary: { changed: items.length - failed, unchanged: 0, failed } }
      },
    }
  }

  it('sends batches of the configured size, a new Idempotency-Key each, and prints every row then the summary', async () => {
    const sent: Sent[] = []
    const code = await runBulk(
      server(sent),
      file('email\na@acme.test\nb@acme.test\nzed@acme.test\nc@acme.test\nd@acme.test\n'),
      { dryRun: false, json: false },
    )
    assert.equal(code, 6)
    assert.deepEqual(
      sent.map((s) => s.items.map((i) => i.email)),
      [['a@acme.test', 'b@acme.test'], ['zed@acme.test', 'c@acme.test'], ['d@acme.test']],
    )
    assert.equal(new Set(sent.map((s) => s.call.idempotencyKey)).size, 3)
    assert.deepEqual(written.trimEnd().split('\n'), [
      '✓ changed     a@acme.test',
      '✓ changed     b@acme.test',
      '✗ failed      zed@acme.test — not_a_member: zed@acme.test is not a member of this organization',
      '✓ changed     c@acme.test',
      '✓ changed     d@acme.test',
      'Done (assign x): 4 changed, 0 unchanged, 1 failed.',
    ])
  })

  it('sends each dry-run batch, without an Idempotency-Key, the rows of the earlier ones that would change, batch by batch', async () => {
    const sent: Sent[] = []
    const code = await runBulk(
      server(sent),
      { kind: 'args', values: ['a@x.test', 'zed@x.test', 'b@x.test', 'c@x.test', 'd@x.test'] },
      {
        dryRun: true,
        json: false,
      },
    )
    assert.equal(code, 6)
    assert.deepEqual(
      sent.map((s) => [s.call.dryRun, s.call.prior?.map((batch) => batch.map((i) => i.email))]),
      [
        [true, undefined],
        [true, [['a@x.test']]],
        [true, [['a@x.test'], ['b@x.test', 'c@x.test']]],
      ],
    )
    // A dry run changes nothing: no Idempotency-Key (the server keeps none for one).
    assert.deepEqual(
      sent.map((s) => s.call.idempotencyKey),
      [undefined, undefined, undefined],
    )
    assert.match(
      written,
      /Dry run \(assign x\): 4 would change, 0 already so, 1 would fail\. Nothing was changed\.\n$/,
    )
  })

  it('a --jq filter failing on the finished report is no usage error: it says the job stays applied, and keeps the job’s exit code', async () => {
    const sent: Sent[] = []
    const failure = async (values: string[]) =>
      runBulk(
        server(sent),
        { kind: 'args', values },
        { dryRun: false, json: true, jq: '.results[0].target.x' },
      ).then(
        () => assert.fail('expected the filter to fail'),
        (e: unknown) => e as CliError,
      )
    const ok = await failure(['a@x.test', 'b@x.test', 'c@x.test'])
    assert.equal(sent.length, 2, 'every batch was sent')
    assert.ok(ok instanceof CliError)
    assert.equal(ok.code, 'jq_failed')
    // Not 2 ("usage: nothing applied"): the rows were applied, only the report is missing.
    assert.equal(ok.exitCode, 1)
    assert.equal(
      ok.message,
      '--jq: Cannot index string with string ("x"); the job itself finished and stays applied (3 changed, 0 unchanged, 0 failed), but its report was not printed: re-run it with --json > report.json to keep a report (applied rows report already-so)',
    )
    assert.equal(written, '')
    // Some rows failed: the job's own exit code (6) stands.
    assert.equal((await failure(['a@x.test', 'zed@x.test'])).exitCode, 6)
  })

  it('streams one valid JSON document with every row’s result and its input row', async () => {
    const code = await runBulk(
      server([]),
      file('email\r\na@acme.test\r\n\r\nb@acme.test\r\nc@acme.test\r\n'),
      {
        dryRun: false,
        json: true,
      },
    )
    assert.equal(code, 0)
    assert.deepEqual(JSON.parse(written), {
      dryRun: false,
      results: [
        { index: 0, target: 'a@acme.test', status: 'changed', row: 2 },
        { index: 1, target: 'b@acme.test', status: 'changed', row: 4 },
        { index: 2, target: 'c@acme.test', status: 'changed', row: 5 },
      ],
      summary: { changed: 3, unchanged: 0, failed: 0 },
    })
  })

  it('exits with the reason’s own code when every row failed for it', async () => {
    const code = await runBulk(
      server([]),
      { kind: 'args', values: ['zed@acme.test'] },
      { dryRun: false, json: true },
    )
    assert.equal(code, 3)
  })

  it('on a batch that fails as a whole, closes the JSON document as incomplete and rethrows; earlier batches stay reported', async () => {
    await assert.rejects(
      runBulk(
        server([], 2),
        { kind: 'args', values: ['a@x.test', 'b@x.test', 'c@x.test'] },
        { dryRun: false, json: true },
      ),
      /server went away/,
    )
    assert.deepEqual(JSON.parse(written), {
      dryRun: false,
      results: [
        { index: 0, target: 'a@x.test', status: 'changed', row: 1 },
        { index: 1, target: 'b@x.test', status: 'changed', row: 2 },
      ],
      summary: { changed: 2, unchanged: 0, failed: 0 },
      incomplete: true,
    })
  })

  /**
   * A fake server whose answers arrive (onAnswer) before they are handed over: each response is held
   * until the next batch is sent or 200 ms pass, and batch `badAnswer` is answered, then found
   * unusable. Records the order of events.
   */
  function answeringServer(events: string[], badAnswer?: number) {
    const spec = server([])
    const inner = spec.endpoint
    let sentCount = 0
    const held: Array<() => void> = []
    spec.endpoint = async (params, items, call) => {
      const n = ++sentCount
      events.push(`send ${n}`)
      held.shift()?.()
      const res = await inner(params, items, call)
      events.push(`answer ${n}`)
      call.onAnswer?.()
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200)
        held.push(() => (clearTimeout(timer), resolve()))
      })
      events.push(`handed ${n}`)
      if (n === badAnswer) throw new UsageError('unexpected response')
      return res
    }
    return spec
  }

  it('sends the next batch once the last one is answered, before handling that answer; reports stay in input order', async () => {
    const events: string[] = []
    const code = await runBulk(
      answeringServer(events),
      { kind: 'args', values: ['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test', 'e@x.test'] },
      { dryRun: false, json: true },
    )
    assert.equal(code, 0)
    // Batch n+1 leaves after batch n is answered (so it meets the state n left), and before n's
    // answer is handed over: at most two batches are in flight.
    assert.deepEqual(events, [
      'send 1',
      'answer 1',
      'send 2',
      'handed 1',
      'answer 2',
      'send 3',
      'handed 2',
      'answer 3',
      'handed 3',
    ])
    const doc = JSON.parse(written) as { results: Array<{ index: number; target: string }> }
    assert.deepEqual(
      doc.results.map((r) => [r.index, r.target]),
      [
        [0, 'a@x.test'],
        [1, 'b@x.test'],
        [2, 'c@x.test'],
        [3, 'd@x.test'],
        [4, 'e@x.test'],
      ],
    )
  })

  it('when an answered batch turns out unusable, waits for the batch in flight, sends nothing more and stops after the rows reported', async () => {
    const events: string[] = []
    const values = ['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test', 'e@x.test', 'f@x.test', 'g@x.test']
    await assert.rejects(
      runBulk(answeringServer(events, 2), { kind: 'args', values }, { dryRun: false, json: true }),
      /unexpected response/,
    )
    // Batch 3 was already on its way: it is waited for, each batch is sent once, batch 4 never.
    assert.deepEqual(events, [
      'send 1',
      'answer 1',
      'send 2',
      'handed 1',
      'answer 2',
      'send 3',
      'handed 2',
      'answer 3',
      'handed 3',
    ])
    assert.deepEqual(JSON.parse(written), {
      dryRun: false,
      results: [
        { index: 0, target: 'a@x.test', status: 'changed', row: 1 },
        { index: 1, target: 'b@x.test', status: 'changed', row: 2 },
      ],
      summary: { changed: 2, unchanged: 0, failed: 0 },
      incomplete: true,
    })
  })

  it('sends nothing after a batch refused as a whole, and dry-run batches one after another', async () => {
    const events: string[] = []
    const spec = answeringServer(events)
    const inner = spec.endpoint
    spec.endpoint = async (params, items, call) => {
      if (items[0]?.email === 'c@x.test') {
        events.push('refused')
        throw new UsageError('server went away')
      }
      return inner(params, items, call)
    }
    await assert.rejects(
      runBulk(
        spec,
        { kind: 'args', values: ['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test', 'e@x.test', 'f@x.test'] },
        { dryRun: false, json: false },
      ),
      /server went away/,
    )
    assert.deepEqual(events, ['send 1', 'answer 1', 'refused', 'handed 1'])
    events.length = 0
    await runBulk(
      answeringServer(events),
      { kind: 'args', values: ['a@x.test', 'b@x.test', 'c@x.test'] },
      {
        dryRun: true,
        json: false,
      },
    )
    assert.deepEqual(events, ['send 1', 'answer 1', 'handed 1', 'send 2', 'answer 2', 'handed 2'])
  })

  it('streams a large file a second time instead of keeping it, with the same rows and results', async () => {
    process.env.LICCTL_BULK_STREAM_BYTES = '1'
    try {
      const sent: Sent[] = []
      const code = await runBulk(server(sent), file('email\r\na@x.test\r\n\r\n"b@x.test"\r\nc@x.test\r\n'), {
        dryRun: false,
        json: true,
      })
      assert.equal(code, 0)
      assert.deepEqual(
        sent.map((s) => s.items.map((i) => i.email)),
        [['a@x.test', 'b@x.test'], ['c@x.test']],
      )
      assert.deepEqual(
        (JSON.parse(written) as { results: Array<{ row: number }> }).results.map((r) => r.row),
        [2, 4, 5],
      )
    } finally {
      delete process.env.LICCTL_BULK_STREAM_BYTES
    }
  })

  it('reports a target named twice as a duplicate of its first row, sends it once, and keeps the exit code', async () => {
    const sent: Sent[] = []
    const source = file('email\na@x.test\nb@x.test\nA@X.test\nzed@x.test\nb@x.test\nc@x.test\n')
    const code = await runBulk(server(sent), source, { dryRun: false, json: false })
    assert.equal(code, 6)
    assert.deepEqual(
      sent.map((s) => s.items.map((i) => i.email)),
      [
        ['a@x.test', 'b@x.test'],
        ['zed@x.test', 'c@x.test'],
      ],
    )
    assert.deepEqual(written.trimEnd().split('\n'), [
      '✓ changed     a@x.test',
      '✓ changed     b@x.test',
      '= duplicate   A@X.test — of row 2',
      '✗ failed      zed@x.test — not_a_member: zed@x.test is not a member of this organization',
      '= duplicate   b@x.test — of row 3',
      '✓ changed     c@x.test',
      'Done (assign x): 3 changed, 2 unchanged (2 duplicate), 1 failed.',
    ])
  })

  it('lists duplicates in --json with the row they repeat; every row failing for one reason still exits with its code', async () => {
    process.env.LICCTL_BULK_STREAM_BYTES = '1'
    try {
      const sent: Sent[] = []
      const code = await runBulk(
        server(sent),
        file('email\nzed1@x.test\nzed2@x.test\nZED1@x.test\nzed1@x.test\n'),
        { dryRun: true, json: true },
      )
      assert.equal(code, 3, 'the duplicates do not count as rows that did not fail')
      assert.deepEqual(
        sent.map((s) => s.items.map((i) => i.email)),
        [['zed1@x.test', 'zed2@x.test']],
      )
      assert.deepEqual(JSON.parse(written), {
        dryRun: true,
        results: [
          {
            index: 0,
            target: 'zed1@x.test',
            status: 'will-fail',
            code: 'not_a_member',
            message: 'zed1@x.test is not a member of this organization',
            row: 2,
          },
          {
            index: 1,
            target: 'zed2@x.test',
            status: 'will-fail',
            code: 'not_a_member',
            message: 'zed2@x.test is not a member of this organization',
            row: 3,
          },
          {
            index: 2,
            target: 'ZED1@x.test',
            status: 'duplicate',
            message: 'duplicate of row 2',
            details: { duplicateOf: 2 },
            row: 4,
          },
          {
            index: 3,
            target: 'zed1@x.test',
            status: 'duplicate',
            message: 'duplicate of row 2',
            details: { duplicateOf: 2 },
            row: 5,
          },
        ],
        summary: { changed: 0, unchanged: 2, failed: 2 },
      })
    } finally {
      delete process.env.LICCTL_BULK_STREAM_BYTES
    }
  })

  it('with strict, refuses a file naming a target twice and sends nothing', async () => {
    const sent: Sent[] = []
    await assert.rejects(
      runBulk(server(sent), file('email\na@x.test\nA@x.test\n'), {
        dryRun: false,
        json: false,
        strict: true,
      }),
      /row 3, column email: A@x\.test is also in row 2$/,
    )
    assert.deepEqual(sent, [])
  })

  it('stops a dry run that would carry more than 10,000 changing rows forward, with exit 2 and the plan so far', async () => {
    process.env.LICCTL_BULK_BATCH_SIZE = '1000'
    const sent: Sent[] = []
    const values = Array.from({ length: 12_500 }, (_, i) => `u${i}@x.test`)
    const err = await runBulk(server(sent), { kind: 'args', values }, { dryRun: true, json: true }).then(
      () => assert.fail('expected the dry run to stop'),
      (e: unknown) => e as UsageError,
    )
    assert.ok(err instanceof UsageError)
    assert.equal(err.exitCode, 2)
    assert.equal(err.code, 'dry_run_too_large')
    assert.equal(sent.length, 11, 'batches 1 to 11 planned (10,000 rows carried into the 11th)')
    assert.equal(sent[10]!.call.prior!.flat().length, 10_000)
    const doc = JSON.parse(written) as { results: unknown[]; incomplete: boolean }
    assert.equal(doc.results.length, 11_000)
    assert.equal(doc.incomplete, true)
  })

  it('sends nothing at all when a row is invalid', async () => {
    const sent: Sent[] = []
    await assert.rejects(
      runBulk(server(sent), file('email\na@acme.test\nnope\n'), { dryRun: false, json: false }),
      /row 3, column email: Invalid email address/,
    )
    assert.deepEqual(sent, [])
    assert.equal(written, '')
  })

  describe('how long a batch waits for an unavailable server (LICCTL_BULK_RETRY_FOR)', () => {
    const realRetryFor = process.env.LICCTL_BULK_RETRY_FOR
    afterEach(() => {
      if (realRetryFor === undefined) delete process.env.LICCTL_BULK_RETRY_FOR
      else process.env.LICCTL_BULK_RETRY_FOR = realRetryFor
    })
    const budgets = async (dryRun: boolean) => {
      const sent: Sent[] = []
      await runBulk(
        server(sent),
        { kind: 'args', values: ['a@x.test', 'b@x.test', 'c@x.test'] },
        {
          dryRun,
          json: false,
        },
      )
      return sent.map((s) => s.call.retryFor)
    }

    it('gives every batch after the server first answered, applied or planned, 60 s by default, or the seconds or duration the variable says', async () => {
      delete process.env.LICCTL_BULK_RETRY_FOR
      // The first batch has the usual retries only: a server never reached (a wrong URL) fails fast.
      assert.deepEqual(await budgets(false), [0, 60_000])
      assert.deepEqual(await budgets(true), [0, 60_000])
      for (const [text, ms] of [
        ['90', 90_000],
        ['2.5', 2_500],
        ['0', 0],
        ['5m', 300_000],
        ['1m30s', 90_000],
      ] as const) {
        process.env.LICCTL_BULK_RETRY_FOR = text
        assert.deepEqual(await budgets(false), [0, ms], text)
      }
      // The plan a command makes before asking (seats release, devices) waits as long.
      process.env.LICCTL_BULK_RETRY_FOR = '7'
      const sent: Sent[] = []
      await planBulk(server(sent), { kind: 'args', values: ['a@x.test', 'b@x.test', 'c@x.test'] }, () => true)
      assert.deepEqual(
        sent.map((s) => [s.call.dryRun, s.call.retryFor]),
        [
          [true, 0],
          [true, 7_000],
        ],
      )
    })

    it('counts a one-row job in the singular when it stops: "after 0 of 1 row"', () => {
      assert.equal(interrupted('SIGINT', 0, 1, false).message, 'interrupted (SIGINT) after 0 of 1 row')
      assert.equal(interrupted('SIGTERM', 0, 2, true).message, 'interrupted (SIGTERM) after 0 of 2 rows')
      const cause = new Error('unavailable')
      assert.equal(
        serverUnavailable(90_000, 0, 1, false, cause).message,
        'the server was unavailable for 1m 30s; stopped after 0 of 1 row; run the same command again to finish',
      )
      assert.equal(
        serverUnavailable(90_000, 0, 1, true, cause).message,
        'the server was unavailable for 1m 30s; the plan stopped after 0 of 1 row, and nothing was changed; run the same command again',
      )
    })

    it('stops a job whose batch found the server unavailable for the whole budget: how far it got, exit 1', async () => {
      process.env.LICCTL_BULK_RETRY_FOR = '90'
      const unavailable = (sent: Sent[]) => {
        const spec = server(sent)
        const endpoint = spec.endpoint
        return {
          ...spec,
          async endpoint(...args: Parameters<typeof endpoint>) {
            if (sent.length === 1)
              throw new ApiError(
                'the database is unavailable (unreachable, restarting or busy): retry shortly',
                503,
                {
                  code: 'unavailable',
                },
              )
            return endpoint(...args)
          },
        }
      }
      const targets: BulkSource = { kind: 'args', values: ['a@x.test', 'b@x.test', 'c@x.test'] }
      const refusal = (message: string) => (err: unknown) => {
        assert.ok(err instanceof CliError, String(err))
        assert.deepEqual([err.message, err.code, err.exitCode], [message, 'unavailable', 1])
        assert.equal(
          err.hint,
          'last answer: the database is unavailable (unreachable, restarting or busy): retry shortly. LICCTL_BULK_RETRY_FOR (seconds, or 5m) sets how long each batch keeps trying',
        )
        return true
      }
      await assert.rejects(
        runBulk(unavailable([]), targets, { dryRun: false, json: false }),
        refusal(
          'the server was unavailable for 1m 30s; stopped after 2 of 3 rows; run the same command again to finish',
        ),
      )
      assert.match(
        written,
        /^Stopped after 2 of 3 rows: 2 changed, 0 unchanged, 0 failed\. Re-run the same command to finish\.$/m,
      )
      for (const plan of [
        () => runBulk(unavailable([]), targets, { dryRun: true, json: false }),
        () => planBulk(unavailable([]), targets, () => true),
      ])
        await assert.rejects(
          plan(),
          refusal(
            'the server was unavailable for 1m 30s; the plan stopped after 2 of 3 rows, and nothing was changed; run the same command again',
          ),
        )
    })

    it('says once that it is waiting, and a Ctrl-C then stops the job within seconds as interrupted (130), not after the budget', async () => {
      process.env.LICCTL_BULK_RETRY_FOR = '600'
      const calls: Array<BulkCall<never, { email: string }>> = []
      const spec = {
        ...server([]),
        // The second batch finds the server unavailable: it waits (as the transport does) until stopped.
        async endpoint(
          params: { org: string },
          items: Array<{ email: string }>,
          call: BulkCall<never, { email: string }>,
        ) {
          calls.push(call)
          if (calls.length === 1) return server([]).endpoint(params, items, call)
          call.onWaiting?.(call.retryFor!)
          call.onWaiting?.(call.retryFor!)
          await new Promise<void>((resolve) => call.signal!.addEventListener('abort', () => resolve()))
          throw new ApiError('the database is unavailable', 503, { code: 'unavailable' })
        },
      }
      const errors: string[] = []
      const realErr = process.stderr.write.bind(process.stderr)
      process.stderr.write = ((chunk: string | Uint8Array) => (
        errors.push(String(chunk)),
        true
      )) as typeof process.stderr.write
      const started = Date.now()
      // The job's own SIGINT listener is called, as a Ctrl-C would call it: emitting 'SIGINT' on the
      // process would call every listener of the test process too, and one of them (when-exit,
      // which conf installs once a profile has been written in an earlier test file) answers it by
      // raising a real SIGINT, which killed the whole mocha run (exit 130).
      const others = process.listeners('SIGINT')
      try {
        const job = runBulk(
          spec,
          { kind: 'args', values: ['a@x.test', 'b@x.test', 'c@x.test'] },
          { dryRun: false, json: false },
        )
        setTimeout(() => {
          const own = process.listeners('SIGINT').filter((l) => !others.includes(l))
          assert.equal(own.length, 1, 'the job listens for SIGINT')
          own[0]!('SIGINT')
        }, 50)
        await assert.rejects(job, (err: unknown) => {
          assert.ok(err instanceof CliError, String(err))
          assert.deepEqual([err.message, err.exitCode], ['interrupted (SIGINT) after 2 of 3 rows', 130])
          return true
        })
      } finally {
        process.stderr.write = realErr
      }
      assert.ok(Date.now() - started < 5_000)
      assert.equal(calls[1]!.retryFor, 600_000)
      assert.deepEqual(
        errors.filter((e) => e.includes('unavailable')),
        ['The server is unavailable; each batch keeps trying for up to 10m (LICCTL_BULK_RETRY_FOR)…\n'],
      )
    })

    it('refuses a value that is neither, before anything is sent (exit 2)', async () => {
      for (const text of ['soon', '-5', '1x']) {
        process.env.LICCTL_BULK_RETRY_FOR = text
        const sent: Sent[] = []
        await assert.rejects(
          runBulk(server(sent), { kind: 'args', values: ['a@x.test'] }, { dryRun: false, json: false }),
          (err: unknown) =>
            err instanceof UsageError &&
            err.message ===
              `LICCTL_BULK_RETRY_FOR: expected seconds (60) or a duration (90s, 5m), got '${text}'`,
        )
        assert.deepEqual(sent, [])
      }
    })
  })
})
