import { strict as assert } from 'node:assert'
import { sql } from 'kysely'
import * as byteOrderKeys from '../../src/storage/migrations/0013-byte-order-keys.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { freshLanguageCollatedDb, PG_URL, type TestDb } from '../helpers/dialects.js'

const START = Date.parse('2026-01-15T10:00:00Z')
const EXPIRES = '2027-01-01'

/** Names a language's collation orders otherwise than bytes: case, `-` `.` `_` `:`, digits. */
const NAMES = ['zeta', 'alpha', 'a-b', 'ab', 'a_b', 'a.b', 'a1']
const NAMES_IN_BYTE_ORDER = ['a-b', 'a.b', 'a1', 'a_b', 'ab', 'alpha', 'zeta']
const EMAILS = ['zeta', 'alpha', '_x', 'a-b', 'ab', 'a_b', 'a', 'a1'].map((n) => `${n}@x.test`)
const SERIALS = ['Zeta', 'alpha', 'a-b', 'ab', 'AB', 'Ab', 'a_b', 'a.b', 'a1', 'a:b']
/** Host names are one in any case: these are six hosts, ordered by their A–Z fold. */
const HOSTS = ['Zeta', 'alpha', '_x', 'a-b', 'ab', 'A_b']
const HOSTS_IN_BYTE_ORDER_OF_THEIR_FOLD = ['_x', 'a-b', 'A_b', 'ab', 'alpha', 'Zeta']

interface Target {
  label: string
  dialect: 'sqlite' | 'postgres'
  /** A database of its own (a language's collation); absent: a fresh one of the dialect. */
  db?: () => Promise<TestDb | { unavailable: string }>
}

const TARGETS: Target[] = [
  { label: 'SQLite', dialect: 'sqlite' },
  ...(PG_URL
    ? [
        { label: 'PostgreSQL', dialect: 'postgres' as const },
        {
          label: 'PostgreSQL, a database collated en-US',
          dialect: 'postgres' as const,
          db: freshLanguageCollatedDb,
        },
      ]
    : []),
]

/**
 * Every list comes out in byte order of its key, on SQLite, on PostgreSQL, and on a PostgreSQL
 * database whose default collation is a language's (where `alpha` sorted before `Zeta`).
 */
for (const target of TARGETS) {
  describe(`list order on ${target.label}: byte order of the key`, function () {
    let t: TestApp | undefined
    let admin: string
    let id: string

    const ok = async (token: string, method: string, path: string, body?: object) => {
      const res = await t!.call(token, method, path, body)
      assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`)
      return res.body
    }
    /** Every item of a list, page by page (3 a page, so cursors cross the odd names), read by `key`. */
    const all = async (path: string, key: (item: any) => string) => {
      const keys: string[] = []
      let cursor: string | null = null
      do {
        const sep = path.includes('?') ? '&' : '?'
        const page: { items: unknown[]; nextCursor: string | null } = await ok(
          admin,
          'GET',
          `${path}${sep}limit=3${cursor === null ? '' : `&cursor=${cursor}`}`,
        )
        keys.push(...page.items.map(key))
        cursor = page.nextCursor
      } while (cursor !== null)
      // One page says the same.
      const whole = await ok(admin, 'GET', `${path}${path.includes('?') ? '&' : '?'}limit=1000`)
      assert.deepEqual(whole.items.map(key), keys, `${path}: one page and pages of 3 agree`)
      return keys
    }

    before(async function () {
      let db: TestDb | undefined
      if (target.db) {
        const made = await target.db()
        if ('unavailable' in made) {
          console.log(`      skipped: ${made.unavailable}`)
          this.skip()
        }
        db = made as TestDb
      }
      t = await startApp(target.dialect, START, db)
      admin = await t.org('acme', 'admin@acme.test')
      const op = t.operatorToken
      const org = '/v1/orgs/acme'
      await ok(admin, 'POST', `${org}/users/bulk-add`, { items: EMAILS.map((email) => ({ email })) })
      for (const name of NAMES) {
        await ok(op, 'POST', `${org}/seats/pools`, { product: name, seats: 1, expires: EXPIRES })
        await ok(op, 'POST', `${org}/cloud/addons`, { key: name, name, total: 1, expires: EXPIRES })
        await ok(op, 'POST', `${org}/activations/entitlements`, {
          product: name,
          type: 'CC',
          seats: 1,
          expires: EXPIRES,
        })
        await ok(op, 'POST', '/v1/devices/categories', { name, models: [] })
      }
      await ok(op, 'POST', '/v1/devices/categories', { name: 'router', models: ['R1'] })
      await ok(admin, 'POST', `${org}/devices/bulk-add`, {
        items: SERIALS.map((serial) => ({ serial, category: 'router' })),
      })
      await ok(op, 'POST', `${org}/activations/entitlements`, {
        product: 'flow',
        type: 'CC',
        seats: HOSTS.length,
        expires: EXPIRES,
      })
      id = (await ok(admin, 'POST', `${org}/activations/ids`, { product: 'flow', quantity: HOSTS.length })).id
      // All at one instant (the clock stands still): the hosts are ordered by their name alone.
      for (const host of HOSTS) await ok(admin, 'POST', `${org}/activations/ids/${id}/activate`, { host })
    })
    after(async () => {
      await t?.close()
    })

    it('members by email', async () => {
      assert.deepEqual(await all('/v1/orgs/acme/users', (u) => u.email), [
        '_x@x.test',
        'a-b@x.test',
        'a1@x.test',
        'a@x.test',
        'a_b@x.test',
        'ab@x.test',
        'admin@acme.test',
        'alpha@x.test',
        'zeta@x.test',
      ])
    })

    it('seat pools, add-ons and entitlements by product or key', async () => {
      assert.deepEqual(await all('/v1/orgs/acme/seats/pools', (p) => p.product), NAMES_IN_BYTE_ORDER)
      assert.deepEqual(await all('/v1/orgs/acme/cloud/addons', (a) => a.key), NAMES_IN_BYTE_ORDER)
      assert.deepEqual(await all('/v1/orgs/acme/activations/entitlements', (e) => e.product), [
        'a-b',
        'a.b',
        'a1',
        'a_b',
        'ab',
        'alpha',
        'flow',
        'zeta',
      ])
    })

    it('device categories by name, devices by serial', async () => {
      const categories = await ok(admin, 'GET', '/v1/devices/categories')
      assert.deepEqual(
        categories.items.map((c: { name: string }) => c.name),
        ['a-b', 'a.b', 'a1', 'a_b', 'ab', 'alpha', 'router', 'zeta'],
      )
      assert.deepEqual(await all('/v1/orgs/acme/devices', (d) => d.serial), [
        'AB',
        'Ab',
        'Zeta',
        'a-b',
        'a.b',
        'a1',
        'a:b',
        'a_b',
        'ab',
        'alpha',
      ])
    })

    it('an ID’s hosts, its explanation and its orphans by host in any case', async () => {
      const shown = await ok(admin, 'GET', `/v1/orgs/acme/activations/ids/${id}`)
      assert.deepEqual(
        shown.hosts.map((h: { host: string }) => h.host),
        HOSTS_IN_BYTE_ORDER_OF_THEIR_FOLD,
      )
      const why = `/v1/orgs/acme/explain/admin@acme.test?subject=activation&name=${id}`
      const before = await ok(admin, 'GET', why)
      assert.equal(
        before.evidence.find((f: { fact: string }) => f.fact === 'hosts').detail,
        HOSTS_IN_BYTE_ORDER_OF_THEIR_FOLD.map((h) => `${h} (1)`).join(', '),
      )
      await ok(admin, 'POST', `/v1/orgs/acme/activations/ids/${id}/return`, { force: true })
      assert.deepEqual(
        await all('/v1/orgs/acme/activations/orphans', (o) => o.host),
        HOSTS_IN_BYTE_ORDER_OF_THEIR_FOLD,
      )
      const after = await ok(admin, 'GET', why)
      assert.match(
        after.evidence.find((f: { fact: string }) => f.fact === 'orphans').detail,
        new RegExp(
          `^${HOSTS_IN_BYTE_ORDER_OF_THEIR_FOLD.map((h) => `${h} \\(1 seat, ID returned\\)`).join(', ')} still`,
        ),
      )
    })

    it('0013 gives each key column the C collation on PostgreSQL, the orphans index its id, and down undoes both', async function () {
      const db = t!.storage.db
      const collations = async () => {
        if (target.dialect !== 'postgres') return []
        const { rows } = await sql<{
          table_name: string
          column_name: string
          collation_name: string | null
        }>`
          select table_name, column_name, collation_name from information_schema.columns
          where table_schema = current_schema()`.execute(db)
        return byteOrderKeys.BYTE_ORDER_KEYS.map(
          ([table, column]) =>
            rows.find((r) => r.table_name === table && r.column_name === column)?.collation_name ?? null,
        )
      }
      /** The columns of the orphans' index by org and host. */
      const orphansIndex = async () =>
        target.dialect === 'postgres'
          ? (
              await sql<{ column: string }>`select a.attname as column
                from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
                where i.indexrelid = 'activation_orphans_org_host_key'::regclass
                order by array_position(i.indkey, a.attnum)`.execute(db)
            ).rows.map((r) => r.column)
          : (
              await sql<{
                name: string
              }>`select name from pragma_index_info('activation_orphans_org_host_key')
                order by seqno`.execute(db)
            ).rows.map((r) => r.name)
      const C = target.dialect === 'postgres' ? byteOrderKeys.BYTE_ORDER_KEYS.map(() => 'C') : []
      assert.deepEqual(await collations(), C)
      assert.deepEqual(await orphansIndex(), ['org_id', 'host_key', 'id'])
      await byteOrderKeys.down(db)
      assert.deepEqual(
        await collations(),
        C.map(() => null),
      )
      assert.deepEqual(await orphansIndex(), ['org_id', 'host_key'])
      await byteOrderKeys.up(db)
      assert.deepEqual(await collations(), C)
      assert.deepEqual(await orphansIndex(), ['org_id', 'host_key', 'id'])
    })
  })
}
