import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../helpers/e2e.js'
import { runInPty } from '../helpers/pty.js'

describe('cli: prompts', function () {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'licctl-prompts-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('Ctrl-C at a prompt cancels with exit 2, like answering no', async () => {
    const res = await runInPty(['orgs', 'login', '--org', 'acme'], {
      env: { LICCTL_CONFIG_DIR: join(dir, 'config') },
      answers: [{ after: /Server URL/, type: '\u0003' }],
    })
    assert.equal(res.code, 2, res.stdout)
    assert.match(res.stdout, /Error: cancelled\n$/)
  })

  it('never prompts off a terminal: what is missing is a usage error (exit 2) with the flag to pass', async () => {
    const res = await runCli(['orgs', 'login', '--org', 'acme'], {
      env: { LICCTL_CONFIG_DIR: join(dir, 'config'), NO_COLOR: '1' },
    })
    assert.equal(res.code, 2)
    assert.equal(res.stdout, '')
    const [reason, hint] = res.stderr.split('\n')
    assert.match(reason!, /^Error: missing --url\b/)
    assert.match(hint!, /^Hint: .*--url/)
  })
})
