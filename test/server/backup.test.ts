import { strict as assert } from 'node:assert'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { runCli } from '../helpers/e2e.js'
import { ServerProcess } from '../helpers/server-process.js'

describe('server backup (SQLite online backup)', function () {
  this.timeout(60_000)
  let dir: string
  let db: string
  let server: ServerProcess
  let operator: string

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'licctl-backup-'))
    db = join(dir, 'licctl.sqlite')
    operator = await ServerProcess.init(db)
    server = await ServerProcess.start(db, 'warn')
  })
  after(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const create = (slug: string) =>
    fetch(`${server.url}/v1/orgs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slug, name: slug }),
    })

  it('copies a live server’s database, recent writes (still in the WAL) included, while it keeps serving', async () => {
    for (const slug of ['acme', 'globex', 'initech']) assert.equal((await create(slug)).status, 201)
    const out = join(dir, 'backup.sqlite')
    // Writes go on during the backup.
    const [backup] = await Promise.all([
      runCli(['server', 'backup', out, '--db', db]),
      ...['w1', 'w2', 'w3'].map((s) => create(s)),
    ])
    assert.equal(backup.code, 0, backup.stderr)
    assert.match(backup.stdout, new RegExp(`^Backed up ${db} to ${out} \\(\\d+ pages\\)\\.\\n$`))
    const copy = new SQLite(out, { readonly: true })
    try {
      assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok')
      const slugs = (copy.prepare('select slug from organizations').all() as Array<{ slug: string }>).map(
        (r) => r.slug,
      )
      for (const slug of ['acme', 'globex', 'initech']) assert.ok(slugs.includes(slug), slug)
      const tokens = copy.prepare("select count(*) as n from tokens where kind = 'operator'").get() as {
        n: number
      }
      assert.equal(tokens.n, 1)
    } finally {
      copy.close()
    }
    assert.equal((await create('after')).status, 201, 'the server kept serving')
  })

  it('refuses to overwrite a file, and PostgreSQL (pg_dump is the tool), with exit 2', async () => {
    const exists = await runCli(['server', 'backup', db, '--db', db])
    assert.equal(exists.code, 2)
    assert.match(exists.stderr, /already exists: choose a new file name/)
    const pg = await runCli(['server', 'backup', join(dir, 'x'), '--db', 'postgres://u@h/d'])
    assert.equal(pg.code, 2)
    assert.match(pg.stderr, /server backup is for SQLite: back up PostgreSQL with pg_dump/)
  })

  it('names the missing directory of a backup or of a new database, with exit 2', async () => {
    const backup = await runCli(['server', 'backup', join(dir, 'nope', 'copy.sqlite'), '--db', db])
    assert.equal(backup.code, 2)
    assert.equal(
      backup.stderr.split('\n')[0],
      `Error: cannot write '${join(dir, 'nope', 'copy.sqlite')}': the directory '${join(dir, 'nope')}' does not exist`,
    )
    // A path through a file: Node's ENOTDIR on the hidden partial file would name neither.
    const through = await runCli(['server', 'backup', join(db, 'copy.sqlite'), '--db', db])
    assert.equal(through.code, 2)
    assert.equal(
      through.stderr.split('\n')[0],
      `Error: cannot write '${join(db, 'copy.sqlite')}': a part of the path is not a directory`,
    )
    const init = await runCli(['server', 'init', '--db', join(dir, 'nope', 'new.sqlite')])
    assert.equal(init.code, 2)
    assert.equal(
      init.stderr.split('\n')[0],
      `Error: --db: cannot create ${join(dir, 'nope', 'new.sqlite')}: the directory ${join(dir, 'nope')} does not exist`,
    )
  })

  it('refuses an in-memory database (an empty --db, :memory:) for every server command, with exit 2', async () => {
    // SQLite reads both as a database that vanishes when the command ends: `init` would print an
    // operator token for nothing, `migrate` would report migrations applied to nothing.
    for (const empty of ['', ':memory:'])
      for (const args of [
        ['server', 'init', '--db', empty],
        ['server', 'migrate', '--db', empty],
        ['server', 'start', '--db', empty, '--port', '0'],
        ['server', 'backup', join(dir, 'mem.sqlite'), '--db', empty],
      ]) {
        const res = await runCli(args)
        assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`)
        assert.equal(res.stdout, '', args.join(' '))
        assert.equal(
          res.stderr.split('\n')[0],
          `Error: --db: ${empty === '' ? 'must not be empty' : "':memory:' is a database that vanishes when the command ends"}: name a SQLite file or a postgres:// URL`,
          args.join(' '),
        )
      }
    assert.equal(existsSync(join(dir, 'mem.sqlite')), false)
  })

  it('names a --db file that is not a SQLite database, with exit 2, before warning about it', async () => {
    const junk = join(dir, 'notes.txt')
    writeFileSync(junk, 'not a database at all, just some notes\n', { mode: 0o644 })
    for (const args of [
      ['server', 'init', '--db', junk],
      ['server', 'migrate', '--db', junk],
      ['server', 'start', '--db', junk, '--port', '0'],
      ['server', 'backup', join(dir, 'junk-copy.sqlite'), '--db', junk],
    ]) {
      const res = await runCli(args)
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`)
      assert.equal(res.stderr, `Error: --db: '${junk}' is not a SQLite database\n`, args.join(' '))
    }
    assert.equal(existsSync(join(dir, 'junk-copy.sqlite')), false)
  })

  it('refuses an empty backup FILE, or one naming a directory, with exit 2, leaving no partial file behind', async () => {
    const before = readdirSync(process.cwd())
    const res = await runCli(['server', 'backup', '', '--db', db])
    assert.equal(res.code, 2, res.stderr)
    assert.equal(res.stderr.split('\n')[0], 'Error: FILE: must not be empty')
    assert.deepEqual(readdirSync(process.cwd()), before)
    // A name ending in / is a directory, even one that does not exist yet.
    const folder = join(dir, 'backups') + '/'
    const slash = await runCli(['server', 'backup', folder, '--db', db])
    assert.equal(slash.code, 2, slash.stderr)
    assert.equal(
      slash.stderr.split('\n').slice(0, 2).join('\n'),
      `Error: FILE: '${folder}' names a directory: give the backup file's name in it\nHint: e.g. ${join(folder, 'licctl.sqlite')}`,
    )
    assert.equal(readdirSync(dir).filter((f) => f.endsWith('.partial')).length, 0)
  })

  it('refuses a --db ending in / (a directory, existing or not), with exit 2', async () => {
    for (const folder of [join(dir, 'not-yet') + '/', dir + '/'])
      for (const command of ['init', 'migrate']) {
        const res = await runCli(['server', command, '--db', folder])
        assert.equal(res.code, 2, res.stderr)
        assert.equal(
          res.stderr,
          `Error: --db: '${folder}' names a directory: give the database file's name in it\n`,
        )
      }
    assert.equal(existsSync(join(dir, 'not-yet')), false)
  })
})
