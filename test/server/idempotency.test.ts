import { strict as assert } from 'node:assert'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

for (const dialect of DIALECTS) {
  describe(`Idempotency-Key on ${dialect}`, function () {
    let t: TestApp
    let alice: string
    let n = 0
    const newKey = () => `test-key-${dialect}-${++n}`

    /** inject() with a token and an Idempotency-Key, keeping the raw response (headers included). */
    const send = (
      token: string,
      method: 'POST' | 'PATCH' | 'DELETE' | 'GET',
      url: string,
      key: string,
      payload?: object,
    ) =>
      t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': key },
        ...(payload ? { payload } : {}),
      })
    /** A one-seat pool of acme (the operator provisions it); answers its checkout URL. */
    const oneSeatPool = async (product: string) => {
      const prov = await t.call(t.operatorToken, 'POST', '/v1/orgs/acme/seats/pools', {
        product,
        seats: 1,
        expires: '2099-12-31',
      })
      assert.equal(prov.status, 201, JSON.stringify(prov.body))
      return `/v1/orgs/acme/seats/pools/${product}/checkout`
    }
    const auditCount = async (action: string) =>
      (await t.call(alice, 'GET', `/v1/orgs/acme/audit?limit=1000&action=${action}`)).body.items.length

    before(async () => {
      t = await startApp(dialect)
      alice = await t.org('acme', 'alice@acme.test')
    })
    after(async () => t.close())

    it('replays the stored response for a retry with the same key and body, changing nothing twice', async () => {
      const key = newKey()
      const first = await send(alice, 'PATCH', '/v1/orgs/acme', key, { contactPhone: '+1 555 0100' })
      assert.equal(first.statusCode, 200)
      assert.equal(first.headers['idempotent-replayed'], undefined)
      const updates = await auditCount('org.update')
      t.clock.advance(5_000)
      const retry = await send(alice, 'PATCH', '/v1/orgs/acme', key, { contactPhone: '+1 555 0100' })
      assert.equal(retry.statusCode, 200)
      assert.equal(retry.headers['idempotent-replayed'], 'true')
      assert.equal(retry.body, first.body)
      assert.equal(await auditCount('org.update'), updates)
    })

    it("stores a seat checkout's answer with its change: sent once as stored, replayed byte for byte", async () => {
      const url = await oneSeatPool('idem-seat')
      const key = newKey()
      const first = await send(alice, 'POST', url, key, { host: 'ws-idem' })
      assert.equal(first.statusCode, 200, first.body)
      assert.equal(first.headers['content-type'], 'application/json; charset=utf-8')
      assert.equal(first.json().reused, false)
      const row = await t.storage.db
        .selectFrom('idempotency_keys')
        .select(['status_code', 'response_body'])
        .where('key', '=', key)
        .executeTakeFirstOrThrow()
      assert.deepEqual(row, { status_code: 200, response_body: first.body })
      const retry = await send(alice, 'POST', url, key, { host: 'ws-idem' })
      assert.equal(retry.statusCode, 200)
      assert.equal(retry.headers['idempotent-replayed'], 'true')
      assert.equal(retry.body, first.body)
      // The one seat is taken once: a new key for another host finds the pool full.
      const other = await send(alice, 'POST', url, newKey(), { host: 'ws-other' })
      assert.equal(other.statusCode, 409)
      assert.equal(other.json().error.code, 'no_free_seat')
      const reused = await send(alice, 'POST', url, key, { host: 'ws-elsewhere' })
      assert.equal(reused.statusCode, 422)
      assert.equal(reused.json().error.code, 'idempotency_key_reused')
    })

    // On PostgreSQL the two requests truly overlap (this failed there before keys were reserved);
    // on SQLite the single connection already serializes them.
    it('runs only one of two requests racing with the same key; the other is told it is in progress', async () => {
      const key = newKey()
      const items = Array.from({ length: 600 }, (_, i) => ({ email: `race${i}@acme.test` }))
      const jobsBefore = await auditCount('user.add.bulk')
      const [a, b] = await Promise.all([
        send(alice, 'POST', '/v1/orgs/acme/users/bulk-add', key, { items }),
        send(alice, 'POST', '/v1/orgs/acme/users/bulk-add', key, { items }),
      ])
      const ran = [a, b].filter((r) => r.statusCode === 200 && r.headers['idempotent-replayed'] === undefined)
      assert.equal(ran.length, 1, `${a.statusCode} ${b.statusCode}`)
      assert.equal(ran[0]!.json().summary.changed, 600)
      const other = ran[0] === a ? b : a
      if (other.statusCode === 409) assert.equal(other.json().error.code, 'idempotency_in_progress')
      else assert.equal(other.headers['idempotent-replayed'], 'true')
      assert.equal(await auditCount('user.add.bulk'), jobsBefore + 1)
      // Once the first has answered, the same key replays it.
      const later = await send(alice, 'POST', '/v1/orgs/acme/users/bulk-add', key, { items })
      assert.equal(later.headers['idempotent-replayed'], 'true')
      assert.equal(later.body, ran[0]!.body)
    })

    // A checkout writes its key with its answer at the end of its transaction, and its route does
    // not look the key up first. The requests that lose the race must still never answer on their
    // own: not a second lease, and not "no free seat" for the one seat the winner took (on
    // PostgreSQL a loser can read "no lease yet", then wait for the pool row the winner holds).
    it('runs only one of several seat checkouts racing with the same key; the others are in progress or replay it', async () => {
      const checkoutsBefore = await auditCount('seats.checkout')
      for (let round = 0; round < 6; round++) {
        const url = await oneSeatPool(`idem-race-${round}`)
        const key = newKey()
        const answers = await Promise.all(
          [0, 1, 2, 3].map(() => send(alice, 'POST', url, key, { host: 'ws-race' })),
        )
        const fresh = answers.filter(
          (r) => r.statusCode === 200 && r.headers['idempotent-replayed'] === undefined,
        )
        const all = answers.map((r) => `${r.statusCode} ${r.body}`).join('\n')
        assert.equal(fresh.length, 1, all)
        assert.equal(fresh[0]!.json().reused, false)
        for (const other of answers.filter((r) => r !== fresh[0])) {
          if (other.statusCode === 409) assert.equal(other.json().error.code, 'idempotency_in_progress', all)
          else {
            assert.equal(other.headers['idempotent-replayed'], 'true', all)
            assert.equal(other.body, fresh[0]!.body)
          }
        }
        const stored = await t.storage.db
          .selectFrom('idempotency_keys')
          .select(['status_code', 'response_body'])
          .where('key', '=', key)
          .executeTakeFirstOrThrow()
        assert.deepEqual(stored, { status_code: 200, response_body: fresh[0]!.body })
      }
      assert.equal(await auditCount('seats.checkout'), checkoutsBefore + 6)
    })

    // Its route does not look the key up before running: a retry that arrives once the state has
    // moved on (the lease checked in, the one seat taken by someone else) must still replay the
    // first answer, not refuse with "no free seat".
    it('replays a seat checkout for a late retry even when the checkout itself would now be refused', async () => {
      const url = await oneSeatPool('idem-late')
      const key = newKey()
      const first = await send(alice, 'POST', url, key, { host: 'ws-late' })
      assert.equal(first.statusCode, 200, first.body)
      const checkin = await send(
        alice,
        'POST',
        `/v1/orgs/acme/seats/leases/${first.json().id}/checkin`,
        newKey(),
      )
      assert.equal(checkin.statusCode, 200, checkin.body)
      const other = await send(alice, 'POST', url, newKey(), { host: 'ws-someone-else' })
      assert.equal(other.statusCode, 200, other.body)
      const retry = await send(alice, 'POST', url, key, { host: 'ws-late' })
      assert.equal(retry.headers['idempotent-replayed'], 'true', `${retry.statusCode} ${retry.body}`)
      assert.equal(retry.statusCode, 200)
      assert.equal(retry.body, first.body)
    })

    it('takes over a reservation abandoned by a server that died mid-request', async () => {
      const key = newKey()
      await t.storage.db
        .insertInto('idempotency_keys')
        .values({
          scope: (await t.call(alice, 'GET', '/v1/me')).body.tokenId,
          key,
          request_hash: 'x',
          status_code: 0,
          response_body: '',
          created_at: t.clock.now(),
        })
        .execute()
      const hashOf = await send(alice, 'PATCH', '/v1/orgs/acme', key, { contactPhone: '+1 555 0199' })
      assert.equal(hashOf.statusCode, 422)
      await t.storage.db.deleteFrom('idempotency_keys').where('key', '=', key).execute()
      const scope = (await t.call(alice, 'GET', '/v1/me')).body.tokenId as string
      const first = await send(alice, 'PATCH', '/v1/orgs/acme', key, { contactPhone: '+1 555 0199' })
      assert.equal(first.statusCode, 200)
      // Simulate the crash: the stored answer is gone, only the reservation is left.
      await t.storage.db
        .updateTable('idempotency_keys')
        .set({ status_code: 0, response_body: '' })
        .where('scope', '=', scope)
        .where('key', '=', key)
        .execute()
      const busy = await send(alice, 'PATCH', '/v1/orgs/acme', key, { contactPhone: '+1 555 0199' })
      assert.equal(busy.statusCode, 409)
      assert.equal(busy.json().error.code, 'idempotency_in_progress')
      t.clock.advance(121_000)
      const retried = await send(alice, 'PATCH', '/v1/orgs/acme', key, { contactPhone: '+1 555 0199' })
      assert.equal(retried.statusCode, 200)
      assert.equal(retried.headers['idempotent-replayed'], undefined)
    })

    it('refuses the same key with a different body (422 idempotency_key_reused)', async () => {
      const key = newKey()
      await send(alice, 'PATCH', '/v1/orgs/acme', key, { contactPhone: '+1 555 0101' })
      const other = await send(alice, 'PATCH', '/v1/orgs/acme', key, { contactPhone: '+1 555 0102' })
      assert.equal(other.statusCode, 422)
      assert.deepEqual(other.json(), {
        error: {
          code: 'idempotency_key_reused',
          message: 'this Idempotency-Key was used for a different request',
        },
      })
      assert.equal((await t.call(alice, 'GET', '/v1/orgs/acme')).body.contactPhone, '+1 555 0101')
    })

    it('refuses the same key on another path', async () => {
      const key = newKey()
      await send(alice, 'POST', '/v1/orgs/acme/users/bulk-add', key, { items: [{ email: 'p1@acme.test' }] })
      const elsewhere = await send(alice, 'POST', '/v1/orgs/acme/users/bulk-remove', key, {
        items: [{ email: 'p1@acme.test' }],
      })
      assert.equal(elsewhere.statusCode, 422)
    })

    it('keeps keys apart per token', async () => {
      const key = newKey()
      const second = (await t.call(alice, 'POST', '/v1/orgs/acme/tokens', { name: 'second' })).body.token
      const a = await send(alice, 'POST', '/v1/orgs/acme/users/bulk-add', key, {
        items: [{ email: 'k1@acme.test' }],
      })
      const b = await send(second, 'POST', '/v1/orgs/acme/users/bulk-add', key, {
        items: [{ email: 'k1@acme.test' }],
      })
      assert.equal(a.json().results[0].status, 'changed')
      assert.equal(b.headers['idempotent-replayed'], undefined)
      assert.equal(b.json().results[0].status, 'already-so')
    })

    it('replays a refusal too, so a retry never turns a refusal into a change', async () => {
      const key = newKey()
      const first = await send(alice, 'PATCH', '/v1/orgs/acme/users/alice@acme.test', key, { role: 'member' })
      assert.equal(first.statusCode, 409)
      assert.equal(first.json().error.code, 'last_admin')
      const retry = await send(alice, 'PATCH', '/v1/orgs/acme/users/alice@acme.test', key, { role: 'member' })
      assert.equal(retry.statusCode, 409)
      assert.equal(retry.headers['idempotent-replayed'], 'true')
      assert.equal(retry.body, first.body)
    })

    it('does not consume a key on a request that failed validation', async () => {
      const key = newKey()
      const bad = await send(alice, 'PATCH', '/v1/orgs/acme', key, {
        contactPhone: '+1 555 0103',
        colour: 'red',
      })
      assert.equal(bad.statusCode, 400)
      const fixed = await send(alice, 'PATCH', '/v1/orgs/acme', key, { contactPhone: '+1 555 0103' })
      assert.equal(fixed.statusCode, 200)
      assert.equal(fixed.headers['idempotent-replayed'], undefined)
    })

    it('refuses a malformed key with 400 and ignores keys on reads', async () => {
      const bad = await send(alice, 'PATCH', '/v1/orgs/acme', 'short', { name: 'Acme' })
      assert.equal(bad.statusCode, 400)
      assert.deepEqual(bad.json().error, {
        code: 'bad_request',
        message: 'Idempotency-Key must be 8–200 characters of [A-Za-z0-9._:-]',
      })
      const key = newKey()
      await send(alice, 'GET', '/v1/orgs/acme', key)
      const again = await send(alice, 'GET', '/v1/orgs/acme', key)
      assert.equal(again.headers['idempotent-replayed'], undefined)
    })

    it('never stores a created token: a retry is refused with the token id to revoke, and no second token exists', async () => {
      const key = newKey()
      const created = await send(alice, 'POST', '/v1/orgs/acme/tokens', key, { name: 'ci-retry' })
      assert.equal(created.statusCode, 201)
      const { id, token } = created.json() as { id: string; token: string }
      const stored = await t.storage.db
        .selectFrom('idempotency_keys')
        .select('response_body')
        .where('key', '=', key)
        .executeTakeFirstOrThrow()
      assert.ok(!stored.response_body.includes(token.slice(6)), 'the secret is not stored')
      assert.equal(JSON.parse(stored.response_body).token, 'lic_u_[REDACTED]')
      const retry = await send(alice, 'POST', '/v1/orgs/acme/tokens', key, { name: 'ci-retry' })
      assert.equal(retry.statusCode, 409)
      const err = retry.json().error
      assert.equal(err.code, 'secret_not_replayable')
      assert.equal(
        err.message,
        'this request already succeeded and created a token, which is shown only once: revoke it and create another',
      )
      assert.equal(err.details.response.id, id)
      assert.ok(!retry.body.includes(token.slice(6)))
      const named = (await t.call(alice, 'GET', '/v1/orgs/acme/tokens?limit=1000')).body.items.filter(
        (i: { name: string | null }) => i.name === 'ci-retry',
      )
      assert.equal(named.length, 1)
    })

    it('never stores the first admin’s token of a new organization either', async () => {
      const key = newKey()
      const created = await send(t.operatorToken, 'POST', '/v1/orgs', key, {
        slug: 'initech',
        name: 'Initech',
        admin: { email: 'peter@initech.test' },
      })
      assert.equal(created.statusCode, 201)
      const token = created.json().admin.token as string
      const rows = await t.storage.db.selectFrom('idempotency_keys').select('response_body').execute()
      assert.ok(rows.every((r) => !r.response_body.includes(token.slice(6))))
      const retry = await send(t.operatorToken, 'POST', '/v1/orgs', key, {
        slug: 'initech',
        name: 'Initech',
        admin: { email: 'peter@initech.test' },
      })
      assert.equal(retry.json().error.code, 'secret_not_replayable')
      assert.equal(retry.json().error.details.response.organization.slug, 'initech')
    })
  })
}
