import { strict as assert } from 'node:assert'
import { expiryQuery } from '../../src/contract/expiry.js'
import type { ServiceContext } from '../../src/server/context.js'
import { checkExpiry } from '../../src/server/services/expiry-check.js'
import { explain } from '../../src/server/services/explain.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

const at = (iso: string) => Date.parse(iso)
/** 04:00 in New York: the org's day is 2025-01-20, so 365 days are valid through 2026-01-20. */
const START = at('2025-01-20T09:00:00Z')
const NOW = at('2025-12-25T15:00:00Z')

for (const dialect of DIALECTS) {
  describe(`expiry check of device licenses and keys on ${dialect}`, function () {
    let t: TestApp
    let admin: string
    const check = (q: Record<string, string> = {}) => {
      const ctx: ServiceContext = {
        db: t.storage.db,
        dialect,
        clock: t.clock,
        principal: { kind: 'operator', tokenId: 'test' },
      }
      return checkExpiry(
        ctx,
        'acme',
        expiryQuery.parse({ kind: 'device-license,device-pool-license,device-key', ...q }),
      )
    }
    const issue = async (count: number, expires?: string) => {
      const res = await t.call(t.operatorToken, 'POST', '/v1/devices/keys', {
        category: 'router',
        term: '1y',
        count,
        ...(expires === undefined ? {} : { expires }),
      })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      return res.body.keys[0] as { key: string; serial: string }
    }
    const addKey = async (key: string, org = 'acme', token = admin) => {
      const res = await t.call(token, 'POST', `/v1/orgs/${org}/devices/keys`, { key, acceptTerms: true })
      assert.equal(res.status, 201, JSON.stringify(res.body))
    }
    const assign = async (serial: string) => {
      const res = await t.call(admin, 'POST', '/v1/orgs/acme/devices/bulk-assign', { items: [{ serial }] })
      assert.equal(res.status, 200, JSON.stringify(res.body))
    }
    let soonKey = ''
    const why = (serial: string) =>
      explain(
        { db: t.storage.db, dialect, clock: t.clock, principal: { kind: 'operator', tokenId: 'test' } },
        'acme',
        'ann@acme.test',
        { subject: 'device', name: serial },
      )

    before(async () => {
      t = await startApp(dialect, START)
      admin = await t.org('acme', 'ann@acme.test')
      const globex = await t.org('globex', 'gus@globex.test')
      const tz = await t.call(admin, 'PATCH', '/v1/orgs/acme', { timeZone: 'America/New_York' })
      assert.equal(tz.status, 200, JSON.stringify(tz.body))
      const cat = await t.call(t.operatorToken, 'POST', '/v1/devices/categories', {
        name: 'router',
        models: ['R-1000'],
      })
      assert.equal(cat.status, 201, JSON.stringify(cat.body))
      await addKey((await issue(2)).key)
      const added = await t.call(admin, 'POST', '/v1/orgs/acme/devices/bulk-add', {
        items: [
          { serial: 'R1', model: 'R-1000', name: 'front desk' },
          { serial: 'R2', model: 'R-1000' },
          { serial: 'R3', model: 'R-1000' },
        ],
      })
      assert.equal(added.status, 200, JSON.stringify(added.body))
      await assign('R1') // valid through 2026-01-20 in New York
      t.clock.ms = NOW
      await assign('R2') // valid through 2026-12-25: outside any window here
      const soon = await issue(2, '2026-01-10') // its licenses can be assigned through 2026-01-10 (UTC)
      soonKey = soon.serial
      await addKey(soon.key)
      await addKey((await issue(1, '2026-06-01')).key)
      // Another org's pool license in the window is not acme's.
      await addKey((await issue(1, '2026-01-05')).key, 'globex', globex)
    })
    after(() => t.close())

    it('finds the assigned license naming its device, and pool licenses and their key, inside 30 days', async () => {
      const r = await check()
      assert.deepEqual(
        r.items.map((i) => [
          i.kind,
          i.name,
          i.owner,
          i.expiresAt,
          i.validThrough,
          i.daysLeft,
          i.severity,
          i.affected,
        ]),
        [
          [
            'device-key',
            `${soonKey} (router 1y)`,
            null,
            '2026-01-11T00:00:00.000Z',
            '2026-01-10',
            16,
            'failing',
            { count: 2, unit: 'licenses' },
          ],
          [
            'device-pool-license',
            `${soonKey}-1 (router 1y)`,
            null,
            '2026-01-11T00:00:00.000Z',
            '2026-01-10',
            16,
            'failing',
            { count: 1, unit: 'licenses' },
          ],
          [
            'device-pool-license',
            `${soonKey}-2 (router 1y)`,
            null,
            '2026-01-11T00:00:00.000Z',
            '2026-01-10',
            16,
            'failing',
            { count: 1, unit: 'licenses' },
          ],
          [
            'device-license',
            'R1 (front desk)',
            'R1',
            '2026-01-21T05:00:00.000Z',
            '2026-01-20',
            26,
            'failing',
            { count: 1, unit: 'licenses' },
          ],
        ],
      )
      assert.deepEqual(r.summary.byKind, { 'device-key': 1, 'device-pool-license': 2, 'device-license': 1 })
    })

    it("ends the window at the org's day: R1 is in at 26 days, out at 25, and the pool out at 15", async () => {
      const kinds = async (within: string) => (await check({ within })).items.map((i) => i.kind)
      const pool = ['device-key', 'device-pool-license', 'device-pool-license']
      assert.deepEqual(await kinds('26d'), [...pool, 'device-license'])
      assert.deepEqual(await kinds('25d'), pool)
      assert.deepEqual(await kinds('16d'), pool)
      assert.deepEqual(await kinds('15d'), [])
    })

    it('reports them expired once past, and leaves them out with expired=exclude', async () => {
      t.clock.ms = at('2026-01-22T12:00:00Z')
      try {
        const r = await check({ within: '1d' })
        assert.deepEqual(
          r.items.map((i) => [i.kind, i.name, i.severity, i.daysLeft]),
          [
            ['device-key', `${soonKey} (router 1y)`, 'expired', -12],
            ['device-pool-license', `${soonKey}-1 (router 1y)`, 'expired', -12],
            ['device-pool-license', `${soonKey}-2 (router 1y)`, 'expired', -12],
            ['device-license', 'R1 (front desk)', 'expired', -2],
          ],
        )
        assert.deepEqual((await check({ within: '1d', expired: 'exclude' })).items, [])
      } finally {
        t.clock.ms = NOW
      }
    })

    it('says what clears an expired device license from the check, as for every other kind', async () => {
      t.clock.ms = at('2026-01-22T12:00:00Z')
      try {
        const r = await check({ within: '1d', kind: 'device-license' })
        assert.deepEqual(
          r.items.map((i) => [i.name, i.severity, i.remedy]),
          [
            [
              'R1 (front desk)',
              'expired',
              'the license of device R1 has expired: `licctl devices assign R1` licenses it again from the pool, or, for a device no longer licensed, `licctl devices detach R1 --yes` clears it from the check',
            ],
          ],
        )
        // Still in time: nothing to act on yet, so no remedy
        t.clock.ms = NOW
        const soon = await check({ kind: 'device-license' })
        assert.deepEqual(
          soon.items.map((i) => [i.name, i.severity, i.remedy]),
          [['R1 (front desk)', 'failing', null]],
        )
      } finally {
        t.clock.ms = NOW
      }
    })

    it('explains a device: licensed through its day, with its adding and assignment in its history', async () => {
      const e = await why('R1')
      assert.deepEqual(
        [e.licensed, e.code, e.summary],
        [true, 'ok', 'Device R1 (router) is licensed through 2026-01-20 (26 days left).'],
      )
      assert.deepEqual(e.evidence[1], {
        fact: 'device license',
        detail: '365 days from 2025-01-20, valid through 2026-01-20',
      })
      assert.deepEqual(
        e.history.map((h) => [h.action, h.target, h.actor]),
        [
          ['devices.assign', 'R1', 'ann@acme.test'],
          ['devices.add', 'R1', 'ann@acme.test'],
        ],
      )
    })

    it('names a term of one day in the singular in the evidence: never "1 days"', async () => {
      const term = (days: number) =>
        t.storage.db.updateTable('devices').set({ license_days: days }).where('serial', '=', 'R1').execute()
      await term(1)
      try {
        assert.match((await why('R1')).evidence[1]!.detail, /^1 day from 2025-01-20, expired after /)
      } finally {
        await term(365)
      }
    })

    it('says "1 day left" the day before the last, and that the last day is today', async () => {
      try {
        t.clock.ms = at('2026-01-19T12:00:00Z')
        assert.equal(
          (await why('R1')).summary,
          'Device R1 (router) is licensed through 2026-01-20 (1 day left).',
        )
        t.clock.ms = at('2026-01-21T04:59:00Z') // still 2026-01-20 in New York
        assert.equal(
          (await why('R1')).summary,
          'Device R1 (router) is licensed through 2026-01-20 (today is its last day).',
        )
      } finally {
        t.clock.ms = NOW
      }
    })

    it('explains an expired, an unlicensed and a missing device', async () => {
      t.clock.ms = at('2026-01-21T04:59:00Z') // still 2026-01-20 in New York
      try {
        assert.equal((await why('R1')).code, 'ok')
        t.clock.ms = at('2026-01-21T05:00:00Z')
        const e = await why('R1')
        assert.deepEqual(
          [e.licensed, e.code, e.evidence[1]!.detail],
          [false, 'license_expired', '365 days from 2025-01-20, expired after 2026-01-20'],
        )
      } finally {
        t.clock.ms = NOW
      }
      const r3 = await why('R3')
      assert.deepEqual(
        [r3.licensed, r3.code, r3.history.map((h) => [h.action, h.target])],
        [false, 'device_unlicensed', [['devices.add', 'R3']]],
      )
      await assert.rejects(why('R404'), {
        code: 'not_found',
        message:
          "device 'R404' not found in acme: an admin adds it (licctl devices add 'R404' --model …) before licensing it",
      })
    })

    it('checks a fleet larger than a query can take parameters (66,000 licensed devices)', async function () {
      this.timeout(120_000)
      await t.org('fleet', 'fay@fleet.test')
      const db = t.storage.db
      const org = await db
        .selectFrom('organizations')
        .select('id')
        .where('slug', '=', 'fleet')
        .executeTakeFirstOrThrow()
      const cat = await db
        .selectFrom('device_categories')
        .select('id')
        .where('name', '=', 'router')
        .executeTakeFirstOrThrow()
      const n = 66_000 // above SQLite's 32,766 and PostgreSQL's 65,535 parameters per statement
      for (let from = 0; from < n; from += 1000)
        await db
          .insertInto('devices')
          .values(
            Array.from({ length: Math.min(1000, n - from) }, (_, i) => ({
              id: `dv_fleet${String(from + i).padStart(6, '0')}`,
              org_id: org.id,
              serial: `F-${from + i}`,
              name: null,
              site: null,
              model: null,
              category_id: cat.id,
              license_start: '2025-01-20',
              license_days: 365,
              created_at: NOW,
              updated_at: NOW,
            })),
          )
          .execute()
      const r = await checkExpiry(
        { db, dialect, clock: t.clock, principal: { kind: 'operator', tokenId: 'test' } },
        'fleet',
        expiryQuery.parse({ kind: 'device-license' }),
      )
      assert.deepEqual(
        [r.summary.total, r.items[0]!.validThrough, r.items[0]!.affected],
        [n, '2026-01-20', { count: 0, unit: 'licenses' }],
      )
    })

    it("counts a key's pool licenses in this org only: those transferred away lapse in the other org", async () => {
      const initech = await t.org('initech', 'ann@acme.test') // ann is admin of both
      const key = await issue(3, '2026-01-08')
      await addKey(key.key)
      const moved = await t.call(admin, 'POST', '/v1/orgs/acme/devices/transfer', {
        to: 'initech',
        toToken: initech,
        licenses: [`${key.serial}-1`, `${key.serial}-2`],
      })
      assert.equal(moved.status, 200, JSON.stringify(moved.body))
      const ofKey = (r: Awaited<ReturnType<typeof check>>) =>
        r.items.filter((i) => i.name.startsWith(key.serial)).map((i) => [i.kind, i.name, i.affected.count])
      assert.deepEqual(ofKey(await check()), [
        ['device-key', `${key.serial} (router 1y)`, 1],
        ['device-pool-license', `${key.serial}-3 (router 1y)`, 1],
      ])
      const theirs = await checkExpiry(
        { db: t.storage.db, dialect, clock: t.clock, principal: { kind: 'operator', tokenId: 'test' } },
        'initech',
        expiryQuery.parse({ kind: 'device-license,device-pool-license,device-key' }),
      )
      assert.deepEqual(ofKey(theirs), [
        ['device-pool-license', `${key.serial}-1 (router 1y)`, 1],
        ['device-pool-license', `${key.serial}-2 (router 1y)`, 1],
      ])

      // Past the key's last day, each organization retires what lapsed in its own pool: initech
      // the licenses transferred to it (the key is acme's), acme the rest and so the key.
      t.clock.ms = at('2026-01-09T00:00:00Z')
      try {
        const retire = (org: string, token: string) =>
          t.call(token, 'POST', `/v1/orgs/${org}/devices/keys/retire`, { key: key.serial })
        const theirsRetired = await retire('initech', initech)
        assert.equal(theirsRetired.status, 200, JSON.stringify(theirsRetired.body))
        assert.deepEqual(theirsRetired.body.licenses, [`${key.serial}-1`, `${key.serial}-2`])
        const initechNow = await checkExpiry(
          { db: t.storage.db, dialect, clock: t.clock, principal: { kind: 'operator', tokenId: 'test' } },
          'initech',
          expiryQuery.parse({ kind: 'device-license,device-pool-license,device-key' }),
        )
        assert.deepEqual(ofKey(initechNow), [])
        const stillOurs = await check()
        assert.deepEqual(
          stillOurs.items
            .filter((i) => i.name.startsWith(key.serial))
            .map((i) => [i.kind, i.severity, i.remedy]),
          [
            [
              'device-key',
              'expired',
              `the licenses of key ${key.serial} lapsed unassigned and can never be assigned: \`licctl devices keys retire ${key.serial}\` writes them off and clears them from the check`,
            ],
            [
              'device-pool-license',
              'expired',
              `the licenses of key ${key.serial} lapsed unassigned and can never be assigned: \`licctl devices keys retire ${key.serial}\` writes them off and clears them from the check`,
            ],
          ],
        )
        const ours = await retire('acme', admin)
        assert.equal(ours.status, 200, JSON.stringify(ours.body))
        assert.deepEqual(ours.body.licenses, [`${key.serial}-3`])
        assert.deepEqual(ofKey(await check()), [])
        // A retired license is out of the pool: it cannot be transferred back either.
        const back = await t.call(initech, 'POST', '/v1/orgs/initech/devices/transfer', {
          to: 'acme',
          toToken: admin,
          licenses: [`${key.serial}-1`],
        })
        assert.equal(back.status, 409, JSON.stringify(back.body))
        assert.equal(back.body.error.code, 'license_expired')
        assert.equal(
          back.body.error.message,
          `license '${key.serial}-1' is retired (it lapsed in the pool); only unassigned licenses can be transferred`,
        )
        // An organization that never held the key cannot name it.
        const hooli = await t.org('hooli', 'hal@hooli.test')
        assert.equal((await retire('hooli', hooli)).status, 404)
      } finally {
        t.clock.ms = NOW
      }
    })

    it('returns a detached remainder to the pool with the earliest last day of the licenses it came from', async () => {
      const late = await issue(1, '2026-12-20')
      const early = await issue(1, '2026-12-10')
      await addKey(late.key)
      await addKey(early.key)
      const added = await t.call(admin, 'POST', '/v1/orgs/acme/devices/bulk-add', {
        items: [{ serial: 'R-DETACH', model: 'R-1000' }],
      })
      assert.equal(added.status, 200, JSON.stringify(added.body))
      for (const license of [`${late.serial}-1`, `${early.serial}-1`]) {
        const res = await t.call(admin, 'POST', '/v1/orgs/acme/devices/bulk-assign', {
          items: [{ serial: 'R-DETACH', license }],
        })
        assert.equal(res.body.results[0].status, 'changed', JSON.stringify(res.body))
      }
      const detached = await t.call(admin, 'POST', '/v1/orgs/acme/devices/bulk-detach', {
        items: [{ serial: 'R-DETACH' }],
      })
      const name = detached.body.results[0].details.returnedLicense as string
      const pool = await t.call(admin, 'GET', '/v1/orgs/acme/devices/pool')
      const back = pool.body.licenses.find((l: { name: string }) => l.name === name)
      assert.deepEqual(
        [back.term, back.days, back.key, back.expiresAt],
        ['returned', 365 * 2 - 1 - 2, null, '2026-12-11T00:00:00.000Z'],
      )
      // expiry check warns while it can still be assigned, and drops it once lapsed (no key to retire)
      const remainder = async () =>
        (await check({ within: '365d' })).items.filter((i) => i.name.startsWith(`${name} `))
      const before = await remainder()
      assert.deepEqual(
        before.map((i) => [i.kind, i.expiresAt, i.affected.count]),
        [['device-pool-license', '2026-12-11T00:00:00.000Z', 1]],
      )
      t.clock.ms = at('2026-12-12T00:00:00Z')
      try {
        assert.deepEqual(await remainder(), [])
      } finally {
        t.clock.ms = NOW
      }
    })

    it('refuses to add, or to transfer, a key or license past its last day to be assigned', async () => {
      const wayne = await t.org('wayne', 'ann@acme.test') // ann is admin of both
      const held = await issue(2, '2026-01-08')
      await addKey(held.key)
      const late = await issue(1, '2026-01-08')
      t.clock.ms = at('2026-01-09T00:00:00Z')
      try {
        const added = await t.call(admin, 'POST', '/v1/orgs/acme/devices/keys', {
          key: late.key,
          acceptTerms: true,
        })
        assert.equal(added.status, 409, JSON.stringify(added.body))
        assert.equal(added.body.error.code, 'license_expired')
        assert.match(added.body.error.message, /only through 2026-01-08 \(UTC\)/)
        const keys = await t.call(admin, 'GET', '/v1/orgs/acme/devices/keys')
        assert.ok(!keys.body.items.some((k: { serial: string }) => k.serial === late.serial))

        const transfer = (what: Record<string, unknown>) =>
          t.call(admin, 'POST', '/v1/orgs/acme/devices/transfer', { to: 'wayne', toToken: wayne, ...what })
        const one = await transfer({ licenses: [`${held.serial}-1`] })
        assert.equal(one.status, 409, JSON.stringify(one.body))
        assert.equal(one.body.error.code, 'license_expired')
        assert.equal(
          one.body.error.message,
          `license '${held.serial}-1' could be assigned only through 2026-01-08; what is past its last day is not transferred; retire it here: licctl devices keys retire ${held.serial}`,
        )
        const whole = await transfer({ key: held.serial })
        assert.equal(whole.status, 409, JSON.stringify(whole.body))
        assert.equal(whole.body.error.code, 'license_expired')
        // Nothing moved: the key and both its licenses are still acme's to retire.
        const ofKey = (r: Awaited<ReturnType<typeof check>>) =>
          r.items.filter((i) => i.name.startsWith(held.serial)).map((i) => [i.kind, i.affected.count])
        assert.deepEqual(ofKey(await check()), [
          ['device-key', 2],
          ['device-pool-license', 1],
          ['device-pool-license', 1],
        ])
        const retired = await t.call(admin, 'POST', '/v1/orgs/acme/devices/keys/retire', { key: held.serial })
        assert.deepEqual(retired.body.licenses, [`${held.serial}-1`, `${held.serial}-2`])
      } finally {
        t.clock.ms = NOW
      }
    })

    it('refuses to retire a key whose licenses can still be assigned, and one with no last day', async () => {
      const retire = (key: string) => t.call(admin, 'POST', '/v1/orgs/acme/devices/keys/retire', { key })
      const open = await retire(soonKey) // its last day, 2026-01-10, is still to come
      assert.equal(open.status, 409, JSON.stringify(open.body))
      assert.equal(open.body.error.code, 'key_not_expired')
      const forever = await issue(1)
      await addKey(forever.key)
      const never = await retire(forever.serial)
      assert.equal(never.status, 409, JSON.stringify(never.body))
      assert.equal(
        never.body.error.message,
        `key ${forever.serial} has no last day to be assigned: its licenses never lapse in the pool`,
      )
      // Nothing changed: the key's licenses are still in the pool.
      assert.equal((await check()).items.filter((i) => i.name.startsWith(soonKey)).length, 3)
    })

    it('lets only admins retire, with a token that may write', async () => {
      const readOnly = (await t.call(admin, 'POST', '/v1/orgs/acme/tokens', { readOnly: true })).body.token
      const added = await t.call(admin, 'POST', '/v1/orgs/acme/users/bulk-add', {
        items: [{ email: 'max@acme.test' }],
      })
      assert.equal(added.status, 200, JSON.stringify(added.body))
      const member = (await t.call(admin, 'POST', '/v1/orgs/acme/tokens', { userEmail: 'max@acme.test' }))
        .body.token
      t.clock.ms = at('2026-01-22T12:00:00Z') // past soonKey's last day
      try {
        for (const [token, code] of [
          [readOnly, 'read_only_token'],
          [member, 'not_admin'],
        ] as const) {
          const r = await t.call(token, 'POST', '/v1/orgs/acme/devices/keys/retire', { key: soonKey })
          assert.deepEqual([r.status, r.body.error.code], [403, code], JSON.stringify(r.body))
        }
        assert.equal(
          (await check({ within: '1d' })).items.filter((i) => i.name.startsWith(soonKey)).length,
          3,
        )
      } finally {
        t.clock.ms = NOW
      }
    })

    it('retires only the pool licenses of a key: those on devices run on', async () => {
      const key = await issue(2, '2026-01-03')
      await addKey(key.key)
      const r = await t.call(admin, 'POST', '/v1/orgs/acme/devices/bulk-assign', {
        items: [{ serial: 'R3', license: `${key.serial}-1` }],
      })
      assert.equal(r.status, 200, JSON.stringify(r.body))
      t.clock.ms = at('2026-01-05T00:00:00Z')
      try {
        const retired = await t.call(admin, 'POST', '/v1/orgs/acme/devices/keys/retire', {
          key: key.serial,
        })
        assert.equal(retired.status, 200, JSON.stringify(retired.body))
        assert.deepEqual(retired.body.licenses, [`${key.serial}-2`])
        const keys = await t.call(admin, 'GET', '/v1/orgs/acme/devices/keys')
        const k = (keys.body.items as Array<Record<string, unknown>>).find((x) => x.serial === key.serial)!
        assert.deepEqual([k.inPool, k.assigned, k.retired, k.state], [0, 1, 1, 'retired'])
        const r3 = await t.call(admin, 'GET', '/v1/orgs/acme/devices/R3')
        assert.equal(r3.body.licensed, true)
        assert.equal(r3.body.expired, false)
      } finally {
        t.clock.ms = NOW
      }
    })
  })
}
