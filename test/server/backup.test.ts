import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
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
      `Error: cannot write ${join(dir, 'nope', 'copy.sqlite')}: the directory ${join(dir, 'nope')} does not exist`,
    )
    const init = await runCli(['server', 'init', '--db', join(dir, 'nope', 'new.sqlite')])
    assert.equal(init.code, 2)
    assert.equal(
      init.stderr.split('\n')[0],
      `Error: --db: cannot create ${join(dir, 'nope', 'new.sqlite')}: the directory ${join(dir, 'nope')} does not exist`,
    )
  })
})
