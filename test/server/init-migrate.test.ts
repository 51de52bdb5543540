import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { sql } from 'kysely'
import pg from 'pg'
import { isInitialized } from '../../src/server/services/operator.js'
import { redactDatabaseUrl } from '../../src/storage/database-url.js'
import { migrateToLatest } from '../../src/storage/migrate.js'
import { migrations } from '../../src/storage/migrations/index.js'
import { DIALECTS, PG_URL, freshDb, openTestStorage, type TestDb } from '../helpers/dialects.js'
import { runCli } from '../helpers/e2e.js'
import { ServerProcess } from '../helpers/server-process.js'

/** The tables in the database (its current schema, on PostgreSQL). */
async function tablesOf(db: TestDb): Promise<string[]> {
  const storage = await openTestStorage(db)
  try {
    const { rows } =
      db.name === 'postgres'
        ? await sql<{ name: string }>`select table_name as name from information_schema.tables
            where table_schema = current_schema() order by 1`.execute(storage.db)
        : await sql<{ name: string }>`select name from sqlite_master where type = 'table'
            and name not like 'sqlite!_%' escape '!' order by 1`.execute(storage.db)
    return rows.map((r) => r.name)
  } finally {
    await storage.close()
  }
}

for (const dialect of DIALECTS)
  describe(`server migrate and start work on an initialized database only (${dialect})`, function () {
    this.timeout(60_000)
    let dir: string
    const dbs: TestDb[] = []
    const fresh = async () => {
      const db = await freshDb(dialect, dir)
      dbs.push(db)
      // An empty SQLite file: what `touch licctl.sqlite` leaves (a file that does not exist is
      // refused before anything opens it: test/server/shutdown.test.ts).
      if (dialect === 'sqlite') writeFileSync(db.url, '', { mode: 0o600 })
      return db
    }

    before(() => (dir = mkdtempSync(join(tmpdir(), 'licctl-init-migrate-'))))
    after(async () => {
      for (const db of dbs) await db.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    it('refuses an empty database (exit 2), names `server init`, and creates no table', async () => {
      const db = await fresh()
      for (const json of [false, true]) {
        const res = await runCli(['server', 'migrate', '--db', db.url, ...(json ? ['--json'] : [])])
        assert.equal(res.code, 2, res.stderr)
        assert.equal(res.stdout, '')
        if (json) {
          const { error } = JSON.parse(res.stderr) as { error: { code: string; message: string } }
          assert.equal(error.code, 'not_initialized')
        } else {
          const [first, hint] = res.stderr.trimEnd().split('\n')
          assert.match(first!, /^Error: --db: .+ is not initialized: it has no operator token$/)
          assert.match(
            hint!,
            /^Hint: `licctl server init --db .+` creates its tables and prints the operator token$/,
          )
        }
      }
      assert.deepEqual(await tablesOf(db), [])
    })

    it('init --json gives the database as --db takes it: migrate and start open the value printed', async () => {
      const db = await freshDb(dialect, dir)
      dbs.push(db)
      // A SQLite file named relative to where init ran: printed as its absolute path, which opens
      // the same file from anywhere (here, from the repository's root).
      const init =
        dialect === 'sqlite'
          ? await runCli(['server', 'init', '--db', basename(db.url), '--json'], { cwd: dir })
          : await runCli(['server', 'init', '--db', db.url, '--json'])
      assert.equal(init.code, 0, init.stderr)
      const printed = (JSON.parse(init.stdout) as { db: string }).db
      assert.equal(printed, db.url)
      const migrate = await runCli(['server', 'migrate', '--db', printed])
      assert.equal(migrate.code, 0, migrate.stderr)
      assert.equal(migrate.stdout, `Up to date (${Object.keys(migrations).at(-1)}).\n`)
      const server = await ServerProcess.start(printed, 'warn')
      try {
        const health = await fetch(`${server.url}/v1/health`)
        assert.equal(health.status, 200)
      } finally {
        await server.stop()
      }
    })

    it('init’s text names the database as --json’s db does: the value --db takes, not sqlite:…', async () => {
      const db = await freshDb(dialect, dir)
      dbs.push(db)
      const init =
        dialect === 'sqlite'
          ? await runCli(['server', 'init', '--db', basename(db.url)], { cwd: dir })
          : await runCli(['server', 'init', '--db', db.url])
      assert.equal(init.code, 0, init.stderr)
      const first = init.stdout.split('\n')[0]!
      // The SQLite file's absolute path; the PostgreSQL URL with its ?schema=, password masked.
      const shown = redactDatabaseUrl(db.url)
      assert.equal(first, `Initialized ${shown} (${Object.keys(migrations).length} migrations applied).`)
    })

    it('server start refuses an empty database in the same words (exit 2)', async () => {
      const db = await fresh()
      const res = await runCli(['server', 'start', '--db', db.url, '--port', '0'])
      assert.equal(res.code, 2, res.stderr)
      assert.equal(res.stdout, '')
      assert.match(
        res.stderr,
        /^Error: --db: .+ is not initialized: it has no operator token\nHint: `licctl server init --db .+` creates its tables and prints the operator token\n$/,
      )
      assert.deepEqual(await tablesOf(db), [])
    })

    it('server start refuses a database with migrations pending (exit 2), names `server migrate`; --migrate applies them', async () => {
      const db = await freshDb(dialect, dir)
      dbs.push(db)
      const init = await runCli(['server', 'init', '--db', db.url])
      assert.equal(init.code, 0, init.stderr)
      // As after an upgrade: a migration this licctl has, the database has not run.
      const storage = await openTestStorage(db)
      try {
        await sql`drop table rate_limits`.execute(storage.db)
        await sql`delete from licctl_migrations where name = '0007-rate-limits'`.execute(storage.db)
      } finally {
        await storage.close()
      }
      const res = await runCli(['server', 'start', '--db', db.url, '--port', '0'])
      assert.equal(res.code, 2, res.stderr)
      assert.equal(res.stdout, '')
      const [first, hint, ...rest] = res.stderr.trimEnd().split('\n')
      assert.match(
        first!,
        /^Error: --db: .+ is older than this licctl: migrations pending \(0007-rate-limits\)$/,
      )
      assert.match(hint!, /^Hint: run `licctl server migrate --db .+` first, or start with --migrate$/)
      assert.deepEqual(rest, [])
      const server = await ServerProcess.start(db.url, 'warn', ['--migrate'])
      try {
        assert.equal((await fetch(`${server.url}/v1/health`)).status, 200)
      } finally {
        await server.stop()
      }
    })

    it('refuses a database migrated but never initialized; `server init` then issues its token', async () => {
      // What `server migrate` on an empty database used to leave: every table, no operator token.
      const db = await fresh()
      const storage = await openTestStorage(db)
      try {
        await migrateToLatest(storage.db)
      } finally {
        await storage.close()
      }
      const migrate = await runCli(['server', 'migrate', '--db', db.url])
      assert.equal(migrate.code, 2, migrate.stderr)
      assert.match(
        migrate.stderr,
        /is not initialized: it has no operator token\nHint: `licctl server init --db /,
      )

      const init = await runCli(['server', 'init', '--db', db.url, '--json'])
      assert.equal(init.code, 0, init.stderr)
      const out = JSON.parse(init.stdout) as { operatorToken: string; migrations: string[] }
      assert.match(out.operatorToken, /^lic_op_/)
      assert.deepEqual(out.migrations, [])
      const again = await runCli(['server', 'migrate', '--db', db.url])
      assert.equal(again.code, 0, again.stderr)
      assert.equal(again.stdout, `Up to date (${Object.keys(migrations).at(-1)}).\n`)
    })
  })

if (PG_URL)
  describe('server init on a PostgreSQL schema that does not exist, or that the role may not use', function () {
    this.timeout(60_000)
    const schemas: string[] = []
    const roles: string[] = []
    const admin = async <T>(run: (c: pg.Client) => Promise<T>): Promise<T> => {
      const c = new pg.Client({ connectionString: PG_URL })
      await c.connect()
      try {
        return await run(c)
      } finally {
        await c.end()
      }
    }
    const schemaUrl = (schema: string, user?: string) => {
      const url = new URL(PG_URL!)
      url.searchParams.set('schema', schema)
      if (user) url.username = user
      return url.toString()
    }
    const newSchemaName = () => {
      const schema = `licctl_test_${randomBytes(6).toString('hex')}`
      schemas.push(schema)
      return schema
    }
    const ownerOf = (schema: string) =>
      admin(async (c) => {
        const { rows } = await c.query<{ owner: string }>(
          'select nspowner::regrole::text as owner from pg_namespace where nspname = $1',
          [schema],
        )
        return rows[0]?.owner
      })

    after(async () => {
      await admin(async (c) => {
        for (const schema of schemas) await c.query(`drop schema if exists ${schema} cascade`)
        for (const role of roles) await c.query(`drop role if exists ${role}`)
      })
    })

    it('creates the schema, as the role connecting, then initializes it', async () => {
      const schema = newSchemaName()
      const db = schemaUrl(schema)
      const res = await runCli(['server', 'init', '--db', db, '--json'])
      assert.equal(res.code, 0, res.stderr)
      const out = JSON.parse(res.stdout) as { operatorToken: string; migrations: string[]; db: string }
      assert.match(out.operatorToken, /^lic_op_/)
      assert.deepEqual(out.migrations, Object.keys(migrations))
      // As --db takes it: the URL, its ?schema= included.
      assert.equal(out.db, db)
      assert.equal(await ownerOf(schema), new URL(PG_URL!).username || 'postgres')
      const storage = await openTestStorage({ name: 'postgres', url: db, drop: async () => {} })
      try {
        assert.equal(await isInitialized(storage.db), true)
      } finally {
        await storage.close()
      }
      const migrate = await runCli(['server', 'migrate', '--db', db])
      assert.equal(migrate.code, 0, migrate.stderr)
    })

    it('two inits at once on the missing schema: one creates and initializes it, the other is refused as already initialized', async () => {
      const schema = newSchemaName()
      const runs = await Promise.all([1, 2].map(() => runCli(['server', 'init', '--db', schemaUrl(schema)])))
      assert.deepEqual(runs.map((r) => r.code).sort(), [0, 2], runs.map((r) => r.stderr).join('\n'))
      const refused = runs.find((r) => r.code === 2)!
      assert.match(refused.stderr, /^Error: this database was initialized at /)
    })

    it('a role that may not create schemas: names the schema and the role (exit 4), creates nothing', async () => {
      const role = `licctl_test_${randomBytes(6).toString('hex')}`
      roles.push(role)
      await admin((c) => c.query(`create role ${role} login`))
      const schema = newSchemaName()
      const database = new URL(PG_URL!).pathname.slice(1)
      for (const json of [false, true]) {
        const res = await runCli([
          'server',
          'init',
          '--db',
          schemaUrl(schema, role),
          ...(json ? ['--json'] : []),
        ])
        assert.equal(res.code, 4, res.stderr)
        assert.equal(res.stdout, '')
        const message = `--db: PostgreSQL schema ${schema} does not exist, and role ${role} may not create it (no CREATE privilege on database ${database})`
        if (json) assert.deepEqual(JSON.parse(res.stderr), { error: { code: 'forbidden', message } })
        else
          assert.equal(
            res.stderr,
            `Error: ${message}\nHint: have a database owner run: create schema ${schema} authorization ${role};\n`,
          )
      }
      assert.equal(await ownerOf(schema), undefined)
    })

    it('a schema the role may not use or create in: names the schema, the role and the privileges missing (exit 4)', async () => {
      const role = `licctl_test_${randomBytes(6).toString('hex')}`
      roles.push(role)
      await admin((c) => c.query(`create role ${role} login`))
      const schema = newSchemaName()
      // Another role's schema: it exists, and this role has no privilege on it.
      await admin((c) => c.query(`create schema ${schema}`))
      const db = schemaUrl(schema, role)
      const refused = async (args: string[], message: string, grant: string) => {
        // `server start` has no --json.
        for (const json of args[1] === 'start' ? [false] : [false, true]) {
          const res = await runCli([...args, '--db', db, ...(json ? ['--json'] : [])])
          assert.equal(res.code, 4, res.stderr)
          assert.equal(res.stdout, '')
          if (json) assert.deepEqual(JSON.parse(res.stderr), { error: { code: 'forbidden', message } })
          else
            assert.equal(
              res.stderr,
              `Error: ${message}\nHint: have the schema's owner run: grant ${grant} on schema ${schema} to ${role};\n`,
            )
        }
      }
      await refused(
        ['server', 'init'],
        `--db: PostgreSQL schema ${schema} exists, but role ${role} may not use it nor create tables in it (no USAGE or CREATE privilege on schema ${schema})`,
        'usage, create',
      )
      // migrate and start use the schema's tables: only USAGE is theirs to lack here.
      const noUsage = `--db: PostgreSQL schema ${schema} exists, but role ${role} may not use it (no USAGE privilege on schema ${schema})`
      await refused(['server', 'migrate'], noUsage, 'usage')
      await refused(['server', 'start', '--port', '0'], noUsage, 'usage')
      await admin((c) => c.query(`grant usage on schema ${schema} to ${role}`))
      await refused(
        ['server', 'init'],
        `--db: PostgreSQL schema ${schema} exists, but role ${role} may not create tables in it (no CREATE privilege on schema ${schema})`,
        'create',
      )
      // The grant the hint names is all init needs.
      await admin((c) => c.query(`grant create on schema ${schema} to ${role}`))
      const init = await runCli(['server', 'init', '--db', db, '--json'])
      assert.equal(init.code, 0, init.stderr)
      assert.match((JSON.parse(init.stdout) as { operatorToken: string }).operatorToken, /^lic_op_/)
    })

    it('migrations pending on a schema the role may use but no longer create tables in: migrate refuses as init does (exit 4), applies nothing', async () => {
      const role = `licctl_test_${randomBytes(6).toString('hex')}`
      roles.push(role)
      await admin((c) => c.query(`create role ${role} login`))
      const schema = newSchemaName()
      await admin((c) =>
        c.query(`create schema ${schema}; grant usage, create on schema ${schema} to ${role}`),
      )
      const db = schemaUrl(schema, role)
      const init = await runCli(['server', 'init', '--db', db])
      assert.equal(init.code, 0, init.stderr)
      // A migration that creates a table is pending (as after an upgrade), and CREATE was revoked after init.
      await admin((c) =>
        c.query(`drop table ${schema}.rate_limits;
          delete from ${schema}.licctl_migrations where name = '0007-rate-limits';
          revoke create on schema ${schema} from ${role}`),
      )
      const message = `--db: PostgreSQL schema ${schema} exists, but role ${role} may not create tables in it (no CREATE privilege on schema ${schema})`
      for (const args of [
        ['server', 'migrate'],
        ['server', 'migrate', '--json'],
        ['server', 'start', '--port', '0', '--migrate'],
      ]) {
        const res = await runCli([...args, '--db', db])
        assert.equal(res.code, 4, res.stderr)
        assert.equal(res.stdout, '')
        if (args.includes('--json'))
          assert.deepEqual(JSON.parse(res.stderr), { error: { code: 'forbidden', message } })
        else
          assert.equal(
            res.stderr,
            `Error: ${message}\nHint: have the schema's owner run: grant create on schema ${schema} to ${role};\n`,
          )
      }
      // The grant the hint names is all migrate needs.
      await admin((c) => c.query(`grant create on schema ${schema} to ${role}`))
      const migrate = await runCli(['server', 'migrate', '--db', db])
      assert.equal(migrate.code, 0, migrate.stderr)
      assert.equal(migrate.stdout, 'Applied 0007-rate-limits.\n')
    })

    it("a role not granted licctl's tables: migrate and start refuse it as not allowed (exit 4), not as a database to initialize", async () => {
      const role = `licctl_test_${randomBytes(6).toString('hex')}`
      roles.push(role)
      await admin((c) => c.query(`create role ${role} login`))
      const schema = newSchemaName()
      const init = await runCli(['server', 'init', '--db', schemaUrl(schema)])
      assert.equal(init.code, 0, init.stderr)
      await admin((c) => c.query(`grant usage on schema ${schema} to ${role}`))
      const db = schemaUrl(schema, role)
      for (const args of [
        ['server', 'migrate'],
        ['server', 'start', '--port', '0'],
      ]) {
        const res = await runCli([...args, '--db', db])
        assert.equal(res.code, 4, res.stderr)
        assert.equal(res.stdout, '')
        assert.match(res.stderr, /^Error: --db: permission denied for table meta\n/, res.stderr)
        assert.doesNotMatch(res.stderr, /not initialized|server init/)
        assert.match(res.stderr, /Hint: connect as the role that owns licctl's tables/)
      }
    })

    it('migrations pending on tables another role owns: migrate refuses naming both roles and the owner to migrate as (exit 4), applies nothing', async () => {
      const role = `licctl_test_${randomBytes(6).toString('hex')}`
      roles.push(role)
      await admin((c) => c.query(`create role ${role} login`))
      const schema = newSchemaName()
      // The owner initializes; the servers connect as a role with read/write grants only.
      const owner = new URL(PG_URL!).username || 'postgres'
      const init = await runCli(['server', 'init', '--db', schemaUrl(schema)])
      assert.equal(init.code, 0, init.stderr)
      // A migration that alters a table is pending, as after an upgrade.
      await admin((c) =>
        c.query(`grant usage, create on schema ${schema} to ${role};
          grant select, insert, update, delete on all tables in schema ${schema} to ${role};
          alter table ${schema}.seat_pools drop column retired_at;
          alter table ${schema}.addon_pools drop column retired_at;
          alter table ${schema}.activation_entitlements drop column retired_at;
          delete from ${schema}.licctl_migrations where name = '0015-retired-pools'`),
      )
      const db = schemaUrl(schema, role)
      const message = `--db: role ${role} may not migrate PostgreSQL schema ${schema}: its tables belong to role ${owner}, and only their owner may alter them`
      for (const args of [
        ['server', 'migrate'],
        ['server', 'migrate', '--json'],
        ['server', 'start', '--port', '0', '--migrate'],
      ]) {
        const res = await runCli([...args, '--db', db])
        assert.equal(res.code, 4, res.stderr)
        assert.equal(res.stdout, '')
        if (args.includes('--json'))
          assert.deepEqual(JSON.parse(res.stderr), { error: { code: 'forbidden', message } })
        else
          assert.equal(
            res.stderr,
            `Error: ${message}\nHint: run \`licctl server migrate\` with a --db that connects as role ${owner}, which owns them; servers may keep connecting as ${role}\n`,
          )
      }
      // As the hint says: the owner migrates, and the role serves.
      const migrate = await runCli(['server', 'migrate', '--db', schemaUrl(schema)])
      assert.equal(migrate.code, 0, migrate.stderr)
      assert.equal(migrate.stdout, 'Applied 0015-retired-pools.\n')
      const server = await ServerProcess.start(db, 'warn')
      try {
        assert.equal((await fetch(`${server.url}/v1/health`)).status, 200)
      } finally {
        await server.stop()
      }
    })
  })
