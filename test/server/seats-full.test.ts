import { strict as assert } from 'node:assert'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

// "I can't start the app, all seats are taken": the refusal is the first thing the user (and then
// support) reads. It named the holders but not which of them were stuck, so a pool full of crashed
// apps read exactly as a pool full of people at work, and support asked colleagues to close apps
// that had long stopped running instead of releasing the stale seats.
for (const dialect of DIALECTS)
  describe(`seats: a full pool says which seats are stuck, on ${dialect}`, function () {
    let t: TestApp
    let admin: string
    const base = '/v1/orgs/acme/seats'
    const checkout = (user: string, host: string, roamUntil?: string) =>
      t.call(admin, 'POST', `${base}/pools/cad/checkout`, { host, user, ...(roamUntil ? { roamUntil } : {}) })

    before(async () => {
      t = await startApp(dialect)
      admin = await t.org('acme', 'admin@acme.test')
      const add = await t.call(admin, 'POST', '/v1/orgs/acme/users/bulk-add', {
        items: ['alice', 'bob', 'dave'].map((n) => ({ email: `${n}@acme.test` })),
      })
      assert.equal(add.status, 200, JSON.stringify(add.body))
      const pool = await t.call(t.operatorToken, 'POST', `${base}/pools`, {
        product: 'cad',
        seats: 2,
        expires: '2099-12-31',
        leaseTtlSeconds: 900,
        maxRoamingSeconds: 7 * 86400,
      })
      assert.equal(pool.status, 201, JSON.stringify(pool.body))
      assert.equal((await checkout('alice@acme.test', 'lap-a', '3d')).status, 200)
      t.clock.advance(1000)
      assert.equal((await checkout('bob@acme.test', 'ws-b')).status, 200)
    })
    after(async () => t?.close())

    it('every holder at work: named as before, with no advice to release', async () => {
      const res = await checkout('dave@acme.test', 'ws-d')
      assert.equal(res.status, 409)
      assert.equal(res.body.error.code, 'no_free_seat')
      assert.equal(
        res.body.error.message,
        "all 2 seats of 'cad' are in use: alice@acme.test (lap-a, roaming), bob@acme.test (ws-b)",
      )
      assert.deepEqual(
        res.body.error.details.holders.map((h: { user: string; state: string }) => [h.user, h.state]),
        [
          ['alice@acme.test', 'roaming'],
          ['bob@acme.test', 'active'],
        ],
      )
      assert.equal(res.body.error.details.stale, 0)
    })

    it('a stale holder is marked, counted, and the message says how to free it', async () => {
      t.clock.advance(16 * 60_000) // bob's app stopped heartbeating: his seat is stuck
      const res = await checkout('dave@acme.test', 'ws-d')
      assert.equal(res.status, 409)
      assert.equal(
        res.body.error.message,
        "all 2 seats of 'cad' are in use: alice@acme.test (lap-a, roaming), bob@acme.test (ws-b, stale); 1 is stale (no heartbeat for over 15m): an admin frees stuck seats with `licctl seats release --stale`",
      )
      assert.deepEqual(
        res.body.error.details.holders.map((h: { user: string; state: string }) => [h.user, h.state]),
        [
          ['alice@acme.test', 'roaming'],
          ['bob@acme.test', 'stale'],
        ],
      )
      assert.equal(res.body.error.details.stale, 1)
      // explain says the same: the pool is full, but of a stuck seat.
      const why = await t.call(admin, 'GET', '/v1/orgs/acme/explain/dave@acme.test?subject=pool&name=cad')
      assert.equal(why.status, 200, JSON.stringify(why.body))
      assert.equal(
        why.body.summary,
        'dave@acme.test holds no cad seat and none is free: all 2 are in use, but 1 is stale (no heartbeat for over 15m): an admin frees stuck seats with licctl seats release --stale (licctl seats stuck lists them).',
      )
      assert.deepEqual(
        why.body.evidence.find((f: { fact: string }) => f.fact === 'pool'),
        { fact: 'pool', detail: '2 of 2 seats in use (1 stale), valid through 2099-12-31' },
      )
    })
  })
