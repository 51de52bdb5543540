import { strict as assert } from 'node:assert'
import { parse } from 'csv-parse/sync'
import { renderDelimited } from '../../src/cli/structured-output.js'

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
