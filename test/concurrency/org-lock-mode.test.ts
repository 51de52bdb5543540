import { strict as assert } from 'node:assert'
import pg from 'pg'
import { contentionRetries } from '../../src/server/transaction.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { PG_URL } from '../helpers/dialects.js'
import { answeredOrBlocked, holdRemoval, type Answer } from '../helpers/hold-removal.js'

/**
 * Removing an admin counts the admins with the organization's row locked (last_admin). The lock is
 * FOR NO KEY UPDATE (e4b4536): it serializes those counts and nothing else. FOR UPDATE also holds
 * off every insert whose foreign key names the organization (the key-share lock the check takes):
 * adding a device or a member, generating an activation ID, creating a token anywhere in the
 * organization would wait for the removal to end.
 *
 * Deterministic: a removal hook (hooks run after the count, with the row locked) holds the removal's
 * transaction open; the write runs on another connection of the pool and must answer while it is
 * held. Whether the write waits for the removal is read from PostgreSQL (pg_blocking_pids names the
 * removal's backend), not guessed from time.
 */
const describePg = PG_URL ? describe : describe.skip

describePg(
  'concurrency: an open admin removal does not hold off inserts whose foreign key names the organization, on postgres',
  function () {
    this.timeout(60_000)
    let t: TestApp
    let admin: string
    let monitor: pg.Client

    before(async () => {
      t = await startApp('postgres')
      admin = await t.org('lock', 'ann@lock.test')
      const add = await t.call(admin, 'POST', '/v1/orgs/lock/users/bulk-add', {
        items: [{ email: 'eve@lock.test' }],
      })
      assert.equal(add.status, 200, JSON.stringify(add.body))
      const category = await t.call(t.operatorToken, 'POST', '/v1/devices/categories', { name: 'router' })
      assert.equal(category.status, 201, JSON.stringify(category.body))
      const ent = await t.call(t.operatorToken, 'POST', '/v1/orgs/lock/activations/entitlements', {
        product: 'sim',
        type: 'NL',
        seats: 100,
        expires: '2030-12-31',
      })
      assert.equal(ent.status, 201, JSON.stringify(ent.body))
      monitor = new pg.Client({ connectionString: PG_URL })
      await monitor.connect()
    })
    after(async () => {
      await monitor?.end()
      await t?.close()
    })

    /**
     * Removes admin `email` with its transaction held open in a removal hook (after the last-admin
     * count locked the organization's row), runs `write` meanwhile, and says how `write` ended: it
     * answered, or PostgreSQL showed it waiting for the removal.
     */
    async function whileRemovalHeld(email: string, write: () => Promise<Answer>) {
      const held = await holdRemoval(
        () => t.call(admin, 'POST', '/v1/orgs/lock/users/bulk-remove', { items: [{ email }] }),
        email,
        0,
      )
      try {
        // The organization's row is locked by the removal now (the count ran before the hooks).
        const locks = await monitor.query<{ mode: string }>(
          `select l.mode from pg_locks l join pg_class c on c.oid = l.relation
         where l.pid = $1 and c.relname = 'organizations' and l.mode like 'Row%'`,
          [held.pid],
        )
        assert.ok(locks.rows.length > 0, 'the removal holds a row lock on organizations')
        const writing = write()
        const { blocked } = await answeredOrBlocked(monitor, held.pid, writing)
        held.release()
        const [removed, written] = await Promise.all([held.answer, writing])
        assert.equal(removed.status, 200, JSON.stringify(removed.body))
        assert.equal(removed.body.summary.changed, 1, JSON.stringify(removed.body))
        return { blocked, written }
      } finally {
        held.release()
      }
    }

    // Rows whose foreign key names the organization: the insert's check takes a key-share lock on its
    // row, which FOR UPDATE refuses and FOR NO KEY UPDATE allows. (Audit entries name it by a plain
    // column, no foreign key: a checkout's or an activation's entry never waited on this lock.)
    const writers: Array<{ what: string; write: (round: number) => Promise<Answer> }> = [
      {
        what: 'adding a device (devices.org_id)',
        write: (round) =>
          t.call(admin, 'POST', '/v1/orgs/lock/devices/bulk-add', {
            items: [{ serial: `SN-${round}`, category: 'router' }],
          }),
      },
      {
        what: 'generating an activation ID (activation_ids.org_id)',
        write: () => t.call(admin, 'POST', '/v1/orgs/lock/activations/ids', { product: 'sim', quantity: 1 }),
      },
      {
        what: "creating a member's token (tokens.org_id)",
        write: () => t.call(admin, 'POST', '/v1/orgs/lock/tokens', { userEmail: 'eve@lock.test' }),
      },
      {
        what: 'adding a member (memberships.org_id)',
        write: (round) =>
          t.call(admin, 'POST', '/v1/orgs/lock/users/bulk-add', {
            items: [{ email: `new${round}@lock.test` }],
          }),
      },
    ]

    for (const [round, w] of writers.entries())
      it(`${w.what} finishes while an admin's removal holds the organization's row`, async () => {
        const before = { ...contentionRetries }
        const email = `boss${round}@lock.test`
        const add = await t.call(admin, 'POST', '/v1/orgs/lock/users/bulk-add', {
          items: [{ email, role: 'admin' }],
        })
        assert.equal(add.status, 200, JSON.stringify(add.body))
        const { blocked, written } = await whileRemovalHeld(email, () => w.write(round))
        assert.deepEqual(blocked, [], 'waited for the removal')
        assert.ok(written.status === 200 || written.status === 201, JSON.stringify(written.body))
        assert.deepEqual(contentionRetries, before, 'transactions retried')
      })
  },
)
