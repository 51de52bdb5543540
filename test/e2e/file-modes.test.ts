import { strict as assert } from 'node:assert'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../helpers/e2e.js'
import { ServerProcess } from '../helpers/server-process.js'

const modeOf = (file: string) => statSync(file).mode & 0o777

/**
 * The database holds the device-key issuing secret, hashed tokens and the audit log: every file
 * licctl creates for it is its owner's alone (0600), whatever the umask of the shell running it.
 */
describe('database files are created mode 0600 (SQLite)', function () {
  this.timeout(60_000)
  let dir: string
  let umask: number

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'licctl-modes-'))
    // The usual umask, under which SQLite's own default (0644) is world-readable. Children inherit it.
    umask = process.umask(0o022)
  })
  after(() => {
    process.umask(umask)
    rmSync(dir, { recursive: true, force: true })
  })

  it('server init creates the database 0600, and server start its -wal and -shm files', async () => {
    const db = join(dir, 'licctl.sqlite')
    await ServerProcess.init(db)
    assert.equal(modeOf(db), 0o600)
    const server = await ServerProcess.start(db, 'warn')
    try {
      for (const file of [db, `${db}-wal`, `${db}-shm`]) assert.equal(modeOf(file), 0o600, file)
    } finally {
      await server.stop()
    }
  })

  it('server backup writes its copy 0600, and leaves no temporary file beside it', async () => {
    const db = join(dir, 'source.sqlite')
    await ServerProcess.init(db)
    const out = join(dir, 'backups')
    mkdirSync(out)
    const file = join(out, 'copy.sqlite')
    const backup = await runCli(['server', 'backup', file, '--db', db])
    assert.equal(backup.code, 0, backup.stderr)
    assert.equal(modeOf(file), 0o600)
    assert.deepEqual(readdirSync(out), ['copy.sqlite'])
  })

  it('a failed backup leaves nothing behind', async () => {
    const out = mkdtempSync(join(dir, 'failed-'))
    const notADatabase = join(dir, 'not-a-database.sqlite')
    writeFileSync(notADatabase, 'this is not a SQLite database, not even its header'.repeat(20))
    const backup = await runCli(['server', 'backup', join(out, 'copy.sqlite'), '--db', notADatabase])
    assert.notEqual(backup.code, 0)
    assert.deepEqual(readdirSync(out), [])
  })

  it('leaves the mode of a database the user created alone; server migrate and start warn when others may read it', async () => {
    const db = join(dir, 'shared.sqlite')
    await ServerProcess.init(db)
    chmodSync(db, 0o644)
    const migrate = await runCli(['server', 'migrate', '--db', db])
    assert.equal(migrate.code, 0, migrate.stderr)
    assert.equal(modeOf(db), 0o644)
    assert.equal(
      migrate.stderr,
      `Warning: ${db} is open to other users (mode 0644) and holds the device-key issuing secret, token hashes and the audit log: chmod 600 ${db}\n`,
    )
    const server = await ServerProcess.start(db, 'warn')
    try {
      const warnings = server.logLines().filter((l) => l.msg !== undefined && l.level === 40)
      assert.deepEqual(
        warnings.map((l) => l.msg),
        [
          `${db} is open to other users (mode 0644) and holds the device-key issuing secret, token hashes and the audit log: chmod 600 ${db}`,
        ],
      )
    } finally {
      await server.stop()
    }
    assert.equal(modeOf(db), 0o644)
    chmodSync(db, 0o600)
    const quiet = await runCli(['server', 'migrate', '--db', db])
    assert.equal(quiet.code, 0, quiet.stderr)
    assert.equal(quiet.stderr, '')
  })
})
