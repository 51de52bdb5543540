import { strict as assert } from 'node:assert'
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../helpers/e2e.js'
import { ServerProcess } from '../helpers/server-process.js'
import { BIN, runProcess } from '../helpers/spawn.js'

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

/**
 * A database the server may not write is refused before anything is served (exit 2, naming the
 * file or directory): SQLite takes a file it may not write read-only without a word. As root (whom
 * file modes do not stop) the commands run as `nobody`, as a service account would.
 */
describe('a SQLite database licctl may not write is refused up front', function () {
  this.timeout(60_000)
  const nobody = { uid: 65534, gid: 65534 }
  const asRoot = process.getuid?.() === 0
  let dir: string

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'licctl-unwritable-'))
    chmodSync(dir, 0o755)
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  /** The CLI as the other user, in a directory of theirs. */
  function cli(args: string[]) {
    return runProcess(process.execPath, [BIN, ...args], {
      ...(asRoot ? nobody : {}),
      cwd: dir,
      // A home of theirs: oclif reads its data dir there.
      env: {
        ...process.env,
        HOME: dir,
        XDG_DATA_HOME: undefined,
        XDG_CONFIG_HOME: undefined,
        XDG_CACHE_HOME: undefined,
        LICCTL_CONFIG_DIR: join(dir, 'config'),
        NO_COLOR: '1',
      },
    })
  }
  /** A directory of the user's, holding a database they initialized. */
  async function theirDatabase(name: string): Promise<string> {
    const sub = join(dir, name)
    mkdirSync(sub, { mode: 0o755 })
    if (asRoot) chownSync(sub, nobody.uid, nobody.gid)
    const db = join(sub, 'licctl.sqlite')
    const init = await cli(['server', 'init', '--db', db])
    assert.equal(init.code, 0, init.stderr)
    return db
  }

  it('server start and server migrate: a directory where SQLite cannot create the -wal and -shm files', async () => {
    const db = await theirDatabase('read-only-dir')
    chmodSync(join(dir, 'read-only-dir'), 0o555)
    for (const args of [
      ['server', 'start', '--db', db, '--port', '0'],
      ['server', 'migrate', '--db', db],
    ]) {
      const res = await cli(args)
      assert.equal(res.code, 2, `${args[1]}: ${res.stderr}`)
      assert.equal(
        res.stderr.split('\n')[0],
        `Error: --db: cannot create files in '${join(dir, 'read-only-dir')}': permission denied; SQLite keeps the database's -wal and -shm files beside it`,
      )
    }
  })

  it('server migrate and server start: a database file the user may only read', async () => {
    const db = await theirDatabase('read-only-file')
    chmodSync(db, 0o400)
    // Before, migrate found nothing to do and said "Up to date", and start served reads and failed
    // every write.
    for (const args of [
      ['server', 'migrate', '--db', db],
      ['server', 'start', '--db', db, '--port', '0'],
    ]) {
      const res = await cli(args)
      assert.equal(res.code, 2, `${args[1]}: ${res.stderr}`)
      assert.equal(res.stderr.split('\n')[0], `Error: --db: cannot write '${db}': permission denied`)
    }
  })

  it('server init: a directory the user may not write', async () => {
    const sub = join(dir, 'not-theirs')
    mkdirSync(sub, { mode: 0o755 })
    const res = await cli(['server', 'init', '--db', join(sub, 'licctl.sqlite')])
    assert.equal(res.code, 2, res.stderr)
    assert.equal(
      res.stderr.split('\n')[0],
      `Error: --db: cannot create files in '${sub}': permission denied; SQLite keeps the database's -wal and -shm files beside it`,
    )
  })
})
