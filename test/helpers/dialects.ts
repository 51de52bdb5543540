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

/**
 * A fresh PostgreSQL database of its own (not a schema) whose default collation is a language's,
 * en-US: by ICU where the server has it (PostgreSQL 15+), else by the libc locale en_US.utf8. Such
 * a database orders text as a language does (`alpha` before `Zeta`) unless a column says otherwise.
 * Returns why not when the server has neither (or PostgreSQL is not configured).
 */
export async function freshLanguageCollatedDb(): Promise<TestDb | { unavailable: string }> {
  if (!PG_URL) return { unavailable: 'LICCTL_TEST_PG_URL is not set' }
  const name = `licctl_test_en_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: PG_URL })
  await admin.connect()
  try {
    const version = Number((await admin.query('show server_version_num')).rows[0].server_version_num)
    const has = async (where: string) =>
      (await admin.query(`select 1 from pg_collation where ${where} limit 1`)).rowCount! > 0
    let locale: string
    if (version >= 150000 && (await has(`collprovider = 'i' and collname = 'en-US-x-icu'`)))
      locale = `locale_provider icu icu_locale 'en-US'`
    else if (await has(`collprovider = 'c' and collname in ('en_US.utf8', 'en_US.UTF-8')`))
      locale = `lc_collate 'en_US.utf8' lc_ctype 'en_US.utf8'`
    else
      return {
        unavailable: `PostgreSQL ${version} has neither an ICU en-US collation nor the en_US.utf8 locale`,
      }
    await admin.query(`create database ${name} template template0 encoding 'UTF8' ${locale}`)
  } finally {
    await admin.end()
  }
  const url = new URL(PG_URL)
  url.pathname = `/${name}`
  return {
    name: 'postgres',
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL })
      await c.connect()
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
    },
  }
}

/** The dialects this run covers: SQLite always, PostgreSQL when configured. */
export const DIALECTS: Array<'sqlite' | 'postgres'> = PG_URL ? ['sqlite', 'postgres'] : ['sqlite']

export async function openTestStorage(db: TestDb): Promise<Storage> {
  return openStorage(db.url)
}
