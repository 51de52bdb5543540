import { strict as assert } from 'node:assert'
import { sql } from 'kysely'
import pg from 'pg'
import { DEFAULT_AUTH_FAILURE_LIMITS } from '../../src/server/rate-limit.js'
import { contentionRetries } from '../../src/server/transaction.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS, PG_URL } from '../helpers/dialects.js'
import { answeredOrBlocked, holdRemoval, type Answer } from '../helpers/hold-removal.js'

/**
 * Removing members while they (or admins, for them) are busy in the organization: checking out,
 * being assigned add-ons, activating IDs with their own tokens, assigning device licenses with an
 * admin's own token. Removal releases seats and add-ons and revokes tokens (the removal hooks:
 * seats, cloud, tokens). Device licenses are assigned to devices and activations to hosts, never to
 * a member (docs/activations.md, docs/devices.md): removal leaves them, so what must hold for them
 * is that their counts stay exact and nothing deadlocks or fails with a 500 when the request of a
 * member being removed runs beside the removal. Each request either went first, or is refused
 * cleanly (401: its token was revoked; not_a_member), and nothing is retried for contention.
 */
for (const dialect of DIALECTS)
  describe(`concurrency: members removed while they are busy in the organization, on ${dialect}`, function () {
    this.timeout(180_000)
    let t: TestApp
    let admin: string
    let nlId: string
    let ccId: string

    before(async () => {
      t = await startApp(dialect)
      admin = await t.org('busy', 'boss@busy.test')
      const ok = (res: Answer, status = 201) => assert.equal(res.status, status, JSON.stringify(res.body))
      ok(
        await t.call(t.operatorToken, 'POST', '/v1/orgs/busy/seats/pools', {
          product: 'cad',
          seats: 1000,
          expires: '2099-12-31',
        }),
      )
      ok(
        await t.call(t.operatorToken, 'POST', '/v1/orgs/busy/cloud/addons', {
          key: 'proc',
          name: 'Proc',
          total: 1000,
          expires: '2099-12-31',
        }),
      )
      for (const [product, type] of [
        ['sim-nl', 'NL'],
        ['sim-cc', 'CC'],
      ])
        ok(
          await t.call(t.operatorToken, 'POST', '/v1/orgs/busy/activations/entitlements', {
            product,
            type,
            seats: 5000,
            expires: '2030-12-31',
          }),
        )
      const nl = await t.call(admin, 'POST', '/v1/orgs/busy/activations/ids', {
        product: 'sim-nl',
        quantity: 5000,
      })
      ok(nl)
      nlId = nl.body.id
      const cc = await t.call(admin, 'POST', '/v1/orgs/busy/activations/ids', {
        product: 'sim-cc',
        quantity: 5000,
      })
      ok(cc)
      ccId = cc.body.id
      ok(await t.call(t.operatorToken, 'POST', '/v1/devices/categories', { name: 'router' }))
      const keys = await t.call(t.operatorToken, 'POST', '/v1/devices/keys', {
        category: 'router',
        term: '1y',
        count: 1000,
      })
      ok(keys)
      for (const { key } of keys.body.keys as Array<{ key: string }>)
        ok(await t.call(admin, 'POST', '/v1/orgs/busy/devices/keys', { key, acceptTerms: true }))
    })
    after(async () => t?.close())

    // The revoked tokens' refusals count as failed authentications (30 a minute from one address,
    // then 429): each round starts in a window of its own.
    const nextWindow = () => t.clock.advance(DEFAULT_AUTH_FAILURE_LIMITS.windowMs)

    /** Adds members (with a token each), returning their tokens by email. */
    const join = async (members: Array<{ email: string; role: 'admin' | 'member' }>) => {
      const add = await t.call(admin, 'POST', '/v1/orgs/busy/users/bulk-add', { items: members })
      assert.deepEqual(
        [add.status, add.body.summary?.changed],
        [200, members.length],
        JSON.stringify(add.body),
      )
      const tokens = new Map<string, string>()
      for (const { email } of members) {
        const tok = await t.call(admin, 'POST', '/v1/orgs/busy/tokens', { userEmail: email })
        assert.equal(tok.status, 201, JSON.stringify(tok.body))
        tokens.set(email, tok.body.token)
      }
      return tokens
    }

    const activate = (token: string, id: string, host: string, seats?: number) =>
      t.call(token, 'POST', `/v1/orgs/busy/activations/ids/${id}/activate`, {
        host,
        ...(seats ? { seats } : {}),
      })

    /** A request of a member being removed: it went first (2xx), or was refused cleanly. */
    const clean = (what: string, res: Answer) => {
      const code = res.body?.error?.code
      assert.ok(
        res.status < 300 || (res.status === 401 && code === 'unauthenticated') || code === 'not_a_member',
        `${what}: ${res.status} ${JSON.stringify(res.body)}`,
      )
    }

    /** A bulk answer whose rows are each applied or refused for want of a member. */
    const cleanRows = (what: string, res: Answer) => {
      clean(what, res)
      if (res.status !== 200 || !Array.isArray(res.body.results)) return
      for (const r of res.body.results as Array<{ status: string; code?: string }>)
        assert.ok(r.status !== 'failed' || r.code === 'not_a_member', `${what}: ${JSON.stringify(r)}`)
    }

    /** Every count the database keeps beside its rows agrees with the rows, and the chain is intact. */
    const consistent = async () => {
      const db = t.storage.db
      const num = (v: unknown) => Number(v)
      const pools = await db
        .selectFrom('seat_pools')
        .select((eb) => [
          'used',
          eb
            .selectFrom('leases')
            .select(eb.fn.countAll().as('n'))
            .whereRef('leases.pool_id', '=', 'seat_pools.id')
            .as('n'),
        ])
        .execute()
      for (const p of pools) assert.equal(p.used, num(p.n), 'seats used = leases')
      const addons = await db
        .selectFrom('addon_pools')
        .select((eb) => [
          'assigned',
          eb
            .selectFrom('addon_assignments')
            .select(eb.fn.countAll().as('n'))
            .whereRef('addon_assignments.addon_id', '=', 'addon_pools.id')
            .as('n'),
        ])
        .execute()
      for (const a of addons) assert.equal(a.assigned, num(a.n), 'add-ons assigned = assignments')
      const ids = await db
        .selectFrom('activation_ids')
        .select((eb) => [
          'id',
          'used',
          eb
            .selectFrom('activation_hosts')
            .select(sql<number>`coalesce(sum(seats), 0)`.as('s'))
            .whereRef('activation_hosts.activation_id', '=', 'activation_ids.id')
            .as('s'),
        ])
        .execute()
      for (const i of ids) assert.equal(i.used, num(i.s), `ID ${i.id}: used = seats on hosts`)
      const devices = await db
        .selectFrom('devices')
        .select((eb) => [
          'serial',
          'license_days',
          eb
            .selectFrom('device_licenses')
            .select(sql<number>`coalesce(sum(days), 0)`.as('d'))
            .whereRef('device_licenses.device_id', '=', 'devices.id')
            .where('device_licenses.state', '=', 'assigned')
            .as('d'),
        ])
        .execute()
      for (const d of devices)
        assert.equal(d.license_days, num(d.d), `device ${d.serial}: days = its licenses'`)
      const stray = await db
        .selectFrom('device_licenses')
        .select('name')
        .where((eb) =>
          eb.or([
            eb.and([eb('state', '=', 'assigned'), eb('device_id', 'is', null)]),
            eb.and([eb('state', '=', 'pool'), eb('device_id', 'is not', null)]),
          ]),
        )
        .execute()
      assert.deepEqual(stray, [], 'licenses assigned to no device, or in the pool on one')
      const verify = await t.call(admin, 'GET', '/v1/orgs/busy/audit/verify')
      assert.deepEqual([verify.status, verify.body.intact], [200, true], JSON.stringify(verify.body))
    }

    /** What removed members still hold or may use: nothing. */
    const heldBy = async (emails: string[]) => {
      const db = t.storage.db
      const users = db.selectFrom('users').select('id').where('email', 'in', emails)
      const [members, leases, addons, tokens] = await Promise.all([
        db.selectFrom('memberships').select('user_id').where('user_id', 'in', users).execute(),
        db.selectFrom('leases').select('id').where('user_id', 'in', users).execute(),
        db.selectFrom('addon_assignments').select('user_id').where('user_id', 'in', users).execute(),
        db
          .selectFrom('tokens')
          .select('id')
          .where('user_id', 'in', users)
          .where('revoked_at', 'is', null)
          .execute(),
      ])
      return { members: members.length, leases: leases.length, addons: addons.length, tokens: tokens.length }
    }
    const NOTHING = { members: 0, leases: 0, addons: 0, tokens: 0 }

    // The tokens hook revokes the member's tokens: a token created for them at the same moment read
    // the membership before the removal deleted it and was inserted after the removal had revoked
    // theirs. It stayed live (refused while they are not a member, valid again once re-added).
    it('a member removed while a token is created for them, by an admin and by themselves (30 rounds)', async () => {
      const before = { ...contentionRetries }
      for (let round = 0; round < 30; round++) {
        nextWindow()
        const email = `tok${round}@busy.test`
        const own = (await join([{ email, role: 'member' }])).get(email)!
        const [removed, byAdmin, byThem] = await Promise.all([
          t.call(admin, 'POST', '/v1/orgs/busy/users/bulk-remove', { items: [{ email }] }),
          t.call(admin, 'POST', '/v1/orgs/busy/tokens', { userEmail: email, name: `a${round}` }),
          t.call(own, 'POST', '/v1/orgs/busy/tokens', { name: `m${round}` }),
        ])
        assert.deepEqual(
          [removed.status, removed.body.summary?.changed],
          [200, 1],
          JSON.stringify(removed.body),
        )
        clean(`round ${round} token by an admin`, byAdmin)
        clean(`round ${round} token by themselves`, byThem)
        assert.deepEqual(await heldBy([email]), NOTHING, `round ${round}`)
      }
      await consistent()
      assert.deepEqual(contentionRetries, before, 'transactions retried')
    })

    // The same, in the one order that loses a token: the removal has revoked the member's tokens and
    // not yet committed. A token asked for then waits for the removal, and is refused after it.
    for (const by of ['an admin', 'the member'] as const)
      it(`a token asked for by ${by} while the removal is between revoking tokens and committing waits, and is refused`, async function () {
        if (dialect !== 'postgres') return this.skip()
        const monitor = new pg.Client({ connectionString: PG_URL })
        await monitor.connect()
        try {
          const email = `held-tok-${by === 'an admin' ? 'a' : 'm'}@busy.test`
          const own = (await join([{ email, role: 'member' }])).get(email)!
          // Used once: its last use is recorded now, so the request below writes nothing in auth.
          assert.equal((await t.call(own, 'GET', '/v1/orgs/busy/tokens')).status, 200)
          const held = await holdRemoval(
            () => t.call(admin, 'POST', '/v1/orgs/busy/users/bulk-remove', { items: [{ email }] }),
            email,
            95, // after the tokens hook (90)
          )
          try {
            const asked =
              by === 'an admin'
                ? t.call(admin, 'POST', '/v1/orgs/busy/tokens', { userEmail: email })
                : t.call(own, 'POST', '/v1/orgs/busy/tokens', {})
            const { answered, blocked } = await answeredOrBlocked(monitor, held.pid, asked)
            assert.equal(answered, undefined, 'a token made while the removal was under way')
            assert.equal(blocked.length, 1, JSON.stringify(blocked))
            held.release()
            const removed = await held.answer
            assert.deepEqual(
              [removed.status, removed.body.summary?.changed],
              [200, 1],
              JSON.stringify(removed.body),
            )
            const refused = await asked
            assert.deepEqual(
              [refused.status, refused.body.error?.code],
              [409, 'not_a_member'],
              JSON.stringify(refused.body),
            )
            assert.deepEqual(await heldBy([email]), NOTHING)
          } finally {
            held.release()
          }
        } finally {
          await monitor.end()
        }
      })

    // A request signed in with the member's token at that moment: its sign-in records the token's
    // use, an UPDATE of the token row the removal has just revoked (and holds). It waits for the
    // removal; once that commits, the token is revoked and the request must be refused with it, not
    // carry on as the member it read before the removal.
    it('a request whose sign-in waits on the token row the removal revoked is refused once the removal commits', async function () {
      if (dialect !== 'postgres') return this.skip()
      const monitor = new pg.Client({ connectionString: PG_URL })
      await monitor.connect()
      try {
        nextWindow()
        const email = 'held-signin@busy.test'
        const own = (await join([{ email, role: 'member' }])).get(email)!
        // Never used: its sign-in below writes its last use.
        await sql`update tokens set last_used_at = null where user_id = (select id from users where email = ${email})`.execute(
          t.storage.db,
        )
        const held = await holdRemoval(
          () => t.call(admin, 'POST', '/v1/orgs/busy/users/bulk-remove', { items: [{ email }] }),
          email,
          95, // after the tokens hook (90) revoked the token
        )
        try {
          const asked = t.call(own, 'GET', '/v1/orgs/busy/tokens')
          const { answered, blocked } = await answeredOrBlocked(monitor, held.pid, asked)
          assert.equal(answered, undefined, 'answered while the removal was under way')
          assert.equal(blocked.length, 1, JSON.stringify(blocked))
          held.release()
          assert.equal((await held.answer).status, 200)
          const refused = await asked
          assert.deepEqual(
            [refused.status, refused.body.error?.code],
            [401, 'unauthenticated'],
            JSON.stringify(refused.body),
          )
        } finally {
          held.release()
        }
      } finally {
        await monitor.end()
      }
    })

    it('a member removed while activating IDs with their own token (30 rounds)', async () => {
      const before = { ...contentionRetries }
      for (let round = 0; round < 30; round++) {
        nextWindow()
        const email = `act${round}@busy.test`
        const token = (await join([{ email, role: 'member' }])).get(email)!
        const [removed, nl, cc, nlAgain] = await Promise.all([
          t.call(admin, 'POST', '/v1/orgs/busy/users/bulk-remove', { items: [{ email }] }),
          activate(token, nlId, `nl-${round}`),
          activate(token, ccId, `cc-${round}`, 2),
          activate(token, nlId, `NL-${round}`),
        ])
        assert.deepEqual(
          [removed.status, removed.body.summary?.changed],
          [200, 1],
          JSON.stringify(removed.body),
        )
        for (const [what, res] of Object.entries({ nl, cc, nlAgain })) clean(`round ${round} ${what}`, res)
        assert.deepEqual(await heldBy([email]), NOTHING, `round ${round}`)
        // The revoked token acts no more.
        assert.equal((await activate(token, nlId, `late-${round}`)).status, 401)
      }
      await consistent()
      assert.deepEqual(contentionRetries, before, 'transactions retried')
    })

    it('an admin removed while assigning device licenses with their own token, and while a checkout is made for them (30 rounds)', async () => {
      const before = { ...contentionRetries }
      const added = await t.call(admin, 'POST', '/v1/orgs/busy/devices/bulk-add', {
        items: Array.from({ length: 60 }, (_, i) => ({ serial: `R-${i}`, category: 'router' })),
      })
      assert.deepEqual([added.status, added.body.summary?.changed], [200, 60], JSON.stringify(added.body))
      let assigned = 0
      for (let round = 0; round < 30; round++) {
        nextWindow()
        const email = `dev${round}@busy.test`
        const token = (await join([{ email, role: 'admin' }])).get(email)!
        const [removed, byThem, checkout, other] = await Promise.all([
          t.call(admin, 'POST', '/v1/orgs/busy/users/bulk-remove', { items: [{ email }] }),
          t.call(token, 'POST', '/v1/orgs/busy/devices/bulk-assign', {
            items: [{ serial: `R-${2 * round}`, count: 2 }],
          }),
          t.call(admin, 'POST', '/v1/orgs/busy/seats/pools/cad/checkout', {
            host: `d-${round}`,
            user: email,
          }),
          t.call(admin, 'POST', '/v1/orgs/busy/devices/bulk-assign', {
            items: [{ serial: `R-${2 * round + 1}` }],
          }),
        ])
        assert.deepEqual(
          [removed.status, removed.body.summary?.changed],
          [200, 1],
          JSON.stringify(removed.body),
        )
        cleanRows(`round ${round} assign by the admin removed`, byThem)
        clean(`round ${round} checkout`, checkout)
        assert.deepEqual([other.status, other.body.summary?.changed], [200, 1], JSON.stringify(other.body))
        if (byThem.status === 200) assigned += 2 * byThem.body.summary.changed
        assigned += 1
        assert.deepEqual(await heldBy([email]), NOTHING, `round ${round}`)
      }
      const { n } = await t.storage.db
        .selectFrom('device_licenses')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('state', '=', 'assigned')
        .executeTakeFirstOrThrow()
      assert.equal(Number(n), assigned, 'licenses assigned = those the answers said')
      await consistent()
      assert.deepEqual(contentionRetries, before, 'transactions retried')
    })

    it('a bulk removal of members and admins while everything is done for and by them (20 rounds)', async () => {
      const before = { ...contentionRetries }
      for (let round = 0; round < 20; round++) {
        nextWindow()
        const people = [
          { email: `b${round}-a1@busy.test`, role: 'admin' as const },
          { email: `b${round}-m1@busy.test`, role: 'member' as const },
          { email: `b${round}-a2@busy.test`, role: 'admin' as const },
          { email: `b${round}-m2@busy.test`, role: 'member' as const },
        ]
        const emails = people.map((p) => p.email)
        const tokens = await join(people)
        const devices = await t.call(admin, 'POST', '/v1/orgs/busy/devices/bulk-add', {
          items: emails.map((_, i) => ({ serial: `B-${round}-${i}`, category: 'router' })),
        })
        assert.equal(devices.status, 200, JSON.stringify(devices.body))
        // Half of them hold a seat already, so the removal releases seats of the pool the checkouts lock.
        for (const email of emails.slice(0, 2)) {
          const held = await t.call(admin, 'POST', '/v1/orgs/busy/seats/pools/cad/checkout', {
            host: `held-${round}`,
            user: email,
          })
          assert.equal(held.status, 200, JSON.stringify(held.body))
        }
        // The batch names them in an order of its own each round.
        const order = emails.map((_, i) => emails[(i + round) % emails.length]!)
        if (round % 2) order.reverse()
        const busy: Array<[string, Promise<Answer>]> = emails.flatMap(
          (email, i): Array<[string, Promise<Answer>]> => [
            [
              `checkout ${email}`,
              t.call(admin, 'POST', '/v1/orgs/busy/seats/pools/cad/checkout', {
                host: `b-${round}`,
                user: email,
              }),
            ],
            [
              `own checkout ${email}`,
              t.call(tokens.get(email)!, 'POST', '/v1/orgs/busy/seats/pools/cad/checkout', {
                host: `own-${round}`,
              }),
            ],
            [`activation ${email}`, activate(tokens.get(email)!, i % 2 ? ccId : nlId, `b-${round}-${i}`)],
            [
              `device assign by ${email}`,
              people[i]!.role === 'admin'
                ? t.call(tokens.get(email)!, 'POST', '/v1/orgs/busy/devices/bulk-assign', {
                    items: [{ serial: `B-${round}-${i}` }],
                  })
                : t.call(tokens.get(email)!, 'GET', '/v1/orgs/busy/devices'),
            ],
          ],
        )
        const [removed, addons, ...rest] = await Promise.all([
          t.call(admin, 'POST', '/v1/orgs/busy/users/bulk-remove', {
            items: order.map((email) => ({ email })),
          }),
          t.call(admin, 'POST', '/v1/orgs/busy/cloud/addons/proc/bulk-assign', {
            items: [...order].reverse().map((email) => ({ email })),
          }),
          ...busy.map(([, p]) => p),
        ])
        assert.deepEqual(
          [removed.status, removed.body.summary],
          [200, { changed: 4, unchanged: 0, failed: 0 }],
          JSON.stringify(removed.body),
        )
        cleanRows(`round ${round} add-on assign`, addons)
        for (const [k, res] of rest.entries())
          (busy[k]![0].startsWith('device') ? cleanRows : clean)(`round ${round} ${busy[k]![0]}`, res)
        assert.deepEqual(await heldBy(emails), NOTHING, `round ${round}`)
      }
      await consistent()
      assert.deepEqual(contentionRetries, before, 'transactions retried')
    })
  })
