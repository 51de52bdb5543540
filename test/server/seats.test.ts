import { strict as assert } from 'node:assert'
import { sql } from 'kysely'
import { hostKey } from '../../src/domain/host-name.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

const MIN = 60_000
const iso = (ms: number) => new Date(ms).toISOString()

for (const dialect of DIALECTS) {
  describe(`seats routes on ${dialect}`, function () {
    let t: TestApp
    let admin: string
    /** Member tokens by email. */
    const tokens: Record<string, string> = {}

    const base = '/v1/orgs/acme/seats'
    const provision = (body: Record<string, unknown>) =>
      t.call(t.operatorToken, 'POST', `${base}/pools`, body)
    const checkout = (token: string, product: string, body: Record<string, unknown>) =>
      t.call(token, 'POST', `${base}/pools/${product}/checkout`, body)
    const release = (token: string, body: Record<string, unknown>) =>
      t.call(token, 'POST', `${base}/releases`, body)
    async function pool(product: string) {
      const res = await t.call(admin, 'GET', `${base}/pools`)
      assert.equal(res.status, 200, JSON.stringify(res.body))
      return res.body.items.find((p: { product: string }) => p.product === product)
    }
    /** The database's own view: leases held and the pool's `used` count. */
    async function dbCounts(product: string) {
      const db = t.storage.db
      const p = await db
        .selectFrom('seat_pools')
        .select(['id', 'used'])
        .where('product', '=', product)
        .executeTakeFirstOrThrow()
      const n = await db
        .selectFrom('leases')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('pool_id', '=', p.id)
        .executeTakeFirstOrThrow()
      return { used: p.used, leases: Number(n.n) }
    }

    before(async () => {
      t = await startApp(dialect)
      admin = await t.org('acme', 'admin@acme.test')
      const emails = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'].map((n) => `${n}@acme.test`)
      const add = await t.call(admin, 'POST', '/v1/orgs/acme/users/bulk-add', {
        items: emails.map((email) => ({ email, role: 'member' })),
      })
      assert.equal(add.status, 200, JSON.stringify(add.body))
      for (const email of emails) {
        const tok = await t.call(admin, 'POST', '/v1/orgs/acme/tokens', { userEmail: email })
        assert.equal(tok.status, 201, JSON.stringify(tok.body))
        tokens[email] = tok.body.token
      }
      await t.org('globex', 'gina@globex.test')
    })
    after(async () => t.close())

    describe('pools', () => {
      it('lets only the operator provision a pool, valid through the given day', async () => {
        const refused = await t.call(admin, 'POST', `${base}/pools`, {
          product: 'cad-pro',
          seats: 3,
          expires: '2027-12-31',
        })
        assert.equal(refused.status, 403)
        assert.equal(refused.body.error.code, 'forbidden')

        const res = await provision({
          product: 'cad-pro',
          seats: 3,
          expires: '2027-12-31',
          leaseTtlSeconds: 600,
        })
        assert.equal(res.status, 201, JSON.stringify(res.body))
        assert.deepEqual(res.body, {
          product: 'cad-pro',
          seats: 3,
          inUse: 0,
          roaming: 0,
          stale: 0,
          free: 3,
          expiresAt: '2028-01-01T00:00:00.000Z',
          validThrough: '2027-12-31',
          expired: false,
          retiredAt: null,
          leaseTtlSeconds: 600,
          maxRoamingSeconds: null,
          usage: 'no',
        })
      })

      it('defaults the lease TTL to 15 minutes and refuses a second pool for the same product', async () => {
        const res = await provision({ product: 'viewer', seats: 1, expires: '2027-06-30T12:00:00Z' })
        assert.equal(res.status, 201, JSON.stringify(res.body))
        assert.equal(res.body.leaseTtlSeconds, 900)
        assert.equal(res.body.expiresAt, '2027-06-30T12:00:00.000Z')
        const again = await provision({ product: 'viewer', seats: 2, expires: '2027-12-31' })
        assert.equal(again.status, 409)
        assert.equal(again.body.error.code, 'already_exists')
      })

      it('rejects a malformed expiration and an unknown field before touching the database', async () => {
        const bad = await provision({ product: 'x1', seats: 1, expires: '2027-02-30' })
        assert.equal(bad.status, 400)
        const extra = await provision({ product: 'x1', seats: 1, expires: '2027-12-31', colour: 'red' })
        assert.equal(extra.status, 400)
        // `12M` reads as twelve months to most people: refused, not a pool that lapses in twelve minutes.
        for (const expires of ['12M', '1H30M']) {
          const months = await provision({ product: 'x1', seats: 1, expires })
          assert.equal(months.status, 400, expires)
          assert.equal(months.body.error.code, 'validation_failed', expires)
        }
        assert.equal(
          (await provision({ product: 'x1', seats: 1, expires: '2H', leaseTtlSeconds: 60 })).status,
          201,
        )
        assert.equal((await pool('x1')).expiresAt, iso(t.clock.ms + 2 * 60 * MIN))
        await t.storage.db.deleteFrom('seat_pools').where('product', '=', 'x1').execute()
        assert.equal(await pool('x1'), undefined)
      })

      it('refuses an expiration already past on provision and update; today’s date is valid through today', async () => {
        const gbase = '/v1/orgs/globex/seats/pools'
        const op = (method: string, url: string, body: object) => t.call(t.operatorToken, method, url, body)
        const saved = t.clock.ms
        t.clock.ms = Date.parse('2026-01-15T10:00:00Z')
        try {
          const past = await op('POST', gbase, { product: 'late', seats: 1, expires: '2026-01-14' })
          assert.deepEqual(
            [past.status, past.body.error.code, past.body.error.message],
            [
              400,
              'validation_failed',
              "body.expires: '2026-01-14' has passed (today is 2026-01-15 in UTC): the seat pool would be expired on arrival",
            ],
          )
          const instant = await op('POST', gbase, {
            product: 'late',
            seats: 1,
            expires: '2026-01-15T10:00:00Z',
          })
          assert.equal(
            instant.body.error.message,
            "body.expires: '2026-01-15T10:00:00Z' is not in the future (it is now 2026-01-15T10:00:00.000Z): the seat pool would be expired on arrival",
          )
          const pools = await t.call(t.operatorToken, 'GET', gbase)
          assert.deepEqual(pools.body.items, [])
          const today = await op('POST', gbase, { product: 'late', seats: 1, expires: '2026-01-15' })
          assert.deepEqual(
            [today.status, today.body.validThrough, today.body.expired],
            [201, '2026-01-15', false],
          )
          const update = await op('PATCH', `${gbase}/late`, { expires: '2026-01-14', addSeats: 1 })
          assert.deepEqual(
            [update.status, update.body.error.message],
            [
              400,
              "body.expires: '2026-01-14' has passed (today is 2026-01-15 in UTC): the seat pool would expire at once",
            ],
          )
          const after = (await t.call(t.operatorToken, 'GET', gbase)).body.items[0]
          assert.deepEqual([after.seats, after.validThrough], [1, '2026-01-15'])
        } finally {
          t.clock.ms = saved
        }
      })

      it('adds seats and changes the expiration (operator), auditing before and after', async () => {
        const res = await t.call(t.operatorToken, 'PATCH', `${base}/pools/viewer`, {
          addSeats: 2,
          expires: '2028-03-31',
        })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.equal(res.body.seats, 3)
        assert.equal(res.body.validThrough, '2028-03-31')
        const byAdmin = await t.call(admin, 'PATCH', `${base}/pools/viewer`, { addSeats: 1 })
        assert.equal(byAdmin.status, 403)
        const missing = await t.call(t.operatorToken, 'PATCH', `${base}/pools/nope`, { addSeats: 1 })
        assert.equal(missing.status, 404)
        const log = await t.call(admin, 'GET', '/v1/orgs/acme/audit?action=seats.update')
        assert.deepEqual(
          { before: log.body.items[0].before, after: log.body.items[0].after },
          {
            before: { seats: 1, used: 0, expiresAt: '2027-06-30T12:00:00.000Z' },
            after: { seats: 3, used: 0, expiresAt: '2028-04-01T00:00:00.000Z' },
          },
        )
      })

      it('refuses adding seats past the 1,000,000 a pool may hold, as provisioning does, changing nothing', async () => {
        const update = (body: Record<string, unknown>) =>
          t.call(t.operatorToken, 'PATCH', `${base}/pools/viewer`, body)
        const before = (await pool('viewer')).seats
        const over = await update({ addSeats: 1_000_000, expires: '2029-01-31' })
        assert.equal(over.status, 400, JSON.stringify(over.body))
        assert.equal(over.body.error.code, 'validation_failed')
        assert.equal(over.body.error.details.issues[0].path, 'body.addSeats')
        assert.equal(
          over.body.error.message,
          `body.addSeats: 'viewer' has ${before} seats: adding 1000000 would pass the limit of 1,000,000 seats per pool (at most ${1_000_000 - before} more)`,
        )
        assert.deepEqual(
          [(await pool('viewer')).seats, (await pool('viewer')).validThrough],
          [before, '2028-03-31'],
        )
        // Up to the limit exactly is allowed; then not one more.
        const full = await update({ addSeats: 1_000_000 - before })
        assert.equal(full.status, 200, JSON.stringify(full.body))
        assert.equal(full.body.seats, 1_000_000)
        const one = await update({ addSeats: 1 })
        assert.equal(one.status, 400, JSON.stringify(one.body))
        assert.match(one.body.error.message, /\(at most 0 more\)$/)
        assert.equal((await pool('viewer')).seats, 1_000_000)
      })

      it('shows pools to members but not to another organization', async () => {
        const res = await t.call(tokens['alice@acme.test']!, 'GET', `${base}/pools`)
        assert.equal(res.status, 200)
        assert.deepEqual(
          res.body.items.map((p: { product: string }) => p.product),
          ['cad-pro', 'viewer'],
        )
        const other = await t.call(await t.org('initech'), 'GET', `${base}/pools`)
        assert.equal(other.status, 403)
        assert.deepEqual(other.body.error, {
          code: 'wrong_organization',
          message: "this token acts for organization 'initech', not 'acme'",
        })
      })
    })

    describe('checkout, heartbeat, checkin', () => {
      let aliceLease: string

      it('checks a seat out for the member themself, counting it in the pool and the audit log', async () => {
        const res = await checkout(tokens['alice@acme.test']!, 'cad-pro', { host: 'ws-1' })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.match(res.body.id, /^ls_[0-9a-z]{26}$/)
        assert.deepEqual(res.body, {
          id: res.body.id,
          product: 'cad-pro',
          user: 'alice@acme.test',
          host: 'ws-1',
          startedAt: iso(t.clock.now()),
          lastHeartbeatAt: iso(t.clock.now()),
          roamingUntil: null,
          state: 'active',
          idleSeconds: 0,
          reused: false,
        })
        aliceLease = res.body.id
        const p = await pool('cad-pro')
        assert.deepEqual([p.inUse, p.free, p.usage], [1, 2, 'yes'])
        const log = await t.call(admin, 'GET', '/v1/orgs/acme/audit?action=seats.checkout')
        assert.equal(log.body.items[0].target, `cad-pro/${aliceLease}`)
        assert.equal(log.body.items[0].actor, 'alice@acme.test')
        assert.deepEqual(log.body.items[0].before, { used: 0 })
        assert.deepEqual(log.body.items[0].after, { used: 1, user: 'alice@acme.test', host: 'ws-1' })
      })

      it('refuses a host with a leading or trailing space, naming the field, rather than trimming it', async () => {
        for (const host of ['ws-1 ', ' ws-1', 'ws-1\u00a0']) {
          const res = await checkout(tokens['alice@acme.test']!, 'cad-pro', { host })
          assert.deepEqual(
            [res.status, res.body.error.code, res.body.error.details.issues],
            [
              400,
              'validation_failed',
              [{ path: 'body.host', message: 'starts or ends with a space: host names are taken as typed' }],
            ],
            JSON.stringify(host),
          )
        }
        assert.equal((await pool('cad-pro')).inUse, 1, 'no lease taken')
      })

      it('orgs audit --target finds a pool’s entries as typed, the same on both dialects', async () => {
        const targets = async (target: string) =>
          (await t.call(admin, 'GET', `/v1/orgs/acme/audit?limit=1000&target=${target}`)).body.items.map(
            (e: { target: string }) => e.target,
          )
        // The pool's own entries and those of its leases (`cad-pro/<lease>`), its first end.
        assert.deepEqual(await targets('cad-pro'), [`cad-pro/${aliceLease}`, 'cad-pro'])
        assert.deepEqual(await targets(aliceLease), [`cad-pro/${aliceLease}`])
        // Product keys and lease ids are not host names: another case is another name. SQLite's
        // LIKE ignored the case of A–Z and found the lease entries (not the pool's own) here.
        assert.deepEqual(await targets('CAD-PRO'), [])
        assert.deepEqual(await targets(aliceLease.toUpperCase()), [])
        // A name ending or beginning with the text, but not at a `/`, is not about it.
        assert.deepEqual(await targets('pro'), [])
        assert.deepEqual(await targets(`cad-pro%2F${aliceLease.slice(0, 5)}`), [])
      })

      it('gives the same user on the same host the same lease back, refreshing its heartbeat', async () => {
        t.clock.advance(5 * MIN)
        const res = await checkout(tokens['alice@acme.test']!, 'cad-pro', { host: 'ws-1' })
        assert.equal(res.status, 200)
        assert.equal(res.body.id, aliceLease)
        assert.equal(res.body.reused, true)
        assert.equal(res.body.lastHeartbeatAt, iso(t.clock.now()))
        assert.deepEqual(await dbCounts('cad-pro'), { used: 1, leases: 1 })
      })

      it('lets an admin check out on behalf of a member, but not a member for someone else', async () => {
        const byAdmin = await checkout(admin, 'cad-pro', { host: 'ws-2', user: 'bob@acme.test' })
        assert.equal(byAdmin.status, 200, JSON.stringify(byAdmin.body))
        assert.equal(byAdmin.body.user, 'bob@acme.test')
        const byMember = await checkout(tokens['alice@acme.test']!, 'cad-pro', {
          host: 'ws-9',
          user: 'carol@acme.test',
        })
        assert.equal(byMember.status, 403)
        assert.equal(byMember.body.error.code, 'not_admin')
      })

      it('refuses someone who is not a member of the organization', async () => {
        const res = await checkout(admin, 'cad-pro', { host: 'ws-3', user: 'mallory@evil.test' })
        assert.equal(res.status, 409)
        assert.equal(res.body.error.code, 'not_a_member')
        assert.equal(res.body.error.message, 'mallory@evil.test is not a member of this organization')
        assert.deepEqual(await dbCounts('cad-pro'), { used: 2, leases: 2 })
      })

      it('refuses a read-only token, which may only read', async () => {
        const ro = await t.call(admin, 'POST', '/v1/orgs/acme/tokens', {
          userEmail: 'carol@acme.test',
          readOnly: true,
        })
        assert.equal(ro.status, 201)
        const res = await checkout(ro.body.token, 'cad-pro', { host: 'ws-3' })
        assert.equal(res.status, 403)
        assert.equal(res.body.error.code, 'read_only_token')
        assert.equal((await t.call(ro.body.token, 'GET', `${base}/pools`)).status, 200)
      })

      it('refuses a full pool, naming who holds the seats, oldest heartbeat first', async () => {
        t.clock.advance(1000) // carol's heartbeat is younger than bob's: she is named after him
        const carol = await checkout(tokens['carol@acme.test']!, 'cad-pro', { host: 'ws-3' })
        assert.equal(carol.status, 200)
        const res = await checkout(tokens['dave@acme.test']!, 'cad-pro', { host: 'ws-4' })
        assert.equal(res.status, 409)
        assert.equal(res.body.error.code, 'no_free_seat')
        assert.equal(
          res.body.error.message,
          "all 3 seats of 'cad-pro' are in use: alice@acme.test (ws-1), bob@acme.test (ws-2), carol@acme.test (ws-3)",
        )
        assert.deepEqual(
          res.body.error.details.holders.map((h: { user: string; host: string }) => `${h.user}@${h.host}`),
          ['alice@acme.test@ws-1', 'bob@acme.test@ws-2', 'carol@acme.test@ws-3'],
        )
        assert.deepEqual(await dbCounts('cad-pro'), { used: 3, leases: 3 })
        // A holder checking out again on their host still gets their seat: it is theirs already.
        const again = await checkout(tokens['carol@acme.test']!, 'cad-pro', { host: 'ws-3' })
        assert.equal(again.status, 200)
        assert.equal(again.body.reused, true)
      })

      it('records heartbeats; a member cannot heartbeat or check in another user’s lease', async () => {
        t.clock.advance(MIN)
        const hb = await t.call(tokens['alice@acme.test']!, 'POST', `${base}/leases/${aliceLease}/heartbeat`)
        assert.equal(hb.status, 200, JSON.stringify(hb.body))
        assert.equal(hb.body.lastHeartbeatAt, iso(t.clock.now()))
        const foreign = await t.call(
          tokens['bob@acme.test']!,
          'POST',
          `${base}/leases/${aliceLease}/heartbeat`,
        )
        assert.equal(foreign.status, 403)
        const foreignIn = await t.call(
          tokens['bob@acme.test']!,
          'POST',
          `${base}/leases/${aliceLease}/checkin`,
        )
        assert.equal(foreignIn.status, 403)
        const malformed = await t.call(tokens['alice@acme.test']!, 'POST', `${base}/leases/nope/heartbeat`)
        assert.equal(malformed.status, 400)
        // Another organization's path does not reach acme's lease, even for the operator.
        for (const path of ['heartbeat', 'checkin']) {
          const elsewhere = await t.call(
            t.operatorToken,
            'POST',
            `/v1/orgs/globex/seats/leases/${aliceLease}/${path}`,
          )
          assert.equal(elsewhere.status, 404, JSON.stringify(elsewhere.body))
        }
      })

      it('refuses to renew a lease once its pool has expired (pool_expired, as checkout), and the lease still checks in', async () => {
        const made = await provision({ product: 'ends-soon', seats: 1, expires: iso(t.clock.ms + 60 * MIN) })
        assert.equal(made.status, 201, JSON.stringify(made.body))
        const lease = await checkout(tokens['alice@acme.test']!, 'ends-soon', { host: 'ws-9' })
        assert.equal(lease.status, 200, JSON.stringify(lease.body))
        const beat = () =>
          t.call(tokens['alice@acme.test']!, 'POST', `${base}/leases/${lease.body.id}/heartbeat`)
        t.clock.advance(59 * MIN)
        assert.equal((await beat()).status, 200, 'renewed while the pool is valid')
        t.clock.advance(2 * MIN)
        const late = await beat()
        assert.deepEqual(
          [late.status, late.body.error.code, late.body.error.details.product, late.body.error.details.lease],
          [409, 'pool_expired', 'ends-soon', lease.body.id],
        )
        assert.match(late.body.error.message, /^the 'ends-soon' subscription expired /)
        const back = await t.call(
          tokens['alice@acme.test']!,
          'POST',
          `${base}/leases/${lease.body.id}/checkin`,
        )
        assert.deepEqual([back.status, back.body.changed], [200, true])
      })

      it('checks a seat in: freed at once, the lease gone, audited with the counts', async () => {
        const res = await t.call(tokens['alice@acme.test']!, 'POST', `${base}/leases/${aliceLease}/checkin`)
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.equal(res.body.id, aliceLease)
        assert.equal(res.body.changed, true)
        assert.deepEqual(await dbCounts('cad-pro'), { used: 2, leases: 2 })
        const gone = await t.call(
          tokens['alice@acme.test']!,
          'POST',
          `${base}/leases/${aliceLease}/heartbeat`,
        )
        assert.equal(gone.status, 404)
        const log = await t.call(admin, 'GET', '/v1/orgs/acme/audit?action=seats.checkin')
        assert.deepEqual(log.body.items[0].before, { used: 3, user: 'alice@acme.test', host: 'ws-1' })
        assert.deepEqual(log.body.items[0].after, { used: 2, reason: 'checked in' })
        const dave = await checkout(tokens['dave@acme.test']!, 'cad-pro', { host: 'ws-4' })
        assert.equal(dave.status, 200, 'the freed seat is taken at once')
      })

      it('refuses checkout from an expired pool, and from an unknown one', async () => {
        const end = iso(t.clock.now() + MIN)
        const p = await provision({ product: 'old-cad', seats: 5, expires: end })
        assert.equal(p.status, 201)
        t.clock.advance(MIN)
        const res = await checkout(tokens['erin@acme.test']!, 'old-cad', { host: 'ws-5' })
        assert.equal(res.status, 409)
        assert.equal(res.body.error.code, 'pool_expired')
        // It ended at a time of day, today: never "expired after <today>", which reads as still valid
        const time = end.endsWith(':00.000Z') ? end.slice(11, 16) : end.slice(11, 19)
        assert.equal(res.body.error.message, `the 'old-cad' subscription expired today at ${time} (UTC)`)
        const old = await pool('old-cad')
        // Free is what a checkout can get: none while expired, though no seat is held.
        assert.deepEqual([old.expired, old.seats, old.inUse, old.free], [true, 5, 0, 0])
        assert.deepEqual(await dbCounts('old-cad'), { used: 0, leases: 0 })
        const unknown = await checkout(tokens['erin@acme.test']!, 'nope', { host: 'ws-5' })
        assert.equal(unknown.status, 404)
      })

      it('does not let the database hold more leases than seats, even written around the service', async () => {
        const write = t.storage.db
          .updateTable('seat_pools')
          .set({ used: sql<number>`seats + 1` })
          .where('product', '=', 'cad-pro')
          .execute()
        await assert.rejects(write, /check/i)
      })
    })

    describe('admin views: leases, stuck, usage', () => {
      // cad-pro (TTL 10 min) now holds bob@ws-2, carol@ws-3, dave@ws-4.
      let roamPool: string

      before(async () => {
        const p = await provision({
          product: 'survey',
          seats: 2,
          expires: '2027-12-31',
          leaseTtlSeconds: 300,
          maxRoamingSeconds: 14 * 86_400,
        })
        assert.equal(p.status, 201)
        roamPool = 'survey'
      })

      it('refuses roaming beyond the pool’s maximum, and on a pool without roaming', async () => {
        const noRoam = await checkout(tokens['erin@acme.test']!, 'cad-pro', {
          host: 'lt-1',
          roamUntil: iso(t.clock.now() + 86_400_000),
        })
        assert.equal(noRoam.status, 409)
        assert.equal(noRoam.body.error.code, 'roaming_not_allowed')
        const tooLong = await checkout(tokens['erin@acme.test']!, roamPool, {
          host: 'lt-1',
          roamUntil: iso(t.clock.now() + 15 * 86_400_000),
        })
        assert.equal(tooLong.status, 409)
        assert.equal(tooLong.body.error.code, 'roaming_not_allowed')
        // The latest end in acme's time zone (UTC), as other refusals give dates: no raw instant.
        const latest = new Date(t.clock.now() + 14 * 86_400_000).toISOString()
        assert.equal(
          tooLong.body.error.message,
          `'survey' can roam until ${latest.slice(0, 10)} at ${latest.slice(11, latest.endsWith(':00.000Z') ? 16 : 19)} (UTC) at the latest`,
        )
        // Capped by the pool's own end, a date: through its last day.
        const soon = iso(t.clock.now() + 5 * 86_400_000).slice(0, 10)
        assert.equal(
          (await provision({ product: 'roam-soon', seats: 1, expires: soon, maxRoamingSeconds: 14 * 86_400 }))
            .status,
          201,
        )
        const pastEnd = await checkout(tokens['erin@acme.test']!, 'roam-soon', {
          host: 'lt-1',
          roamUntil: '10d',
        })
        assert.deepEqual([pastEnd.status, pastEnd.body.error?.code], [409, 'roaming_not_allowed'])
        assert.equal(pastEnd.body.error.message, `'roam-soon' can roam through ${soon} at the latest`)
      })

      it('takes a plain date for roamUntil as through that day in the organization’s time zone', async () => {
        // acme's time zone is UTC: roaming through a day ends at 00:00 UTC of the next, as --expires does.
        const day = iso(t.clock.now() + 3 * 86_400_000).slice(0, 10)
        const res = await checkout(tokens['frank@acme.test']!, roamPool, { host: 'cabin', roamUntil: day })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.equal(res.body.roamingUntil, iso(Date.parse(day) + 86_400_000))
        const past = await checkout(tokens['frank@acme.test']!, roamPool, {
          host: 'cabin',
          roamUntil: iso(t.clock.now() - 86_400_000).slice(0, 10),
        })
        assert.equal(past.status, 400, JSON.stringify(past.body))
        assert.match(past.body.error.message, /roamUntil/)
        const out = await t.call(tokens['frank@acme.test']!, 'POST', `${base}/leases/${res.body.id}/checkin`)
        assert.equal(out.status, 200, JSON.stringify(out.body))
      })

      it('counts a roamUntil duration from now on the server’s clock: right at the limit is not over it', async () => {
        // A client whose clock runs a minute ahead, turning 14d into an instant, lands past the limit…
        const ahead = await checkout(tokens['frank@acme.test']!, roamPool, {
          host: 'cabin-2',
          roamUntil: iso(t.clock.now() + 60_000 + 14 * 86_400_000),
        })
        assert.deepEqual([ahead.status, ahead.body.error?.code], [409, 'roaming_not_allowed'])
        // …the duration itself is resolved here: exactly the pool's maximum from the server's now
        const res = await checkout(tokens['frank@acme.test']!, roamPool, {
          host: 'cabin-2',
          roamUntil: '14d',
        })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.equal(res.body.roamingUntil, iso(t.clock.now() + 14 * 86_400_000))
        const over = await checkout(tokens['frank@acme.test']!, roamPool, {
          host: 'cabin-2',
          roamUntil: '14d1s',
        })
        assert.deepEqual([over.status, over.body.error?.code], [409, 'roaming_not_allowed'])
        const words = await checkout(tokens['frank@acme.test']!, roamPool, {
          host: 'cabin-2',
          roamUntil: '2 weeks',
        })
        assert.deepEqual(
          [words.status, words.body.error.details.issues.map((i: { path: string }) => i.path)],
          [400, ['body.roamUntil']],
        )
        const out = await t.call(tokens['frank@acme.test']!, 'POST', `${base}/leases/${res.body.id}/checkin`)
        assert.equal(out.status, 200, JSON.stringify(out.body))
      })

      it('reports usage per member: yes (a seat on a desktop), roaming (only borrowed), no', async () => {
        const roam = await checkout(tokens['erin@acme.test']!, roamPool, {
          host: 'lt-1',
          roamUntil: iso(t.clock.now() + 7 * 86_400_000),
        })
        assert.equal(roam.status, 200, JSON.stringify(roam.body))
        assert.equal(roam.body.state, 'roaming')
        const res = await t.call(admin, 'GET', `${base}/usage`)
        assert.equal(res.status, 200)
        const usage = Object.fromEntries(
          res.body.items.map((u: { email: string; usage: string }) => [u.email, u.usage]),
        )
        assert.deepEqual(usage, {
          'admin@acme.test': 'no',
          'alice@acme.test': 'no',
          'bob@acme.test': 'yes',
          'carol@acme.test': 'yes',
          'dave@acme.test': 'yes',
          'erin@acme.test': 'roaming',
          'frank@acme.test': 'no',
        })
        assert.equal((await pool(roamPool)).usage, 'roaming')
        assert.equal((await pool('cad-pro')).usage, 'yes')
        assert.equal((await pool('viewer')).usage, 'no')
        const member = await t.call(tokens['bob@acme.test']!, 'GET', `${base}/usage`)
        assert.equal(member.status, 403)
      })

      it('marks a lease stale once its heartbeat is older than the pool’s TTL; roaming ones stay roaming', async () => {
        const bob = await checkout(admin, 'cad-pro', { host: 'ws-2', user: 'bob@acme.test' })
        t.clock.advance(6 * MIN)
        await checkout(admin, 'cad-pro', { host: 'ws-3', user: 'carol@acme.test' })
        t.clock.advance(5 * MIN) // bob: 11 min idle > 10 min TTL; carol: 5 min; dave: older still
        const res = await t.call(admin, 'GET', `${base}/leases?product=cad-pro`)
        assert.equal(res.status, 200)
        const states = Object.fromEntries(
          res.body.items.map((l: { user: string; state: string }) => [l.user, l.state]),
        )
        assert.deepEqual(states, {
          'bob@acme.test': 'stale',
          'carol@acme.test': 'active',
          'dave@acme.test': 'stale',
        })
        const bobRow = res.body.items.find((l: { id: string }) => l.id === bob.body.id)
        assert.equal(bobRow.idleSeconds, 11 * 60)
        const stale = await t.call(admin, 'GET', `${base}/leases?state=stale`)
        assert.deepEqual(
          stale.body.items.map((l: { user: string }) => l.user),
          ['bob@acme.test', 'dave@acme.test'],
        )
        const roaming = await t.call(admin, 'GET', `${base}/leases?state=roaming`)
        assert.deepEqual(
          roaming.body.items.map((l: { user: string }) => l.user),
          ['erin@acme.test'],
        )
        assert.equal((await pool('cad-pro')).stale, 2)
        // A stale seat is still held: its user still counts as using one.
        const usage = await t.call(admin, 'GET', `${base}/usage`)
        assert.equal(
          usage.body.items.find((u: { email: string }) => u.email === 'bob@acme.test').usage,
          'yes',
        )
      })

      it('refuses a filter naming a pool or user the organization does not have (404); one matching nothing is empty', async () => {
        for (const [url, message] of [
          [`${base}/leases?product=nope`, "seat pool 'nope' not found"],
          [`${base}/leases?user=nobody@nowhere.test`, "member 'nobody@nowhere.test' not found"],
          [`${base}/stuck?product=nope`, "seat pool 'nope' not found"],
        ] as const) {
          const res = await t.call(admin, 'GET', url)
          assert.deepEqual([res.status, res.body], [404, { error: { code: 'not_found', message } }], url)
        }
        for (const url of [
          `${base}/leases?product=survey&state=stale`,
          `${base}/leases?user=frank@acme.test`,
          `${base}/stuck?product=survey`,
        ]) {
          const res = await t.call(admin, 'GET', url)
          assert.deepEqual([res.status, res.body], [200, { items: [], nextCursor: null }], url)
        }
      })

      it('lists stuck seats oldest heartbeat first, by the pool’s TTL or a given idle time', async () => {
        const res = await t.call(admin, 'GET', `${base}/stuck`)
        assert.equal(res.status, 200)
        assert.deepEqual(
          res.body.items.map((l: { user: string; idleSeconds: number }) => [l.user, l.idleSeconds]),
          [
            ['dave@acme.test', 12 * 60],
            ['bob@acme.test', 11 * 60],
          ],
        )
        const longer = await t.call(
          admin,
          'GET',
          `${base}/stuck?idleSeconds=${res.body.items[0].idleSeconds - 1}`,
        )
        assert.deepEqual(
          longer.body.items.map((l: { user: string }) => l.user),
          ['dave@acme.test'],
        )
        const shorter = await t.call(admin, 'GET', `${base}/stuck?idleSeconds=60`)
        assert.deepEqual(
          shorter.body.items.map((l: { user: string }) => l.user),
          ['dave@acme.test', 'bob@acme.test', 'carol@acme.test'],
          'roaming leases are never stuck',
        )
      })
    })

    describe('release', () => {
      async function leaseOf(user: string, product = 'cad-pro'): Promise<string> {
        const res = await t.call(admin, 'GET', `${base}/leases?product=${product}&user=${user}`)
        return res.body.items[0].id
      }

      it('refuses a member (admins only)', async () => {
        const res = await release(tokens['bob@acme.test']!, { items: [{ user: 'dave@acme.test' }] })
        assert.equal(res.status, 403)
        assert.equal(res.body.error.code, 'not_admin')
      })

      it('fails a user who is not a member (not_a_member); a member holding no seat is already so', async () => {
        const items = [{ user: 'nobody@nowhere.test' }, { user: 'frank@acme.test' }]
        const plan = await release(admin, { dryRun: true, items })
        assert.equal(plan.status, 200, JSON.stringify(plan.body))
        assert.deepEqual(
          plan.body.results.map((r: { status: string; code?: string }) => [r.status, r.code]),
          [
            ['will-fail', 'not_a_member'],
            ['already-so', undefined],
          ],
        )
        const res = await release(admin, { items })
        assert.deepEqual(
          res.body.results.map((r: { target: string; status: string; code?: string; message?: string }) => [
            r.target,
            r.status,
            r.code,
            r.message,
          ]),
          [
            [
              'nobody@nowhere.test',
              'failed',
              'not_a_member',
              'nobody@nowhere.test is not a member of this organization',
            ],
            ['frank@acme.test', 'already-so', undefined, undefined],
          ],
        )
        assert.deepEqual(res.body.summary, { changed: 0, unchanged: 1, failed: 1 })
      })

      it('plans a release on a dry run and changes nothing', async () => {
        const dave = await leaseOf('dave@acme.test')
        const res = await release(admin, { dryRun: true, items: [{ lease: dave }] })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.equal(res.body.results[0].status, 'will-change')
        assert.deepEqual(await dbCounts('cad-pro'), { used: 3, leases: 3 })
      })

      it('flags a lease with a recent heartbeat instead of releasing it, unless forced', async () => {
        const carol = await leaseOf('carol@acme.test')
        const res = await release(admin, { items: [{ lease: carol }] })
        assert.equal(res.status, 200)
        assert.deepEqual(
          {
            status: res.body.results[0].status,
            code: res.body.results[0].code,
            message: res.body.results[0].message,
          },
          {
            status: 'failed',
            code: 'lease_active',
            message: 'carol@acme.test on ws-3 sent a heartbeat 5m ago: the seat looks in use',
          },
        )
        assert.deepEqual(await dbCounts('cad-pro'), { used: 3, leases: 3 })
        // A shorter idle threshold makes the same lease releasable without force.
        const idle = await release(admin, { dryRun: true, idleSeconds: 60, items: [{ lease: carol }] })
        assert.equal(idle.body.results[0].status, 'will-change')
      })

      it('releases by lease and by user, frees the seats at once, audits each, and is idempotent', async () => {
        const dave = await leaseOf('dave@acme.test')
        const res = await release(admin, { items: [{ lease: dave }, { user: 'bob@acme.test' }] })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.deepEqual(
          res.body.results.map((r: { target: string; status: string }) => [r.target, r.status]),
          [
            [dave, 'changed'],
            ['bob@acme.test', 'changed'],
          ],
        )
        assert.deepEqual(await dbCounts('cad-pro'), { used: 1, leases: 1 })
        const log = await t.call(admin, 'GET', '/v1/orgs/acme/audit?action=seats.release')
        const entry = log.body.items.find((e: { target: string }) => e.target === `cad-pro/${dave}`)
        assert.deepEqual(entry.before, { used: 3, user: 'dave@acme.test', host: 'ws-4' })
        assert.deepEqual(entry.after, { used: 2, reason: 'released by an admin' })
        const again = await release(admin, { items: [{ lease: dave }, { user: 'bob@acme.test' }] })
        assert.deepEqual(
          again.body.results.map((r: { status: string }) => r.status),
          ['already-so', 'already-so'],
        )
        // "Already so" is read from state (the released lease's record), never from the audit log
        // (append-only, and still holding the release): without the record the id is unknown.
        await t.storage.db.deleteFrom('released_leases').where('id', '=', dave).execute()
        const gone = await release(admin, { items: [{ lease: dave }] })
        assert.equal(gone.body.results[0].code, 'not_found')
        const unknown = await release(admin, { items: [{ lease: 'ls_00000000000000000000000000' }] })
        assert.equal(unknown.body.results[0].code, 'not_found')
      })

      it('never stops the user checking out again after a release', async () => {
        const res = await checkout(tokens['dave@acme.test']!, 'cad-pro', { host: 'ws-4' })
        assert.equal(res.status, 200)
        assert.equal(res.body.reused, false)
      })

      it('leaves roaming leases alone unless includeRoaming is given', async () => {
        const erin = await leaseOf('erin@acme.test', 'survey')
        const byId = await release(admin, { items: [{ lease: erin }] })
        assert.equal(byId.body.results[0].code, 'lease_roaming')
        assert.match(
          byId.body.results[0].message,
          /^erin@acme\.test borrowed 'survey' on lt-1 for offline use until (today|\d{4}-\d\d-\d\d) at \d\d:\d\d(:\d\d)? \(UTC\): release it with --include-roaming/,
        )
        const byUser = await release(admin, { items: [{ user: 'erin@acme.test' }] })
        assert.equal(byUser.body.results[0].code, 'lease_roaming')
        assert.deepEqual(await dbCounts('survey'), { used: 1, leases: 1 })
        const res = await release(admin, { includeRoaming: true, items: [{ lease: erin }] })
        assert.equal(res.body.results[0].status, 'changed')
        assert.deepEqual(await dbCounts('survey'), { used: 0, leases: 0 })
      })

      it('releases only the desktop seats of a user who also roams, saying how many roam on', async () => {
        const desk = await checkout(tokens['frank@acme.test']!, 'survey', { host: 'ws-6' })
        const lap = await checkout(tokens['frank@acme.test']!, 'survey', {
          host: 'lt-6',
          roamUntil: iso(t.clock.now() + 86_400_000),
        })
        assert.equal(desk.status, 200)
        assert.equal(lap.status, 200)
        const res = await release(admin, { force: true, items: [{ user: 'frank@acme.test' }] })
        assert.equal(res.body.results[0].status, 'changed')
        assert.equal(res.body.results[0].details.keptRoaming, 1)
        assert.deepEqual(
          res.body.results[0].details.released.map((l: { host: string }) => l.host),
          ['ws-6'],
        )
        assert.deepEqual(await dbCounts('survey'), { used: 1, leases: 1 })
      })

      it('releases every lease of a removed member in the same transaction, and says which', async () => {
        const before = await dbCounts('cad-pro')
        const dave = await leaseOf('dave@acme.test')
        const res = await t.call(admin, 'POST', '/v1/orgs/acme/users/bulk-remove', {
          items: [{ email: 'dave@acme.test' }],
        })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.deepEqual(res.body.results[0].details.leasesReleased, [
          { product: 'cad-pro', host: 'ws-4', leaseId: dave },
        ])
        assert.deepEqual(await dbCounts('cad-pro'), { used: before.used - 1, leases: before.leases - 1 })
        const log = await t.call(admin, 'GET', '/v1/orgs/acme/audit?action=seats.release')
        const entry = log.body.items.find((e: { target: string }) => e.target === `cad-pro/${dave}`)
        assert.deepEqual(entry.after, { used: before.used - 1, reason: 'member removed' })
      })
    })

    describe('pages', () => {
      let boss: string
      const paged = '/v1/orgs/paged/seats'
      /** Follows nextCursor with pages of 2, asserting each page's size; returns every item. */
      async function collect<T>(url: string): Promise<T[]> {
        const items: T[] = []
        let cursor: string | null = null
        let pages = 0
        do {
          const sep = url.includes('?') ? '&' : '?'
          const res = await t.call(boss, 'GET', `${url}${sep}limit=2${cursor ? `&cursor=${cursor}` : ''}`)
          assert.equal(res.status, 200, JSON.stringify(res.body))
          assert.ok(res.body.items.length <= 2)
          items.push(...(res.body.items as T[]))
          cursor = res.body.nextCursor
          pages++
        } while (cursor)
        assert.ok(pages > 1, 'the list spans several pages')
        return items
      }

      before(async () => {
        boss = await t.org('paged', 'boss@paged.test')
        const emails = ['p1', 'p2', 'p3', 'p4'].map((n) => `${n}@paged.test`)
        await t.call(boss, 'POST', '/v1/orgs/paged/users/bulk-add', {
          items: emails.map((email) => ({ email })),
        })
        for (const product of ['gamma', 'alpha', 'beta'])
          await t.call(t.operatorToken, 'POST', `${paged}/pools`, {
            product,
            seats: 9,
            expires: '2027-12-31',
          })
        // Five leases over two products, heartbeats a minute apart: p1's is the oldest.
        for (const [i, [user, product]] of [
          ['p1', 'beta'],
          ['p2', 'alpha'],
          ['p3', 'beta'],
          ['p4', 'alpha'],
          ['p1', 'alpha'],
        ].entries()) {
          const res = await t.call(boss, 'POST', `${paged}/pools/${product}/checkout`, {
            user: `${user}@paged.test`,
            host: `h${i}`,
          })
          assert.equal(res.status, 200, JSON.stringify(res.body))
          t.clock.advance(MIN)
        }
        t.clock.advance(15 * MIN)
      })

      it('pages pools by product, leases by product then start, stuck by heartbeat, usage by email', async () => {
        const pools = await collect<{ product: string; inUse: number }>(`${paged}/pools`)
        assert.deepEqual(
          pools.map((p) => [p.product, p.inUse]),
          [
            ['alpha', 3],
            ['beta', 2],
            ['gamma', 0],
          ],
        )
        const leases = await collect<{ product: string; user: string }>(`${paged}/leases`)
        assert.deepEqual(
          leases.map((l) => `${l.product}:${l.user}`),
          [
            'alpha:p2@paged.test',
            'alpha:p4@paged.test',
            'alpha:p1@paged.test',
            'beta:p1@paged.test',
            'beta:p3@paged.test',
          ],
        )
        const stuck = await collect<{ user: string; host: string }>(`${paged}/stuck`)
        assert.deepEqual(
          stuck.map((l) => l.host),
          ['h0', 'h1', 'h2', 'h3', 'h4'],
        )
        const stale = await collect<{ host: string }>(`${paged}/leases?state=stale&product=alpha`)
        assert.deepEqual(
          stale.map((l) => l.host),
          ['h1', 'h3', 'h4'],
        )
        const usage = await collect<{ email: string; leases: number }>(`${paged}/usage`)
        assert.deepEqual(
          usage.map((u) => [u.email, u.leases]),
          [
            ['boss@paged.test', 0],
            ['p1@paged.test', 2],
            ['p2@paged.test', 1],
            ['p3@paged.test', 1],
            ['p4@paged.test', 1],
          ],
        )
      })

      it('refuses a cursor that is not one of the list’s', async () => {
        const res = await t.call(boss, 'GET', `${paged}/leases?cursor=bm9wZQ`)
        assert.equal(res.status, 400)
        assert.equal(res.body.error.code, 'validation_failed')
      })
    })

    describe('host names ignore case (RFC 4343), shown as first typed', () => {
      // Its own organization: the tests above count acme's leases and audit entries.
      let boss: string
      const cased = '/v1/orgs/cased/seats'
      const take = (body: Record<string, unknown>, product = 'case-cad') =>
        t.call(boss, 'POST', `${cased}/pools/${product}/checkout`, body)
      const leasesOn = async (product: string) =>
        (
          await t.storage.db
            .selectFrom('leases')
            .innerJoin('seat_pools', 'seat_pools.id', 'leases.pool_id')
            .innerJoin('users', 'users.id', 'leases.user_id')
            .select(['leases.id', 'users.email', 'leases.host', 'leases.roaming_until'])
            .where('seat_pools.product', '=', product)
            .orderBy('users.email')
            .orderBy('leases.host')
            .execute()
        ).map((l) => [l.email, l.host, l.roaming_until === null ? null : Number(l.roaming_until)])

      before(async () => {
        boss = await t.org('cased', 'boss@cased.test')
        const add = await t.call(boss, 'POST', '/v1/orgs/cased/users/bulk-add', {
          items: ['ann', 'ben'].map((n) => ({ email: `${n}@cased.test`, role: 'member' })),
        })
        assert.equal(add.status, 200, JSON.stringify(add.body))
        for (const product of ['case-cad', 'merge-cad', 'merge-view']) {
          const res = await t.call(t.operatorToken, 'POST', `${cased}/pools`, {
            product,
            seats: 10,
            expires: '2030-12-31',
            maxRoamingSeconds: 30 * 86_400,
          })
          assert.equal(res.status, 201, JSON.stringify(res.body))
        }
      })

      it('gives the same user on WS-01 and then ws-01 their one lease back, the host as first typed', async () => {
        const first = await take({ user: 'ann@cased.test', host: 'WS-01' })
        assert.equal(first.status, 200, JSON.stringify(first.body))
        assert.deepEqual([first.body.host, first.body.reused], ['WS-01', false])
        t.clock.advance(MIN)
        const until = iso(t.clock.now() + 86_400_000)
        const again = await take({ user: 'ann@cased.test', host: 'ws-01', roamUntil: until })
        assert.equal(again.status, 200, JSON.stringify(again.body))
        assert.deepEqual(
          [
            again.body.id,
            again.body.host,
            again.body.reused,
            again.body.lastHeartbeatAt,
            again.body.roamingUntil,
          ],
          [first.body.id, 'WS-01', true, iso(t.clock.now()), until],
        )
        assert.deepEqual(await dbCounts('case-cad'), { used: 1, leases: 1 })
        // Another user on the same host holds a seat of their own; so does the same user on another pool.
        assert.equal((await take({ user: 'ben@cased.test', host: 'ws-01' })).body.reused, false)
        assert.equal((await take({ user: 'ann@cased.test', host: 'Ws-01' }, 'merge-view')).body.reused, false)
        assert.deepEqual(await dbCounts('case-cad'), { used: 2, leases: 2 })
        const log = await t.call(boss, 'GET', '/v1/orgs/cased/audit?action=seats.checkout')
        assert.deepEqual(
          log.body.items.map((e: { after: { user: string; host: string } }) => [e.after.user, e.after.host]),
          [
            ['ann@cased.test', 'Ws-01'],
            ['ben@cased.test', 'ws-01'],
            ['ann@cased.test', 'WS-01'],
          ],
        )
      })

      it('the database keeps a user’s leases of a pool unique by host in any case (A–Z fold only)', async () => {
        const db = t.storage.db
        const held = await db
          .selectFrom('leases')
          .selectAll()
          .where('host', '=', 'WS-01')
          .executeTakeFirstOrThrow()
        const copy = (host: string) => ({
          id: `${held.id.slice(0, -4)}zzzz`,
          pool_id: held.pool_id,
          user_id: held.user_id,
          host,
          started_at: held.started_at,
          last_heartbeat_at: held.last_heartbeat_at,
          roaming_until: null,
        })
        await assert.rejects(db.insertInto('leases').values(copy('ws-01')).execute(), /unique|constraint/i)
        // A process of the previous version, still running during an upgrade, names the exact-host key
        // in its checkout's ON CONFLICT: it still works, and cannot add a second spelling either.
        const previous = (host: string) =>
          db
            .insertInto('leases')
            .values(copy(host))
            .onConflict((oc) => oc.columns(['pool_id', 'user_id', 'host']).doNothing())
            .returning('id')
            .executeTakeFirst()
        assert.equal(await previous('WS-01'), undefined)
        await assert.rejects(previous('ws-01'), /unique|constraint/i)
        // Only A–Z fold, as in DNS and as activation hosts: É and é are two hosts.
        await db.insertInto('leases').values(copy('École-01')).execute()
        const stored = await db
          .deleteFrom('leases')
          .where('id', '=', copy('').id)
          .returning('host_key')
          .executeTakeFirstOrThrow()
        assert.deepEqual([stored.host_key, hostKey('École-01')], ['École-01', 'École-01'])
      })

      it('the migration merges a user’s leases of one pool on one host in any case: the latest heartbeat stays, the others are released and audited', async () => {
        const db = t.storage.db
        const migration = await import('../../src/storage/migrations/0012-lease-host-case.js')
        const ids = Object.fromEntries(
          (
            await db
              .selectFrom('users')
              .select(['id', 'email'])
              .where('email', 'in', ['ann@cased.test', 'ben@cased.test'])
              .execute()
          ).map((u) => [u.email, u.id]),
        )
        const pools = Object.fromEntries(
          (await db.selectFrom('seat_pools').select(['id', 'product']).execute()).map((p) => [
            p.product,
            p.id,
          ]),
        )
        const at = (m: number) => t.clock.now() + m * MIN
        const lease = (
          n: number,
          product: string,
          email: string,
          host: string,
          beat: number,
          roam?: number,
        ) => ({
          id: `ls_${String(n).padStart(26, '0')}`,
          pool_id: pools[product],
          user_id: ids[email],
          host,
          started_at: at(-60 + n),
          last_heartbeat_at: at(beat),
          roaming_until: roam === undefined ? null : at(roam),
        })
        // As an older version let it happen: ann on three spellings of ws-7 (the newest heartbeat on
        // the second; the third borrowed for two days), ben on ws-7 once, ann once on another pool.
        await migration.down(db)
        const rows = [
          lease(1, 'merge-cad', 'ann@cased.test', 'WS-7', -3),
          lease(2, 'merge-cad', 'ann@cased.test', 'ws-7', -1),
          lease(3, 'merge-cad', 'ann@cased.test', 'Ws-7', -10, 2 * 24 * 60),
          lease(4, 'merge-cad', 'ben@cased.test', 'WS-7', -2),
          lease(5, 'merge-view', 'ann@cased.test', 'ws-7', -2),
        ]
        await db
          .insertInto('leases')
          .values(rows as never)
          .execute()
        await db.updateTable('seat_pools').set({ used: 4 }).where('product', '=', 'merge-cad').execute()
        await db.updateTable('seat_pools').set({ used: 2 }).where('product', '=', 'merge-view').execute()
        await migration.up(db)

        const [kept, ...merged] = [rows[1]!, rows[0]!, rows[2]!]
        assert.deepEqual(await leasesOn('merge-cad'), [
          // The borrowed seat stays borrowed, on the lease that stays.
          ['ann@cased.test', 'ws-7', at(2 * 24 * 60)],
          ['ben@cased.test', 'WS-7', null],
        ])
        assert.deepEqual(await dbCounts('merge-cad'), { used: 2, leases: 2 })
        assert.deepEqual(await dbCounts('merge-view'), { used: 2, leases: 2 })
        const released = await db
          .selectFrom('released_leases')
          .select(['id', 'pool_id'])
          .where(
            'id',
            'in',
            merged.map((l) => l.id),
          )
          .orderBy('id')
          .execute()
        assert.deepEqual(
          released.map((r) => [r.id, r.pool_id]),
          merged.map((l) => [l.id, pools['merge-cad']]),
        )

        const log = await t.call(boss, 'GET', '/v1/orgs/cased/audit?actor=migration&limit=100')
        assert.deepEqual(
          log.body.items
            .map((e: { action: string; target: string; before: object; after: object }) => [
              e.action,
              e.target,
              e.before,
              e.after,
            ])
            .reverse(),
          [
            [
              'seats.release',
              `merge-cad/${rows[0]!.id}`,
              { used: 4, user: 'ann@cased.test', host: 'WS-7' },
              { used: 3, reason: `merged into lease ${kept.id} (the same host in another case)` },
            ],
            [
              'seats.release',
              `merge-cad/${rows[2]!.id}`,
              { used: 3, user: 'ann@cased.test', host: 'Ws-7' },
              { used: 2, reason: `merged into lease ${kept.id} (the same host in another case)` },
            ],
            [
              'seats.leases.merge',
              `merge-cad/${kept.id}`,
              {
                used: 4,
                user: 'ann@cased.test',
                leases: [kept, ...merged].map((l) => ({
                  lease: l.id,
                  host: l.host,
                  startedAt: iso(l.started_at),
                  lastHeartbeatAt: iso(l.last_heartbeat_at),
                  roamingUntil: l.roaming_until === null ? null : iso(l.roaming_until),
                })),
              },
              {
                used: 2,
                user: 'ann@cased.test',
                lease: kept.id,
                host: 'ws-7',
                roamingUntil: iso(at(2 * 24 * 60)),
              },
            ],
          ],
        )
        const verify = await t.call(boss, 'GET', '/v1/orgs/cased/audit/verify')
        assert.deepEqual([verify.status, verify.body.intact], [200, true])

        // A released lease's client learns it at its next heartbeat; releasing it again is already so.
        const beat = await t.call(boss, 'POST', `${cased}/leases/${rows[0]!.id}/heartbeat`)
        assert.deepEqual(
          [beat.status, beat.body.error.code, beat.body.error.message],
          [404, 'not_found', `lease '${rows[0]!.id}' not found (released or checked in?)`],
        )
        const again = await t.call(boss, 'POST', `${cased}/releases`, {
          items: [{ lease: rows[2]!.id }],
        })
        assert.equal(again.body.results[0].status, 'already-so')
        // The merged host is one host from now on: checking out on any spelling gets the kept lease.
        const back = await take({ user: 'ann@cased.test', host: 'WS-7' }, 'merge-cad')
        assert.deepEqual([back.body.id, back.body.host, back.body.reused], [kept.id, 'ws-7', true])
        assert.deepEqual(await dbCounts('merge-cad'), { used: 2, leases: 2 })
      })
    })

    // Last: these move the clock, which the tests above count idle times by.
    describe('checking in again', () => {
      it('checks in again as "already so": the lease as it was checked in, changed false, nothing freed twice', async () => {
        const p = await provision({
          product: 'cad-spare',
          seats: 2,
          expires: '2099-12-31',
          leaseTtlSeconds: 600,
        })
        assert.equal(p.status, 201, JSON.stringify(p.body))
        const first = await checkout(tokens['bob@acme.test']!, 'cad-spare', { host: 'ws-bob' })
        assert.equal(first.status, 200, JSON.stringify(first.body))
        const bobLease = first.body.id as string
        t.clock.advance(MIN)
        const path = `${base}/leases/${bobLease}/checkin`
        const done = await t.call(tokens['bob@acme.test']!, 'POST', path)
        assert.equal(done.status, 200, JSON.stringify(done.body))
        assert.equal(done.body.changed, true)
        const counts = await dbCounts('cad-spare')
        const entries = async () =>
          (await t.call(admin, 'GET', '/v1/orgs/acme/audit?action=seats.checkin&limit=1000')).body.items
            .length
        const audited = await entries()
        t.clock.advance(MIN)
        // Its own user, an admin and the operator: the same document, changed false.
        for (const token of [tokens['bob@acme.test']!, admin, t.operatorToken]) {
          const again = await t.call(token, 'POST', path)
          assert.equal(again.status, 200, JSON.stringify(again.body))
          assert.deepEqual(again.body, { ...done.body, changed: false })
        }
        assert.deepEqual(await dbCounts('cad-spare'), counts, 'no seat freed twice')
        assert.equal(await entries(), audited, 'nothing new to audit')
        // A lease an admin released is gone too: its user checking it in is told so, not "not found".
        const second = await checkout(tokens['bob@acme.test']!, 'cad-spare', { host: 'ws-bob-2' })
        const freed = await release(admin, { items: [{ lease: second.body.id }], force: true })
        assert.equal(freed.body.results[0].status, 'changed', JSON.stringify(freed.body))
        const afterRelease = await t.call(
          tokens['bob@acme.test']!,
          'POST',
          `${base}/leases/${second.body.id}/checkin`,
        )
        assert.equal(afterRelease.status, 200, JSON.stringify(afterRelease.body))
        assert.deepEqual([afterRelease.body.host, afterRelease.body.changed], ['ws-bob-2', false])
      })

      it('a released lease of another user is "not found" to a member, word for word as an id that never existed', async () => {
        const bobs = await checkout(tokens['bob@acme.test']!, 'cad-spare', { host: 'ws-bob-3' })
        assert.equal(bobs.status, 200, JSON.stringify(bobs.body))
        const path = (id: string) => `${base}/leases/${id}/checkin`
        assert.equal((await t.call(tokens['bob@acme.test']!, 'POST', path(bobs.body.id))).status, 200)
        const never = 'ls_00000000000000000000000000'
        const foreign = await t.call(tokens['carol@acme.test']!, 'POST', path(bobs.body.id))
        const unknown = await t.call(tokens['carol@acme.test']!, 'POST', path(never))
        assert.deepEqual([foreign.status, unknown.status], [404, 404])
        assert.deepEqual(
          foreign.body,
          JSON.parse(JSON.stringify(unknown.body).replaceAll(never, bobs.body.id)),
        )
        // Never existed: not found to admins too; another organization's path never reaches it.
        assert.equal((await t.call(admin, 'POST', path(never))).status, 404)
        const elsewhere = await t.call(
          t.operatorToken,
          'POST',
          `/v1/orgs/globex/seats/leases/${bobs.body.id}/checkin`,
        )
        assert.equal(elsewhere.status, 404)
        // Released before the holder was recorded (an older server): not found, as it always was.
        await t.storage.db
          .updateTable('released_leases')
          .set({ user_id: null, host: null, started_at: null, last_heartbeat_at: null, roaming_until: null })
          .where('id', '=', bobs.body.id)
          .execute()
        const legacy = await t.call(tokens['bob@acme.test']!, 'POST', path(bobs.body.id))
        assert.equal(legacy.status, 404, JSON.stringify(legacy.body))
        const asAdmin = await t.call(admin, 'POST', path(bobs.body.id))
        assert.equal(asAdmin.status, 404, JSON.stringify(asAdmin.body))
      })
    })

    describe('pool updates in the audit log', () => {
      it('records a new lease TTL and roaming limit before and after, not only the seat counts', async () => {
        const initech = await t.org('initech-ttl', 'admin@initech-ttl.test')
        const pools = '/v1/orgs/initech-ttl/seats/pools'
        const made = await t.call(t.operatorToken, 'POST', pools, {
          product: 'cad-pro',
          seats: 2,
          expires: '2027-06-30',
          leaseTtlSeconds: 900,
        })
        assert.equal(made.status, 201, JSON.stringify(made.body))
        const ttl = await t.call(t.operatorToken, 'PATCH', `${pools}/cad-pro`, {
          leaseTtlSeconds: 60,
          maxRoamingSeconds: 7 * 86_400,
        })
        assert.equal(ttl.status, 200, JSON.stringify(ttl.body))
        const seats = await t.call(t.operatorToken, 'PATCH', `${pools}/cad-pro`, { addSeats: 1 })
        assert.equal(seats.status, 200, JSON.stringify(seats.body))
        const log = await t.call(initech, 'GET', '/v1/orgs/initech-ttl/audit?action=seats.update')
        assert.deepEqual(
          log.body.items.map((e: { before: unknown; after: unknown }) => [e.before, e.after]),
          [
            [
              { seats: 2, used: 0, expiresAt: '2027-07-01T00:00:00.000Z' },
              { seats: 3, used: 0, expiresAt: '2027-07-01T00:00:00.000Z' },
            ],
            [
              {
                seats: 2,
                used: 0,
                expiresAt: '2027-07-01T00:00:00.000Z',
                leaseTtlSeconds: 900,
                maxRoamingSeconds: null,
              },
              {
                seats: 2,
                used: 0,
                expiresAt: '2027-07-01T00:00:00.000Z',
                leaseTtlSeconds: 60,
                maxRoamingSeconds: 604_800,
              },
            ],
          ],
        )
      })
    })

    describe('an expiry moved earlier', () => {
      it('brings leases roaming past the new expiry back to it, and says how many in the audit entry', async () => {
        const org = await t.org('roam-cap', 'admin@roam-cap.test')
        const pools = '/v1/orgs/roam-cap/seats/pools'
        const made = await t.call(t.operatorToken, 'POST', pools, {
          product: 'survey',
          seats: 3,
          expires: iso(t.clock.now() + 60 * 86_400_000).slice(0, 10),
          maxRoamingSeconds: 30 * 86_400,
        })
        assert.equal(made.status, 201, JSON.stringify(made.body))
        const out = async (host: string, roamUntil?: string) => {
          const res = await t.call(org, 'POST', `${pools}/survey/checkout`, {
            host,
            ...(roamUntil ? { roamUntil } : {}),
          })
          assert.equal(res.status, 200, JSON.stringify(res.body))
          return res.body as { id: string; roamingUntil: string | null }
        }
        const far = await out('cabin', '20d')
        const near = await out('boat', '2d')
        const office = await out('desk')
        const sooner = iso(t.clock.now() + 10 * 86_400_000)
        const moved = await t.call(t.operatorToken, 'PATCH', `${pools}/survey`, { expires: sooner })
        assert.equal(moved.status, 200, JSON.stringify(moved.body))
        const leases = await t.call(org, 'GET', '/v1/orgs/roam-cap/seats/leases')
        const until = Object.fromEntries(
          leases.body.items.map((l: { id: string; roamingUntil: string | null }) => [l.id, l.roamingUntil]),
        )
        assert.deepEqual(until, {
          [far.id]: moved.body.expiresAt,
          [near.id]: near.roamingUntil,
          [office.id]: null,
        })
        const log = await t.call(org, 'GET', '/v1/orgs/roam-cap/audit?action=seats.update')
        assert.equal(log.body.items[0].after.roamingCapped, 1)
        // A later expiry leaves roaming as it is (and says nothing of it).
        const later = await t.call(t.operatorToken, 'PATCH', `${pools}/survey`, {
          expires: iso(t.clock.now() + 90 * 86_400_000),
        })
        assert.equal(later.status, 200, JSON.stringify(later.body))
        const again = await t.call(org, 'GET', '/v1/orgs/roam-cap/seats/leases')
        assert.equal(
          again.body.items.find((l: { id: string }) => l.id === far.id).roamingUntil,
          moved.body.expiresAt,
        )
        const log2 = await t.call(org, 'GET', '/v1/orgs/roam-cap/audit?action=seats.update')
        assert.equal(log2.body.items[0].after.roamingCapped, undefined)
      })
    })

    describe('lease ids in capitals', () => {
      it('takes a lease id in capitals as the same lease (Crockford base32 ignores case)', async () => {
        const owner = await t.org('caps-co', 'admin@caps-co.test')
        const base = '/v1/orgs/caps-co/seats'
        const made = await t.call(t.operatorToken, 'POST', `${base}/pools`, {
          product: 'cad-pro',
          seats: 1,
          expires: '2027-06-30',
        })
        assert.equal(made.status, 201, JSON.stringify(made.body))
        const out = await t.call(owner, 'POST', `${base}/pools/cad-pro/checkout`, { host: 'ws-1' })
        assert.equal(out.status, 200, JSON.stringify(out.body))
        const id = out.body.id as string
        const loud = id.toUpperCase()
        const beat = await t.call(owner, 'POST', `${base}/leases/${loud}/heartbeat`)
        assert.deepEqual([beat.status, beat.body.id], [200, id])
        const plan = await t.call(owner, 'POST', `${base}/releases`, {
          items: [{ lease: loud }],
          dryRun: true,
          force: true,
        })
        assert.equal(plan.status, 200, JSON.stringify(plan.body))
        assert.deepEqual([plan.body.results[0].status, plan.body.results[0].target], ['will-change', id])
        const back = await t.call(owner, 'POST', `${base}/leases/${loud}/checkin`)
        assert.deepEqual([back.status, back.body.id, back.body.changed], [200, id, true])
        const again = await t.call(owner, 'POST', `${base}/leases/${loud}/checkin`)
        assert.deepEqual([again.status, again.body.id, again.body.changed], [200, id, false])
      })
    })
  })
}
