import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { validateAll, type BulkSource, type Entry } from '../../src/cli/bulk/index.js'
import { assignSpec } from '../../src/cli/devices-bulk.js'
import { UsageError } from '../../src/cli/errors.js'
import type { LicctlClient } from '../../src/client/index.js'
import type { AssignItem } from '../../src/contract/devices.js'

const dir = mkdtempSync(join(tmpdir(), 'licctl-devices-bulk-'))
after(() => rmSync(dir, { recursive: true, force: true }))

let n = 0
function file(text: string, ext = 'csv'): BulkSource {
  const path = join(dir, `assign-${++n}.${ext}`)
  writeFileSync(path, text)
  return { kind: 'file', path }
}

const client = {
  devices: {
    assign: () => {
      throw new Error('nothing may be sent')
    },
  },
} as unknown as LicctlClient

async function items(source: BulkSource): Promise<AssignItem[]> {
  const keep: Array<Entry<AssignItem>> = []
  await validateAll(assignSpec(client, 'acme', {}), source, { keep })
  return keep.map((e) => e.item)
}

async function refused(source: BulkSource, defaults = {}): Promise<string> {
  try {
    await validateAll(assignSpec(client, 'acme', defaults), source)
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err))
    assert.equal(err.exitCode, 2)
    return err.message
  }
  assert.fail('expected the file to be refused')
}

describe('devices assign --file columns', () => {
  it('reads extend as true/false/yes/no/1/0 in any case', async () => {
    const got = await items(file('serial,extend\nA,TRUE\nB,yes\nC,1\nD,False\nE,NO\nF,0\nG,\n'))
    assert.deepEqual(
      got.map((i) => i.extend),
      [true, true, true, false, false, false, undefined],
    )
    assert.deepEqual(
      (await items(file('[{"serial":"A","extend":true},{"serial":"B","extend":"No"}]', 'json'))).map(
        (i) => i.extend,
      ),
      [true, false],
    )
  })

  it('refuses the whole file for an extend it cannot read, naming row and column', async () => {
    const message = await refused(file('serial,extend\nA,yes\nB,maybe\n'))
    assert.match(message, /row 3, column extend: not true\/false, yes\/no or 1\/0 \(any case\), got "maybe"/)
    const json = await refused(file('[{"serial":"A","extend":"maybe"}]', 'json'))
    assert.match(json, /row 1, column extend: not true\/false.*got "maybe"/)
  })

  it('reads count as decimal digits and refuses 0x2, 1e1 and 2.0 like --count does', async () => {
    assert.deepEqual(
      (await items(file('serial,count\nA,2\nB, 3 \n'))).map((i) => i.count),
      [2, 3],
    )
    const message = await refused(file('serial,count\nA,0x2\nB,1e1\nC,2.0\n'))
    assert.match(message, /row 2, column count: not a whole number, got "0x2"/)
    assert.match(message, /row 3, column count: not a whole number, got "1e1"/)
    assert.match(message, /row 4, column count: not a whole number, got "2.0"/)
  })

  it('refuses a row naming both a license and a count', async () => {
    const message = await refused(file('serial,license,count\nA,ZR34CXDQZ5YD-1,3\n'))
    assert.match(message, /row 2, column count: license and count cannot both be given/)
    // --license from the command line with a count column: the same row refused
    const mixed = await refused(file('serial,count\nA,2\n'), { license: 'ZR34CXDQZ5YD-1' })
    assert.match(mixed, /row 2, column count: license and count cannot both be given/)
  })
})
