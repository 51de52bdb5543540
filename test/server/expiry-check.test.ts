import { strict as assert } from 'node:assert'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'
import { checkExpiry } from '../../src/server/services/expiry-check.js'
import { expiryQuery } from '../../src/contract/expiry.js'
import type { ServiceContext } from '../../src/server/context.js'

const START = Date.parse('2026-01-01T09:00:00Z')
const NOW = Date.parse('2026-01-15T10:00:00Z')

for (const dialect of DIALECTS) {
  describe(`expiry check (service) on ${dialect}`, function () {
    let t: TestApp
    let activationId = ''
    const check = (q: Record<string, string> = {}) => {
      const ctx: ServiceContext = {
        db: t.storage.db,
        dialect,
        clock: t.clock,
        principal: { kind: 'operator', tokenId: 'test' },
      }
      // The kinds of the seats, cloud and tokens topics unless asked (activations have a test of their own).
      return checkExpiry(ctx, 'acme', expiryQuery.parse({ kind: 'seat-pool,addon-pool,token', ...q }))
    }
    const rows = (r: Awaited<ReturnType<typeof check>>) =>
      r.items.map((i) => [i.kind, i.name, i.reason, i.severity, i.daysLeft])

    before(async () => {
      t = await startApp(dialect, START)
      const admin = await t.org('acme', 'admin@acme.test')
      await t.org('globex', 'admin@globex.test')
      const op = (path: string, body: object) => t.call(t.operatorToken, 'POST', `/v1/orgs/acme${path}`, body)
      const pool = (product: string, expires: string, seats = 10) =>
        op('/seats/pools', { product, seats, expires })
      for (const r of [
        await pool('edge-in', '2026-02-14'), // valid through day 30
        await pool('exact-30d', '2026-02-14T10:00:00Z'), // expires exactly 30 days from now
        await pool('edge-out', '2026-02-15T00:01:00Z'), // a minute past the window's last day
        await pool('far', '2027-01-01'),
        await pool('full', '2027-01-01', 1),
        await op('/cloud/addons', { key: 'cp', name: 'Cloud Processing', total: 3, expires: '2026-01-20' }),
        await op('/cloud/addons', { key: 'old', name: 'Old Add-on', total: 3, expires: '2026-01-10' }),
      ])
        assert.ok(r.status === 201, JSON.stringify(r.body))
      await t.call(t.operatorToken, 'POST', '/v1/orgs/globex/seats/pools', {
        product: 'other-org',
        seats: 1,
        expires: '2026-01-16',
      })
      const ent = await op('/activations/entitlements', {
        product: 'viewer',
        type: 'NL',
        seats: 5,
        expires: '2026-02-10',
      })
      assert.equal(ent.status, 201, JSON.stringify(ent.body))
      const id = await t.call(admin, 'POST', '/v1/orgs/acme/activations/ids', {
        product: 'viewer',
        quantity: 2,
      })
      assert.equal(id.status, 201, JSON.stringify(id.body))
      activationId = id.body.id
      const tok = await t.call(admin, 'POST', '/v1/orgs/acme/tokens', {
        name: 'ci',
        readOnly: true,
        expiresAt: '2026-02-01T00:00:00Z',
      })
      assert.equal(tok.status, 201, JSON.stringify(tok.body))
      const out = await t.call(admin, 'POST', '/v1/orgs/acme/seats/pools/full/checkout', { host: 'ws-1' })
      assert.equal(out.status, 200, JSON.stringify(out.body))
      t.clock.ms = NOW
    })
    after(() => t.close())

    it('reports each kind in the 30-day window, expired first, the window ending after its 30th day', async () => {
      const r = await check()
      assert.deepEqual(rows(r), [
        ['addon-pool', 'Old Add-on', 'expiry', 'expired', -5],
        ['addon-pool', 'Cloud Processing', 'expiry', 'failing', 5],
        ['token', 'ci', 'expiry', 'failing', 16],
        ['seat-pool', 'exact-30d', 'expiry', 'failing', 30],
        ['seat-pool', 'edge-in', 'expiry', 'failing', 30],
        ['seat-pool', 'full', 'capacity', 'warning', 351],
      ])
      assert.equal(r.window.until, '2026-02-15T00:00:00.000Z')
      assert.deepEqual(r.summary, {
        total: 6,
        expired: 1,
        failing: 4,
        warning: 1,
        byKind: { 'addon-pool': 2, token: 1, 'seat-pool': 3 },
      })
      const token = r.items.find((i) => i.kind === 'token')!
      assert.equal(token.owner, 'admin@acme.test')
      assert.deepEqual(token.affected, { count: 1, unit: 'token' })
      const cp = r.items.find((i) => i.name === 'Cloud Processing')!
      assert.deepEqual(
        [cp.id, cp.org, cp.expiresAt, cp.validThrough],
        ['cp', 'acme', '2026-01-21T00:00:00.000Z', '2026-01-20'],
      )
      assert.deepEqual(cp.affected, { count: 3, unit: 'licenses' })
    })

    it('finds the kinds the activations topic registers: entitlements and activation IDs', async () => {
      const r = await check({ kind: 'entitlement,activation-id' })
      assert.deepEqual(
        r.items.map((i) => [i.kind, i.name, i.severity, i.daysLeft, i.affected]),
        [
          ['activation-id', `${activationId} (viewer NL)`, 'failing', 26, { count: 2, unit: 'seats' }],
          ['entitlement', 'viewer (NL)', 'failing', 26, { count: 5, unit: 'seats' }],
        ],
      )
    })

    it('splits warnings from failures with failWithin', async () => {
      const r = await check({ failWithin: '7d' })
      assert.deepEqual(
        r.items.map((i) => [i.name, i.severity]),
        [
          ['Old Add-on', 'expired'],
          ['Cloud Processing', 'failing'],
          ['ci', 'warning'],
          ['exact-30d', 'warning'],
          ['edge-in', 'warning'],
          ['full', 'warning'],
        ],
      )
      assert.deepEqual([r.summary.failing, r.summary.expired, r.summary.warning], [1, 1, 4])
    })

    it('leaves expired items out with expired=exclude, and capacity out with capacity=0', async () => {
      const r = await check({ expired: 'exclude', capacity: '0' })
      assert.deepEqual(
        r.items.map((i) => i.name),
        ['Cloud Processing', 'ci', 'exact-30d', 'edge-in'],
      )
    })

    it('counts a shorter window exactly: 12h, and a window of days by calendar days', async () => {
      assert.deepEqual(
        (await check({ within: '12h', capacity: '0' })).items.map((i) => i.name),
        ['Old Add-on'],
      )
      // cp is valid through Jan 20, 5 days after today: inside 5d, outside 4d.
      assert.deepEqual(
        (await check({ within: '5d', capacity: '0', expired: 'exclude' })).items.map((i) => i.name),
        ['Cloud Processing'],
      )
      assert.deepEqual((await check({ within: '4d', capacity: '0', expired: 'exclude' })).items, [])
    })

    it('checks only the kinds asked for, and refuses an unknown kind naming the known ones', async () => {
      assert.deepEqual(
        (await check({ kind: 'token' })).items.map((i) => i.kind),
        ['token'],
      )
      // A kind named twice (`--kind token --kind token`, or a list joined from two sources) is checked once.
      const twice = await check({ kind: 'token,token, token' })
      assert.deepEqual(
        [twice.items.map((i) => i.kind), twice.kinds, twice.summary.total],
        [['token'], ['token'], 1],
      )
      await assert.rejects(check({ kind: 'seat-pool,nope' }), {
        code: 'validation_failed',
        message:
          "query.kind: unknown kind 'nope'; known: activation-id, addon-pool, device-key, device-license, device-pool-license, entitlement, seat-pool, token",
      })
    })

    it('refuses a warn level longer than the window', async () => {
      await assert.rejects(check({ within: '7d', failWithin: '14d' }), {
        code: 'validation_failed',
        message: "query.failWithin: must not be longer than the window (7d), got '14d'",
      })
    })

    it('reports capacity as failing with failOnCapacity, at the threshold given', async () => {
      const r = await check({ kind: 'seat-pool', capacity: '100', failOnCapacity: 'true', within: '1d' })
      assert.deepEqual(rows(r), [['seat-pool', 'full', 'capacity', 'failing', 351]])
      assert.deepEqual(r.items[0]!.usage, { used: 1, total: 1, percent: 100 })
    })

    it('names the command that clears an expired token: its id, which `tokens list` no longer shows', async () => {
      const failing = (await check({ kind: 'token' })).items[0]!
      assert.equal(failing.remedy, null, 'nothing to do yet: it still works')
      t.clock.ms = Date.parse('2026-02-02T10:00:00Z')
      try {
        const expired = (await check({ kind: 'token' })).items[0]!
        assert.deepEqual([expired.name, expired.severity], ['ci', 'expired'])
        assert.match(expired.id, /^tok_/)
        assert.equal(
          expired.remedy,
          `\`licctl orgs tokens revoke ${expired.id}\` clears the expired API token 'ci' of admin@acme.test from the check`,
        )
      } finally {
        t.clock.ms = NOW
      }
    })
  })
}
