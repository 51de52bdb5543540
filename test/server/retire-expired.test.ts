import { strict as assert } from 'node:assert'
import { expiryQuery } from '../../src/contract/expiry.js'
import type { ServiceContext } from '../../src/server/context.js'
import { checkExpiry } from '../../src/server/services/expiry-check.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

const at = (iso: string) => Date.parse(iso)
/** Everything is provisioned valid through 2026-01-10 (the org's time zone is UTC). */
const START = at('2026-01-05T12:00:00Z')
const LAPSED = at('2026-01-20T12:00:00Z')
const EXPIRES_AT = '2026-01-11T00:00:00.000Z'

/**
 * What the organization bought and did not renew keeps failing `expiry check` once expired: an
 * admin retires it (seats retire, cloud retire, activations retire), and it leaves the check.
 */
interface Kind {
  title: string
  /** The check's kinds for it, and the names its items carry there. */
  kinds: string
  items: string[]
  retire: string
  action: string
  target: string
  /** How refusals name it. */
  thing: string
  /** Its row in its list. */
  listed(t: TestApp, admin: string): Promise<{ expired: boolean; retiredAt: string | null }>
  /** Using it, once expired (and retired): refused as expired. */
  use(t: TestApp, admin: string): Promise<{ status: number; code: string }>
  renew: { path: string }
}

const KINDS: Kind[] = [
  {
    title: 'a seat pool',
    kinds: 'seat-pool',
    items: ['seat-pool cad-pro'],
    retire: '/v1/orgs/acme/seats/pools/cad-pro/retire',
    action: 'seats.retire',
    target: 'cad-pro',
    thing: "seat pool 'cad-pro'",
    async listed(t, admin) {
      const r = await t.call(admin, 'GET', '/v1/orgs/acme/seats/pools')
      return r.body.items.find((p: { product: string }) => p.product === 'cad-pro')
    },
    async use(t, admin) {
      const r = await t.call(admin, 'POST', '/v1/orgs/acme/seats/pools/cad-pro/checkout', { host: 'ws-1' })
      return { status: r.status, code: r.body.error?.code }
    },
    renew: { path: '/v1/orgs/acme/seats/pools/cad-pro' },
  },
  {
    title: 'an add-on pool',
    kinds: 'addon-pool',
    items: ['addon-pool Cloud Processing'],
    retire: '/v1/orgs/acme/cloud/addons/cloud-processing/retire',
    action: 'cloud.retire',
    target: 'cloud-processing',
    thing: "add-on pool 'cloud-processing'",
    async listed(t, admin) {
      const r = await t.call(admin, 'GET', '/v1/orgs/acme/cloud/addons')
      return r.body.items.find((a: { key: string }) => a.key === 'cloud-processing')
    },
    async use(t, admin) {
      const r = await t.call(
        admin,
        'GET',
        '/v1/orgs/acme/cloud/addons/cloud-processing/check?user=ann@acme.test',
      )
      return { status: r.status, code: r.body.error?.code }
    },
    renew: { path: '/v1/orgs/acme/cloud/addons/cloud-processing' },
  },
  {
    title: 'an entitlement with node-locked activation IDs',
    kinds: 'entitlement,activation-id',
    items: ['entitlement cad-desk (NL)', 'activation-id NL1', 'activation-id NL2'],
    retire: '/v1/orgs/acme/activations/entitlements/cad-desk/retire',
    action: 'activations.retire',
    target: 'cad-desk',
    thing: "the entitlement for 'cad-desk'",
    async listed(t, admin) {
      const r = await t.call(admin, 'GET', '/v1/orgs/acme/activations/entitlements')
      return r.body.items.find((e: { product: string }) => e.product === 'cad-desk')
    },
    async use(t, admin) {
      const r = await t.call(admin, 'POST', `/v1/orgs/acme/activations/ids/${ids.NL2}/activate`, {
        host: 'ws-9',
      })
      return { status: r.status, code: r.body.error?.code }
    },
    renew: { path: '/v1/orgs/acme/activations/entitlements/cad-desk' },
  },
  {
    title: 'an entitlement with a concurrent activation ID',
    kinds: 'entitlement,activation-id',
    items: ['entitlement sim-server (CC)', 'activation-id CC1'],
    retire: '/v1/orgs/acme/activations/entitlements/sim-server/retire',
    action: 'activations.retire',
    target: 'sim-server',
    thing: "the entitlement for 'sim-server'",
    async listed(t, admin) {
      const r = await t.call(admin, 'GET', '/v1/orgs/acme/activations/entitlements')
      return r.body.items.find((e: { product: string }) => e.product === 'sim-server')
    },
    async use(t, admin) {
      const r = await t.call(admin, 'POST', '/v1/orgs/acme/activations/ids', {
        product: 'sim-server',
        quantity: 1,
      })
      return { status: r.status, code: r.body.error?.code }
    },
    renew: { path: '/v1/orgs/acme/activations/entitlements/sim-server' },
  },
]

/** The activation IDs generated, by a short name the items above use. */
const ids: Record<string, string> = {}

for (const dialect of DIALECTS) {
  describe(`retiring what expired and is not renewed, on ${dialect}`, function () {
    let t: TestApp
    let admin: string
    let readOnly: string
    let member: string
    const ok = (r: { status: number; body: unknown }, status = 200) => {
      assert.equal(r.status, status, JSON.stringify(r.body))
      return r.body as any
    }
    /** The check's items of some kinds, as `kind name` (activation IDs by their short name). */
    const check = async (kinds: string) => {
      const ctx: ServiceContext = {
        db: t.storage.db,
        dialect,
        clock: t.clock,
        principal: { kind: 'operator', tokenId: 'test' },
      }
      const report = await checkExpiry(ctx, 'acme', expiryQuery.parse({ kind: kinds, within: '30d' }))
      const short = new Map(Object.entries(ids).map(([k, v]) => [v, k]))
      return report.items.map((i) => ({
        item: `${i.kind} ${i.kind === 'activation-id' ? short.get(i.id) : i.name}`,
        severity: i.severity,
        remedy: i.remedy,
      }))
    }
    const audited = async (action: string, target?: string) =>
      ok(
        await t.call(
          admin,
          'GET',
          `/v1/orgs/acme/audit?action=${action}${target ? `&target=${target}` : ''}`,
        ),
      ).items as Array<{
        target: string
        actor: string
        before: unknown
        after: unknown
      }>
    const lapsed = async (fn: () => Promise<void>) => {
      t.clock.ms = LAPSED
      try {
        await fn()
      } finally {
        t.clock.ms = START
      }
    }

    before(async () => {
      t = await startApp(dialect, START)
      admin = await t.org('acme', 'ann@acme.test')
      const op = t.operatorToken
      const expires = '2026-01-10'
      ok(
        await t.call(op, 'POST', '/v1/orgs/acme/seats/pools', { product: 'cad-pro', seats: 2, expires }),
        201,
      )
      ok(
        await t.call(op, 'POST', '/v1/orgs/acme/cloud/addons', {
          key: 'cloud-processing',
          name: 'Cloud Processing',
          total: 2,
          expires,
        }),
        201,
      )
      ok(
        await t.call(admin, 'POST', '/v1/orgs/acme/cloud/addons/cloud-processing/bulk-assign', {
          items: [{ email: 'ann@acme.test' }],
        }),
      )
      for (const [product, type] of [
        ['cad-desk', 'NL'],
        ['sim-server', 'CC'],
      ] as const)
        ok(
          await t.call(op, 'POST', '/v1/orgs/acme/activations/entitlements', {
            product,
            type,
            seats: 10,
            expires,
          }),
          201,
        )
      for (const [name, product, quantity] of [
        ['NL1', 'cad-desk', 1],
        ['NL2', 'cad-desk', 1],
        ['CC1', 'sim-server', 4],
      ] as const)
        ids[name] = ok(
          await t.call(admin, 'POST', '/v1/orgs/acme/activations/ids', { product, quantity }),
          201,
        ).id
      ok(await t.call(admin, 'POST', `/v1/orgs/acme/activations/ids/${ids.NL1}/activate`, { host: 'ws-1' }))
      ok(
        await t.call(admin, 'POST', `/v1/orgs/acme/activations/ids/${ids.CC1}/activate`, {
          host: 'lic-1',
          seats: 2,
        }),
      )
      readOnly = ok(await t.call(admin, 'POST', '/v1/orgs/acme/tokens', { readOnly: true }), 201).token
      ok(await t.call(admin, 'POST', '/v1/orgs/acme/users/bulk-add', { items: [{ email: 'max@acme.test' }] }))
      member = ok(
        await t.call(admin, 'POST', '/v1/orgs/acme/tokens', { userEmail: 'max@acme.test' }),
        201,
      ).token
    })
    after(async () => t.close())

    // Mocha runs a suite's own tests before its nested suites: each step is a suite, in order.
    describe('before any is retired', function () {
      it('keeps failing on each of them once expired, naming the command that retires it', async () => {
        await lapsed(async () => {
          const items = await check('seat-pool,addon-pool,entitlement,activation-id')
          assert.deepEqual(
            items.map((i) => i.severity),
            Array(items.length).fill('expired'),
          )
          const remedy = (kind: string) => items.find((i) => i.item.startsWith(kind))!.remedy
          assert.equal(
            remedy('seat-pool'),
            "seat pool 'cad-pro' has expired: if it is not to be renewed, `licctl seats retire cad-pro` retires it and clears it from the check",
          )
          assert.equal(
            remedy('addon-pool'),
            "add-on pool 'cloud-processing' has expired: if it is not to be renewed, `licctl cloud retire cloud-processing` retires it and clears it from the check",
          )
          const entitlement =
            "the entitlement for 'cad-desk' has expired: if it is not to be renewed, `licctl activations retire cad-desk` retires it and its activation IDs and clears them from the check"
          assert.equal(remedy('entitlement cad-desk'), entitlement)
          // The ID's remedy is its entitlement's: one hint for both.
          assert.equal(remedy('activation-id NL1'), entitlement)
          // The portal return, the one action an ID has, is refused for node-locked IDs.
          const nl = await t.call(admin, 'POST', `/v1/orgs/acme/activations/ids/${ids.NL1}/return`, {
            force: true,
          })
          assert.equal(nl.body.error.code, 'return_not_supported')
        })
      })
    })

    for (const k of KINDS) {
      describe(k.title, function () {
        it('is refused before it has expired (not_expired, exit 3), changing nothing', async () => {
          const r = await t.call(admin, 'POST', k.retire)
          assert.equal(r.status, 409, JSON.stringify(r.body))
          assert.deepEqual(r.body.error, {
            code: 'not_expired',
            message: `${k.thing} is valid through 2026-01-10: it can be retired once it has expired, if it is not renewed`,
            details: { expiresAt: EXPIRES_AT },
          })
          assert.equal((await k.listed(t, admin)).retiredAt, null)
          assert.deepEqual(
            (await check(k.kinds)).filter((i) => k.items.includes(i.item)).map((i) => i.severity),
            k.items.map(() => 'failing'),
          )
          assert.deepEqual(await audited(k.action, k.target), [])
        })

        it('is refused to a member and to a read-only admin token (403), changing nothing', async () => {
          await lapsed(async () => {
            for (const [token, code] of [
              [readOnly, 'read_only_token'],
              [member, 'not_admin'],
            ] as const) {
              const r = await t.call(token, 'POST', k.retire)
              assert.deepEqual([r.status, r.body.error.code], [403, code], JSON.stringify(r.body))
            }
            assert.equal((await k.listed(t, admin)).retiredAt, null)
            assert.deepEqual(
              (await check(k.kinds))
                .filter((i) => k.items.includes(i.item))
                .map((i) => i.item)
                .sort(),
              [...k.items].sort(),
            )
          })
        })

        it('once expired, retires it: audited, out of the check, still listed and refusing use', async () => {
          await lapsed(async () => {
            const body = ok(await t.call(admin, 'POST', k.retire))
            assert.deepEqual(
              [body.changed, body.expired, body.retiredAt, body.validThrough],
              [true, true, '2026-01-20T12:00:00.000Z', '2026-01-10'],
            )
            assert.deepEqual(
              (await audited(k.action, k.target)).map((e) => [e.target, e.actor, e.before, e.after]),
              [
                [
                  k.target,
                  'ann@acme.test',
                  { expiresAt: EXPIRES_AT, retired: false },
                  { expiresAt: EXPIRES_AT, retired: true },
                ],
              ],
            )
            const left = (await check(k.kinds)).map((i) => i.item)
            for (const item of k.items) assert.ok(!left.includes(item), `${item} still in ${left.join(', ')}`)
            const listed = await k.listed(t, admin)
            assert.deepEqual([listed.expired, listed.retiredAt], [true, '2026-01-20T12:00:00.000Z'])
            const used = await k.use(t, admin)
            assert.equal(used.status, 409)
            assert.match(used.code, /^(pool_expired|activation_expired|entitlement_expired)$/)

            // Again: already so, exit 0, the same document with changed false, no second entry.
            const again = ok(await t.call(admin, 'POST', k.retire))
            assert.deepEqual(again, { ...body, changed: false })
            assert.equal((await audited(k.action, k.target)).length, 1)
            const chain = ok(await t.call(admin, 'GET', '/v1/orgs/acme/audit/verify'))
            assert.equal(chain.intact, true)
          })
        })
      })
    }

    describe('once retired', function () {
      it("retires an entitlement's IDs still active with it, named in the answer", async () => {
        await lapsed(async () => {
          const retired = ok(
            await t.call(admin, 'POST', '/v1/orgs/acme/activations/entitlements/cad-desk/retire'),
          )
          assert.deepEqual(retired.ids, [ids.NL1, ids.NL2].sort())
          // Hosts still holding them stay on record, and can still give them back.
          const shown = ok(await t.call(admin, 'GET', `/v1/orgs/acme/activations/ids/${ids.NL1}`))
          assert.deepEqual(
            shown.hosts.map((h: { host: string }) => h.host),
            ['ws-1'],
          )
        })
      })

      it('takes a retired pool renewed by a version that knows nothing of retiring as current', async () => {
        await lapsed(async () => {
          // What an old process does during a rolling upgrade: a new expiration, the mark left on.
          const renew = (expires: number) =>
            t.storage.db
              .updateTable('seat_pools')
              .set({ expires_at: expires })
              .where('product', '=', 'cad-pro')
              .execute()
          await renew(at('2026-02-01T00:00:00Z'))
          try {
            assert.deepEqual((await KINDS[0]!.listed(t, admin)).retiredAt, null)
            assert.deepEqual(
              (await check('seat-pool')).map((i) => [i.item, i.severity]),
              [['seat-pool cad-pro', 'failing']],
            )
          } finally {
            await renew(at(EXPIRES_AT))
          }
          assert.equal((await check('seat-pool')).length, 0)
        })
      })

      it('makes a retired one current again when the operator renews it, and reports it again', async () => {
        const op = t.operatorToken
        await lapsed(async () => {
          for (const k of KINDS) {
            const renewed = ok(await t.call(op, 'PATCH', k.renew.path, { expires: '2026-02-01' }))
            assert.deepEqual([renewed.retiredAt, renewed.expired], [null, false])
            assert.deepEqual(
              (await check(k.kinds)).filter((i) => k.items.includes(i.item)).map((i) => i.severity),
              k.items.map(() => 'failing'),
            )
          }
          const entries = (await audited('seats.update')).map((e) => [e.before, e.after])
          assert.deepEqual(entries[0], [
            { seats: 2, used: 0, expiresAt: EXPIRES_AT, retired: true },
            { seats: 2, used: 0, expiresAt: '2026-02-02T00:00:00.000Z', retired: false },
          ])
          // Usable again: renewing was the organization's other answer.
          ok(await t.call(admin, 'POST', '/v1/orgs/acme/seats/pools/cad-pro/checkout', { host: 'ws-1' }))
        })
      })
    })
  })
}
