import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { isInitialized } from '../../src/server/services/operator.js'
import { migrations } from '../../src/storage/migrations/index.js'
import { PG_URL, openTestStorage } from '../helpers/dialects.js'
import { runCli } from '../helpers/e2e.js'

if (PG_URL)
  describe('server init on a PostgreSQL schema that does not exist', function () {
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
      assert.match(out.db, new RegExp(`\\(schema ${schema}\\)$`))
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
  })
