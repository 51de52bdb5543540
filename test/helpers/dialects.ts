import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { openStorage, type Storage } from '../../src/storage/open.js'

/** PostgreSQL is tested when LICCTL_TEST_PG_URL is set (.ci/run sets it and fails if it is down). */
export const PG_URL = process.env.LICCTL_TEST_PG_URL

export interface TestDb {
  name: 'sqlite' | 'postgres'
  /** URL or path handed to `openStorage` / `--db`. */
  url: string
  drop(): Promise<void>
}

/** A fresh, empty database of the dialect: a temp SQLite file, or a PostgreSQL schema of its own. */
export async function freshDb(name: 'sqlite' | 'postgres', dir: string): Promise<TestDb> {
  if (name === 'sqlite')
    return { name, url: `${dir}/licctl-${randomBytes(4).toString('hex')}.sqlite`, drop: async () => {} }
  if (!PG_URL) throw new Error('LICCTL_TEST_PG_URL is not set')
  const schema = `licctl_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: PG_URL })
  await admin.connect()
  await admin.query(`create schema ${schema}`)
  await admin.end()
  const url = new URL(PG_URL)
  url.searchParams.set('schema', schema)
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL })
      await c.connect()
      await c.query(`drop schema if exists ${schema} cascade`)
      await c.end()
    },
  }
}

/** The dialects this run covers: SQLite always, PostgreSQL when configured. */
export const DIALECTS: Array<'sqlite' | 'postgres'> = PG_URL ? ['sqlite', 'postgres'] : ['sqlite']

export async function openTestStorage(db: TestDb): Promise<Storage> {
  return openStorage(db.url)
}
