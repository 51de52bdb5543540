import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freshDb, type TestDb } from '../helpers/dialects.js'
import { ServerProcess } from '../helpers/server-process.js'
import { BIN, ROOT, runProcess } from '../helpers/spawn.js'

describe('server start --clock: read as every time flag is', function () {
  this.timeout(60_000)
  let dir: string
  let db: TestDb

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'licctl-clock-'))
    db = await freshDb('sqlite', dir)
    await ServerProcess.init(db.url)
  })
  after(async () => {
    await db.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  /** The server's time as /v1/health reports it, a moment after it started at `clock`. */
  const timeAt = async (clock: string): Promise<number> => {
    const server = await ServerProcess.start(db.url, 'warn', ['--clock', clock])
    try {
      const health = (await (await fetch(`${server.url}/v1/health`)).json()) as { time: string }
      return Date.parse(health.time)
    } finally {
      await server.stop()
    }
  }

  it('starts at an instant with its offset, or at 00:00 UTC of a date', async () => {
    for (const [clock, at] of [
      ['2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z'],
      ['2026-03-01T10:00:00+01:00', '2026-03-01T09:00:00Z'],
      ['2026-03-01', '2026-03-01T00:00:00Z'],
    ] as const) {
      const ahead = (await timeAt(clock)) - Date.parse(at)
      assert.ok(ahead >= 0 && ahead < 30_000, `${clock}: ${ahead} ms`)
    }
  })

  it('refuses what Date.parse would take but no time flag does, naming --clock (exit 2)', async () => {
    for (const clock of ['1', 'Dec 5', '2026-03-01 09:00', '2026-02-30', 'soon']) {
      // Killed if it serves instead of refusing (SIGTERM: exit 0 after a graceful close).
      const res = await runProcess(
        process.execPath,
        [BIN, 'server', 'start', '--db', db.url, '--port', '0', '--clock', clock],
        { cwd: ROOT, timeout: 15_000 },
      )
      assert.equal(res.code, 2, `${clock}: ${res.stderr}`)
      assert.equal(res.stdout, '')
      assert.match(res.stderr, /^Error: --clock: /, clock)
      assert.ok(res.stderr.includes(`got '${clock}'`), res.stderr)
    }
  })
})
