import { strict as assert } from 'node:assert'
import { sql } from 'kysely'
import { issueKey, keySymbols, withCheckSymbols } from '../../src/domain/license-key.js'
import { KEY_FAILURES_PER_WINDOW } from '../../src/server/services/devices-keys.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

const at = (iso: string) => Date.parse(iso)

for (const dialect of DIALECTS) {
  describe(`devices routes on ${dialect}`, function () {
    let t: TestApp
    let admin: string
    let globexAdmin: string
    const base = '/v1/orgs/acme/devices'

    const issue = async (category: string, term: string, count: number, quantity = 1) => {
      const res = await t.call(t.operatorToken, 'POST', '/v1/devices/keys', {
        category,
        term,
        count,
        quantity,
      })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      return res.body.keys.map((k: { key: string }) => k.key) as string[]
    }
    const addKey = (key: string, token = admin, org = 'acme', acceptTerms = true) =>
      t.call(token, 'POST', `/v1/orgs/${org}/devices/keys`, { key, acceptTerms })
    const assign = (items: object[], extra: object = {}) =>
      t.call(admin, 'POST', `${base}/bulk-assign`, { items, ...extra })
    const detach = (serials: string[], extra: object = {}) =>
      t.call(admin, 'POST', `${base}/bulk-detach`, { items: serials.map((serial) => ({ serial })), ...extra })
    const addDevices = (items: object[], token = admin, org = 'acme') =>
      t.call(token, 'POST', `/v1/orgs/${org}/devices/bulk-add`, { items })
    const show = async (serial: string) => (await t.call(admin, 'GET', `${base}/${serial}`)).body
    /** The key `serial` as an organization's key list shows it: [serial] when listed there. */
    const keysOf = async (org: string, token: string, serial: string) =>
      ((await t.call(token, 'GET', `/v1/orgs/${org}/devices/keys`)).body.items as Array<{ serial: string }>)
        .map((k) => k.serial)
        .filter((s) => s === serial)

    before(async () => {
      t = await startApp(dialect, at('2024-01-31T09:00:00Z'))
      admin = await t.org('acme', 'ann@acme.test')
      globexAdmin = await t.org('globex', 'gus@globex.test')
      for (const [name, models] of [
        ['router', ['R-1000', 'R-2000']],
        ['access-point', ['AP-10']],
      ] as const) {
        const res = await t.call(t.operatorToken, 'POST', '/v1/devices/categories', { name, models })
        assert.equal(res.status, 201, JSON.stringify(res.body))
      }
    })
    after(async () => t.close())

    it('lets only the operator add categories and issue keys; lists categories to anyone', async () => {
      const byAdmin = await t.call(admin, 'POST', '/v1/devices/categories', { name: 'switch' })
      assert.deepEqual([byAdmin.status, byAdmin.body.error.code], [403, 'forbidden'])
      const keys = await t.call(admin, 'POST', '/v1/devices/keys', {
        category: 'router',
        term: '1y',
        count: 1,
      })
      assert.deepEqual([keys.status, keys.body.error.code], [403, 'forbidden'])
      const dup = await t.call(t.operatorToken, 'POST', '/v1/devices/categories', {
        name: 'switch',
        models: ['AP-10'],
      })
      assert.deepEqual([dup.status, dup.body.error.code], [409, 'already_exists'])
      const list = await t.call(admin, 'GET', '/v1/devices/categories')
      assert.deepEqual(
        list.body.items.map((c: { name: string; models: string[] }) => [c.name, c.models]),
        [
          ['access-point', ['AP-10']],
          ['router', ['R-1000', 'R-2000']],
        ],
      )
      const unknown = await t.call(t.operatorToken, 'POST', '/v1/devices/keys', {
        category: 'nope',
        term: '1y',
        count: 1,
      })
      assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'not_found'])
    })

    it('lists a model named twice in different case once, as first spelled: models are case-insensitive', async () => {
      const res = await t.call(t.operatorToken, 'POST', '/v1/devices/categories', {
        name: 'firewall',
        models: ['FW-100', 'fw-100', 'FW-200', 'Fw-100', 'FW-200'],
      })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      assert.deepEqual(res.body.models, ['FW-100', 'FW-200'])
      const list = await t.call(admin, 'GET', '/v1/devices/categories')
      assert.deepEqual(list.body.items.find((c: { name: string }) => c.name === 'firewall').models, [
        'FW-100',
        'FW-200',
      ])
      // One stored before the fix (both spellings in the row) is shown once too.
      await t.storage.db
        .updateTable('device_categories')
        .set({ models: JSON.stringify(['FW-100', 'fw-100', 'FW-200']) })
        .where('name', '=', 'firewall')
        .execute()
      const again = await t.call(admin, 'GET', '/v1/devices/categories')
      assert.deepEqual(again.body.items.find((c: { name: string }) => c.name === 'firewall').models, [
        'FW-100',
        'FW-200',
      ])
    })

    it('adds a key once, with the terms accepted, and refuses forged, altered, repeated and foreign additions', async () => {
      const [key] = await issue('router', '1y', 2)
      const noTerms = await addKey(key!, admin, 'acme', false)
      assert.deepEqual([noTerms.status, noTerms.body.error.code], [409, 'terms_not_accepted'])
      const forged = await addKey(issueKey('not-this-servers-secret').key)
      assert.deepEqual([forged.status, forged.body.error.code], [409, 'invalid_key'])
      // every change of the tag, with the check symbols recomputed, is refused
      const symbols = keySymbols(key!)
      for (let i = 12; i < 23; i++) {
        const changed = [...symbols]
        changed[i] = (changed[i]! + 7) % 32
        // split over two tokens: each stays under the failed-addition limit
        const res = await addKey(withCheckSymbols(changed), i % 2 ? t.operatorToken : admin)
        assert.deepEqual([res.status, res.body.error.code], [409, 'invalid_key'], `tag symbol ${i}`)
      }
      const ok = await addKey(key!.toLowerCase())
      assert.equal(ok.status, 201, JSON.stringify(ok.body))
      assert.deepEqual(
        { ...ok.body, addedAt: undefined },
        {
          serial: key!.replace(/-/g, '').slice(0, 12),
          category: 'router',
          term: '1y',
          termDays: 365,
          count: 2,
          inPool: 2,
          assigned: 0,
          spent: 0,
          retired: 0,
          addedBy: 'ann@acme.test',
          addedAt: undefined,
          expiresAt: null,
          state: 'available',
        },
      )
      const again = await addKey(key!)
      assert.deepEqual([again.status, again.body.error.code], [409, 'key_already_added'])
      assert.match(
        again.body.error.message,
        /already added to 'acme' by ann@acme\.test at 2024-01-31T09:00:00\.000Z/,
      )
      const other = await addKey(key!, globexAdmin, 'globex')
      assert.deepEqual([other.status, other.body.error.code], [409, 'key_already_added'])
      assert.doesNotMatch(other.body.error.message, /acme|ann@/)
      const audit = await t.storage.db
        .selectFrom('audit_events')
        .select(['action', 'target'])
        .where('action', '=', 'devices.keys.add')
        .execute()
      assert.equal(audit.length, 1)
    })

    it('rate-limits failed key additions per token', async () => {
      const tok = await t.call(admin, 'POST', '/v1/orgs/acme/tokens', {
        userEmail: 'ann@acme.test',
        name: 'guesser',
      })
      assert.equal(tok.status, 201, JSON.stringify(tok.body))
      for (let i = 0; i < KEY_FAILURES_PER_WINDOW; i++) {
        const res = await addKey(issueKey('guess').key, tok.body.token)
        assert.equal(res.body.error.code, 'invalid_key')
      }
      const [real] = await issue('router', '1y', 1)
      const limited = await addKey(real!, tok.body.token)
      assert.deepEqual([limited.status, limited.body.error.code], [429, 'rate_limited'])
      // the refusal says when to come back: the window's end, in seconds, header and details alike
      const raw = await t.app.inject({
        method: 'POST',
        url: '/v1/orgs/acme/devices/keys',
        headers: { authorization: `Bearer ${tok.body.token}` },
        payload: { key: real!, acceptTerms: true },
      })
      const retryAfter = Number(raw.headers['retry-after'])
      assert.equal(raw.statusCode, 429)
      assert.ok(retryAfter >= 1 && retryAfter <= 15 * 60, `Retry-After ${raw.headers['retry-after']}`)
      assert.equal(JSON.parse(raw.body).error.details.retryAfterSeconds, retryAfter)
      // another token is not affected
      assert.equal((await addKey(real!)).status, 201)
    })

    it('counts failed key additions in a sliding window, so a burst across a clock boundary is refused', async () => {
      const tok = await t.call(admin, 'POST', '/v1/orgs/acme/tokens', {
        userEmail: 'ann@acme.test',
        name: 'straddler',
      })
      assert.equal(tok.status, 201, JSON.stringify(tok.body))
      // every failure one second before a quarter hour (a fixed window would start afresh after it)
      t.clock.ms = at('2024-01-31T09:14:59Z')
      for (let i = 0; i < KEY_FAILURES_PER_WINDOW; i++)
        assert.equal((await addKey(issueKey('guess').key, tok.body.token)).body.error.code, 'invalid_key')
      t.clock.ms = at('2024-01-31T09:15:01Z')
      const limited = await addKey(issueKey('guess').key, tok.body.token)
      assert.deepEqual([limited.status, limited.body.error.code], [429, 'rate_limited'])
      // back 15 minutes after the failures, not at the next quarter hour
      assert.equal(limited.body.error.details.retryAfterSeconds, 15 * 60 - 2)
      assert.match(limited.body.error.message, /try again after 2024-01-31T09:29:59\.000Z/)
      t.clock.ms = at('2024-01-31T09:29:58Z')
      assert.equal((await addKey(issueKey('guess').key, tok.body.token)).status, 429)
      t.clock.ms = at('2024-01-31T09:29:59Z')
      assert.equal((await addKey(issueKey('guess').key, tok.body.token)).body.error.code, 'invalid_key')
      // failures that left the window are forgotten, not kept for ever
      const kept = await t.storage.db
        .selectFrom('device_key_failures')
        .select('failures')
        .where('token_id', '=', tok.body.id)
        .execute()
      assert.deepEqual(
        kept.map((r) => r.failures),
        [1],
      )
    })

    it('reproduces the worked example: assign 365 days on 2024-01-31, detach 2024-03-06, reassign 2024-03-07', async () => {
      // a fresh 1y key with one license
      const [key] = await issue('access-point', '1y', 1)
      assert.equal((await addKey(key!)).status, 201)
      const added = await addDevices([
        { serial: 'AP-A', model: 'AP-10' },
        { serial: 'AP-B', category: 'access-point', name: 'Lobby', site: 'HQ' },
      ])
      assert.deepEqual(added.body.summary, { changed: 2, unchanged: 0, failed: 0 })
      t.clock.ms = at('2024-01-31T10:00:00Z')
      const a = await assign([{ serial: 'AP-A' }])
      assert.equal(a.status, 200, JSON.stringify(a.body))
      assert.deepEqual(a.body.results[0].details, {
        licenses: [`${key!.replace(/-/g, '').slice(0, 12)}-1`],
        addedDays: 365,
        validUntil: '2025-01-30',
      })
      t.clock.ms = at('2024-03-06T15:00:00Z')
      const preview = await detach(['AP-A'], { dryRun: true })
      assert.deepEqual(preview.body.results[0], {
        index: 0,
        target: 'AP-A',
        status: 'will-change',
        details: {
          licensedFrom: '2024-01-31',
          licenseDays: 365,
          usedDays: 36,
          returnedDays: 327,
          lostDays: 2,
          // A dry run names no license: it is named when applied, so any name here would never exist.
          returnedLicense: null,
          tomorrow: { returnedDays: 326, lostDays: 2 },
          validUntilIfReassignedTomorrow: '2025-01-28',
        },
      })
      assert.equal((await show('AP-A')).validUntil, '2025-01-30') // the dry run changed nothing
      const d = await detach(['AP-A'])
      assert.equal(d.body.results[0].details.returnedDays, 327)
      assert.equal(d.body.results[0].details.lostDays, 2)
      const returned = d.body.results[0].details.returnedLicense as string
      assert.match(returned, /^R-/)
      const pool = await t.call(admin, 'GET', `${base}/pool`)
      assert.deepEqual(
        pool.body.groups.filter((g: { category: string }) => g.category === 'access-point'),
        [
          {
            category: 'access-point',
            term: 'returned',
            days: 327,
            assignableThrough: null,
            count: 1,
            licenses: [returned],
          },
        ],
      )
      t.clock.ms = at('2024-03-07T08:00:00Z')
      const b = await assign([{ serial: 'AP-B', license: returned }])
      assert.deepEqual(b.body.results[0].details, {
        licenses: [returned],
        addedDays: 327,
        validUntil: '2025-01-28',
      })
      const shown = await show('AP-B')
      assert.deepEqual(
        [
          shown.licensed,
          shown.validUntil,
          shown.daysLeft,
          shown.licenses.map((l: { name: string }) => l.name),
        ],
        [true, '2025-01-28', 327, [returned]],
      )
      const history = (await show('AP-A')).history.map(
        (h: { kind: string; day: string; returnedDays: number }) => [h.kind, h.day, h.returnedDays],
      )
      assert.deepEqual(history, [
        ['assign', '2024-01-31', null],
        ['detach', '2024-03-06', 327],
      ])
      // The original license is used up: naming it is refused as used up, not as assigned.
      const spent = await assign([{ serial: 'AP-A', license: a.body.results[0].details.licenses[0] }])
      assert.deepEqual(
        [spent.body.results[0].code, spent.body.results[0].message],
        [
          'license_used_up',
          `license '${a.body.results[0].details.licenses[0]}' is used up (its remaining days went back to the pool when it was detached); only a license in the pool can be assigned`,
        ],
      )
    })

    it('orgs audit --target keeps a device serial’s case: SN-1 and sn-1 are two devices', async () => {
      const added = await addDevices([
        { serial: 'CASE-SN-1', model: 'AP-10' },
        { serial: 'case-sn-1', model: 'AP-10' },
      ])
      assert.deepEqual(added.body.summary, { changed: 2, unchanged: 0, failed: 0 })
      const about = async (target: string) =>
        (
          await t.call(admin, 'GET', `/v1/orgs/acme/audit?action=devices.add&target=${target}`)
        ).body.items.map((e: { target: string }) => e.target)
      assert.deepEqual(await about('CASE-SN-1'), ['CASE-SN-1'])
      assert.deepEqual(await about('case-sn-1'), ['case-sn-1'])
    })

    it('assigns by preference, stacks licenses, and refuses the wrong category', async () => {
      t.clock.ms = at('2024-04-01T09:00:00Z')
      for (const term of ['1y', '3y', '5y']) {
        const [key] = await issue('router', term, 2)
        assert.equal((await addKey(key!)).status, 201)
      }
      await addDevices(['R1', 'R2', 'R3'].map((serial) => ({ serial, model: 'R-1000' })))
      const shortest = await assign([{ serial: 'R1' }]) // org default: shortest
      assert.equal(shortest.body.results[0].details.addedDays, 365)
      const longest = await assign([{ serial: 'R2', prefer: 'longest' }])
      assert.equal(longest.body.results[0].details.addedDays, 1825)
      // R1 is licensed: without extend it is already so (file re-runs), with extend it stacks
      const same = await assign([{ serial: 'R1' }])
      assert.equal(same.body.results[0].status, 'already-so')
      const stacked = await assign([{ serial: 'R1', extend: true, prefer: 'longest' }])
      assert.deepEqual(
        [stacked.body.results[0].details.addedDays, stacked.body.results[0].details.validUntil],
        [1825, '2030-03-31'], // 2024-04-01 + 365 + 1825
      )
      const two = await assign([{ serial: 'R3', count: 2 }])
      // the two shortest: this test's remaining 1y license and the 1y key of the rate-limit test
      assert.equal(two.body.results[0].details.validUntil, '2026-04-01')
      const wrong = await assign([{ serial: 'AP-A', license: (await show('R3')).licenses[0].name }])
      assert.equal(wrong.body.results[0].code, 'wrong_category')
      const none = await assign([{ serial: 'AP-A' }])
      assert.equal(none.body.results[0].code, 'no_free_license')
      assert.match(none.body.results[0].message, /category 'access-point'/)
    })

    it('transfers unassigned licenses or a whole unassigned key to an org the caller is admin of', async () => {
      // ann is admin of both acme and initech
      const initechAnn = await t.org('initech', 'ann@acme.test')
      const [key] = await issue('router', '1y', 3)
      assert.equal((await addKey(key!)).status, 201)
      const serial = key!.replace(/-/g, '').slice(0, 12)
      const transfer = (body: object, token = admin) => t.call(token, 'POST', `${base}/transfer`, body)
      const noToken = await transfer({
        to: 'initech',
        toToken: 'lic_u_nonsense-token',
        licenses: [`${serial}-1`],
      })
      assert.deepEqual([noToken.status, noToken.body.error.code], [401, 'unauthenticated'])
      // The body's token, named: a client must not take it for its own (the CLI's login hint).
      assert.equal(noToken.body.error.details.field, 'body.toToken')
      const wrongOrg = await transfer({ to: 'initech', toToken: globexAdmin, licenses: [`${serial}-1`] })
      assert.deepEqual([wrongOrg.status, wrongOrg.body.error.code], [403, 'forbidden'])
      // gus (globex) is not ann: a token of another person for the target is refused
      const gusInitech = await t.call(initechAnn, 'POST', '/v1/orgs/initech/users/bulk-add', {
        items: [{ email: 'gus@globex.test', role: 'admin' }],
      })
      assert.equal(gusInitech.status, 200, JSON.stringify(gusInitech.body))
      const gusTok = await t.call(initechAnn, 'POST', '/v1/orgs/initech/tokens', {
        userEmail: 'gus@globex.test',
      })
      const otherPerson = await transfer({
        to: 'initech',
        toToken: gusTok.body.token,
        licenses: [`${serial}-1`],
      })
      assert.deepEqual([otherPerson.status, otherPerson.body.error.code], [403, 'forbidden'])
      // one license moves
      const same = await transfer({ to: 'acme', toToken: admin, licenses: [`${serial}-1`] })
      assert.deepEqual(
        [same.status, same.body.error.details],
        [
          400,
          {
            issues: [
              { path: 'body.to', message: "the licenses are already in 'acme'; name another organization" },
            ],
          },
        ],
      )
      const one = await transfer({ to: 'initech', toToken: initechAnn, licenses: [`${serial}-1`] })
      assert.deepEqual(one.body, {
        from: 'acme',
        to: 'initech',
        key: null,
        licenses: [`${serial}-1`],
        already: [],
        changed: true,
      })
      const theirPool = await t.call(initechAnn, 'GET', '/v1/orgs/initech/devices/pool')
      assert.deepEqual(
        theirPool.body.licenses.map((l: { name: string }) => l.name),
        [`${serial}-1`],
      )
      // Here the key has two licenses left, none assigned: still available, not "partly assigned".
      const ours = (await t.call(admin, 'GET', `${base}/keys`)).body.items.find(
        (k: { serial: string }) => k.serial === serial,
      )
      assert.deepEqual([ours.inPool, ours.assigned, ours.state], [2, 0, 'available'])
      // an assigned license, and a key with an assigned license, are refused
      await addDevices([{ serial: 'R9', model: 'R-2000' }])
      assert.equal(
        (await assign([{ serial: 'R9', license: `${serial}-2` }])).body.results[0].status,
        'changed',
      )
      const assigned = await transfer({ to: 'initech', toToken: initechAnn, licenses: [`${serial}-2`] })
      assert.deepEqual([assigned.status, assigned.body.error.code], [409, 'license_assigned'])
      const wholeKey = await transfer({ to: 'initech', toToken: initechAnn, key: key! })
      assert.deepEqual(
        [wholeKey.status, wholeKey.body.error.code, wholeKey.body.error.message],
        [
          409,
          'license_assigned',
          `key ${serial} has 1 assigned license (${serial}-2); detach it first or transfer its unassigned licenses`,
        ],
      )
      // a fully unassigned key moves whole
      const [key2] = await issue('router', '3y', 2)
      assert.equal((await addKey(key2!)).status, 201)
      const whole = await transfer({ to: 'initech', toToken: initechAnn, key: key2! })
      const serial2 = key2!.replace(/-/g, '').slice(0, 12)
      assert.deepEqual(whole.body, {
        from: 'acme',
        to: 'initech',
        key: serial2,
        licenses: [`${serial2}-1`, `${serial2}-2`],
        already: [],
        changed: true,
      })
      const theirKeys = await t.call(initechAnn, 'GET', '/v1/orgs/initech/devices/keys')
      assert.deepEqual(
        theirKeys.body.items.map((k: { serial: string }) => k.serial),
        [serial2],
      )
      // globex's admin (not a member of acme) cannot transfer from acme: their token acts for globex
      const foreign = await transfer(
        { to: 'globex', toToken: globexAdmin, licenses: [`${serial}-3`] },
        globexAdmin,
      )
      assert.deepEqual([foreign.status, foreign.body.error.code], [403, 'wrong_organization'])
    })

    it('a whole-key transfer moves only the key’s licenses in this org, never those another org holds', async () => {
      const hooli = await t.org('hooli', 'ann@acme.test') // ann is admin of acme, hooli and umbrella
      const umbrella = await t.org('umbrella', 'ann@acme.test')
      const transfer = (body: object) => t.call(admin, 'POST', `${base}/transfer`, body)
      const [key] = await issue('router', '1y', 2)
      assert.equal((await addKey(key!)).status, 201)
      const serial = key!.replace(/-/g, '').slice(0, 12)
      const one = await transfer({ to: 'hooli', toToken: hooli, licenses: [`${serial}-1`] })
      assert.equal(one.status, 200, JSON.stringify(one.body))
      const whole = await transfer({ to: 'umbrella', toToken: umbrella, key: key! })
      assert.deepEqual(whole.body, {
        from: 'acme',
        to: 'umbrella',
        key: serial,
        licenses: [`${serial}-2`],
        already: [],
        changed: true,
      })
      const poolOf = async (org: string, token: string) =>
        (await t.call(token, 'GET', `/v1/orgs/${org}/devices/pool`)).body.licenses
          .map((l: { name: string }) => l.name)
          .filter((n: string) => n.startsWith(serial))
      assert.deepEqual(await poolOf('hooli', hooli), [`${serial}-1`])
      assert.deepEqual(await poolOf('umbrella', umbrella), [`${serial}-2`])
    })

    it('re-running an applied transfer is already so; one that cannot apply still fails', async () => {
      const wayne = await t.org('wayne', 'ann@acme.test') // ann is admin of acme and wayne
      const transfer = (body: object) => t.call(admin, 'POST', `${base}/transfer`, body)
      const auditCount = async () =>
        (await t.call(admin, 'GET', '/v1/orgs/acme/audit?action=devices.transfer')).body.items.length
      const [key, key2] = await issue('router', '1y', 2, 2)
      for (const k of [key!, key2!]) assert.equal((await addKey(k)).status, 201)
      const [serial, serial2] = [key!, key2!].map((k) => k.replace(/-/g, '').slice(0, 12))
      // A whole key: the re-run moves nothing, says so, and writes no audit entry
      const whole = await transfer({ to: 'wayne', toToken: wayne, key: key! })
      assert.equal(whole.status, 200, JSON.stringify(whole.body))
      const audited = await auditCount()
      const again = await transfer({ to: 'wayne', toToken: wayne, key: serial })
      assert.deepEqual(
        [again.status, again.body],
        [
          200,
          {
            from: 'acme',
            to: 'wayne',
            key: serial,
            licenses: [],
            already: [`${serial}-1`, `${serial}-2`],
            changed: false,
          },
        ],
      )
      assert.equal(await auditCount(), audited)
      // Licenses: those already there are already so; the rest of the list still moves
      const one = await transfer({ to: 'wayne', toToken: wayne, licenses: [`${serial2}-1`] })
      assert.deepEqual(one.body, {
        from: 'acme',
        to: 'wayne',
        key: null,
        licenses: [`${serial2}-1`],
        already: [],
        changed: true,
      })
      const oneAgain = await transfer({ to: 'wayne', toToken: wayne, licenses: [`${serial2}-1`] })
      assert.deepEqual(
        [oneAgain.status, oneAgain.body.changed, oneAgain.body.licenses, oneAgain.body.already],
        [200, false, [], [`${serial2}-1`]],
      )
      const both = await transfer({ to: 'wayne', toToken: wayne, licenses: [`${serial2}-2`, `${serial2}-1`] })
      assert.deepEqual(
        [both.status, both.body.changed, both.body.licenses, both.body.already],
        [200, true, [`${serial2}-2`], [`${serial2}-1`]],
      )
      // Not as a transfer leaves it (assigned there since): not found here, as before, and why
      assert.equal((await addDevices([{ serial: 'W-1', model: 'R-1000' }], wayne, 'wayne')).status, 200)
      const assignedThere = await t.call(wayne, 'POST', '/v1/orgs/wayne/devices/bulk-assign', {
        items: [{ serial: 'W-1', license: `${serial}-1` }],
      })
      assert.equal(assignedThere.body.results[0].status, 'changed', JSON.stringify(assignedThere.body))
      const keyChanged = await transfer({ to: 'wayne', toToken: wayne, key: key! })
      assert.deepEqual(
        [keyChanged.status, keyChanged.body.error.code, keyChanged.body.error.message],
        [
          404,
          'not_found',
          `key '${serial}' in 'acme' not found (it is in 'wayne', where license '${serial}-1' is assigned to a device since)`,
        ],
      )
      const licChanged = await transfer({ to: 'wayne', toToken: wayne, licenses: [`${serial}-1`] })
      assert.deepEqual(
        [licChanged.status, licChanged.body.error.message],
        [404, `license '${serial}-1' in 'acme' not found (it is in 'wayne', assigned to a device since)`],
      )
      // Neither here nor there: not found
      const nowhere = await transfer({ to: 'wayne', toToken: wayne, licenses: ['R-NOSUCHLICENSE'] })
      assert.deepEqual([nowhere.status, nowhere.body.error.code], [404, 'not_found'])
    })

    it('refuses a whole-key transfer when the key has no unassigned license here: it stays listed here', async () => {
      const oscorp = await t.org('oscorp', 'ann@acme.test') // ann is admin of acme and oscorp
      const [key] = await issue('router', '1y', 2)
      assert.equal((await addKey(key!)).status, 201)
      const serial = key!.replace(/-/g, '').slice(0, 12)
      await addDevices([{ serial: 'UP-1', model: 'R-1000' }])
      const both = await assign([
        { serial: 'UP-1', license: `${serial}-1` },
        { serial: 'UP-1', license: `${serial}-2`, extend: true },
      ])
      assert.deepEqual(both.body.summary, { changed: 2, unchanged: 0, failed: 0 }, JSON.stringify(both.body))
      const detached = await detach(['UP-1'])
      assert.equal(detached.body.results[0].status, 'changed')
      const moved = await t.call(admin, 'POST', `${base}/transfer`, {
        to: 'oscorp',
        toToken: oscorp,
        key: serial,
      })
      assert.deepEqual(
        [moved.status, moved.body.error?.code, moved.body.error?.message],
        [
          409,
          'license_used_up',
          `key ${serial} has no unassigned license left in 'acme': its licenses here were used up by detaching (their remaining days went back to the pool as returned licenses, which transfer by name with --license); nothing to transfer`,
        ],
      )
      assert.deepEqual(await keysOf('acme', admin, serial), [serial])
      assert.deepEqual(await keysOf('oscorp', oscorp, serial), [])
    })

    it('refuses to stack a device license past 9999-12-29, the latest date licctl accepts: lists keep working', async () => {
      const was = t.clock.ms
      try {
        const tyrell = await t.org('tyrell', 'tom@tyrell.test')
        const [key] = await issue('router', '5y', 3)
        assert.equal((await addKey(key!, tyrell, 'tyrell')).status, 201)
        const serial = key!.replace(/-/g, '').slice(0, 12)
        const call = (path: string, body?: object) =>
          t.call(tyrell, body ? 'POST' : 'GET', `/v1/orgs/tyrell/devices${path}`, body)
        assert.equal(
          (
            await call('/bulk-add', {
              items: [
                { serial: 'T-1', model: 'R-1000' },
                { serial: 'T-2', model: 'R-1000' },
              ],
            })
          ).status,
          200,
        )
        t.clock.ms = at('9994-12-30T12:00:00Z')
        const last = await call('/bulk-assign', { items: [{ serial: 'T-1' }] })
        assert.equal(last.body.results[0].details?.validUntil, '9999-12-29', JSON.stringify(last.body)) // the bound itself
        const more = await call('/bulk-assign', { items: [{ serial: 'T-1', extend: true }] })
        assert.deepEqual(
          [more.body.results[0].status, more.body.results[0].code, more.body.results[0].message],
          [
            'failed',
            'rule_violation',
            "device 'T-1' would be licensed past 9999-12-29, the latest date licctl accepts (3650 days from 9994-12-30): assign fewer licenses",
          ],
        )
        t.clock.ms = at('9994-12-31T12:00:00Z')
        const late = await call('/bulk-assign', { items: [{ serial: 'T-2' }] })
        assert.equal(late.body.results[0].code, 'rule_violation', JSON.stringify(late.body))
        // Nothing was taken: the refused rows' licenses are still in the pool, and every list shows
        const pool = (await call('/pool')).body.licenses.map((l: { name: string }) => l.name)
        assert.deepEqual(pool, [`${serial}-2`, `${serial}-3`])
        const list = await call('')
        assert.equal(list.status, 200, JSON.stringify(list.body))
        assert.equal((await call('/T-1')).body.validUntil, '9999-12-29')
      } finally {
        t.clock.ms = was
      }
    })

    it('a device licensed past 9999-12-29 by an older version takes no list down, and the migration caps it', async () => {
      const wonka = await t.org('wonka', 'will@wonka.test')
      const call = (path: string, body?: object) =>
        t.call(wonka, body ? 'POST' : 'GET', `/v1/orgs/wonka${path}`, body)
      const added = await call('/devices/bulk-add', {
        items: [
          { serial: 'I-1', model: 'R-1000' },
          { serial: 'I-2', model: 'R-1000' },
        ],
      })
      assert.equal(added.status, 200, JSON.stringify(added.body))
      // What 81 assignments of 20 five-year licenses stored before 2f8f8c2: valid until +010021-08-12.
      const db = t.storage.db
      const orgId = (
        await db
          .selectFrom('organizations')
          .select('id')
          .where('slug', '=', 'wonka')
          .executeTakeFirstOrThrow()
      ).id
      await db
        .updateTable('devices')
        .set({ license_start: '2024-01-31', license_days: 2_956_500 })
        .where('org_id', '=', orgId)
        .where('serial', '=', 'I-1')
        .execute()
      const device = await db
        .selectFrom('devices')
        .select('id')
        .where('org_id', '=', orgId)
        .where('serial', '=', 'I-1')
        .executeTakeFirstOrThrow()
      await db
        .insertInto('device_events')
        .values({
          id: 'dev-event-past-9999',
          device_id: device.id,
          kind: 'assign',
          day: '2024-01-31',
          licenses: '[]',
          days: 2_956_500,
          valid_until: '+010118-09-15',
          returned_days: null,
          actor: 'will@wonka.test',
          created_at: t.clock.now(),
        })
        .execute()
      // Read: shown as licensed through the latest date licctl accepts, far in the future.
      const list = await call('/devices')
      assert.equal(list.status, 200, JSON.stringify(list.body))
      const farFuture = list.body.items.find((d: { serial: string }) => d.serial === 'I-1')
      assert.deepEqual(
        [farFuture.licensed, farFuture.expired, farFuture.validUntil],
        [true, false, '9999-12-29'],
      )
      assert.equal((await call('/devices?licensed=true')).body.items.length, 1)
      const shown = await call('/devices/I-1')
      assert.equal(shown.status, 200, JSON.stringify(shown.body))
      assert.deepEqual(
        [shown.body.validUntil, shown.body.history.map((h: { validUntil: string }) => h.validUntil)],
        ['9999-12-29', ['9999-12-29']],
      )
      // Far from expiring: not in the check (it was reported as expired on 1970-01-01).
      const check = await call('/expiry?within=30d')
      assert.equal(check.status, 200, JSON.stringify(check.body))
      assert.deepEqual(
        check.body.items.filter((i: { kind: string }) => i.kind === 'device-license'),
        [],
      )
      // The migration caps what is stored, and says so in the audit log.
      const { up: capDeviceLicenses } =
        await import('../../src/storage/migrations/0016-device-licenses-in-range.js')
      await capDeviceLicenses(db)
      const stored = await db
        .selectFrom('devices')
        .select(['license_start', 'license_days'])
        .where('id', '=', device.id)
        .executeTakeFirstOrThrow()
      assert.deepEqual([stored.license_start, stored.license_days], ['2024-01-31', 2_913_141])
      const capped = await call('/devices/I-1')
      assert.deepEqual([capped.body.validUntil, capped.body.licenseDays], ['9999-12-29', 2_913_141])
      const audit = await call('/audit?action=devices.license.cap')
      const entries = audit.body.items.filter((e: { actor: string }) => e.actor === 'migration')
      assert.deepEqual(
        entries.map((e: { target: string; before: unknown; after: unknown }) => [
          e.target,
          e.before,
          e.after,
        ]),
        [
          [
            'I-1',
            { licensedFrom: '2024-01-31', licenseDays: 2_956_500, validUntil: '+010118-09-15' },
            { licensedFrom: '2024-01-31', licenseDays: 2_913_141, validUntil: '9999-12-29' },
          ],
        ],
      )
      assert.equal((await call('/audit/verify')).body.intact, true)
      // Running it again changes nothing.
      await capDeviceLicenses(db)
      assert.equal((await call('/audit?action=devices.license.cap')).body.items.length, entries.length)
    })

    it('lists pool licenses in natural order: a key’s license 2 before its license 10', async () => {
      const soylent = await t.org('soylent', 'sol@soylent.test')
      const [key] = await issue('access-point', '1y', 12)
      assert.equal((await addKey(key!, soylent, 'soylent')).status, 201)
      const serial = key!.replace(/-/g, '').slice(0, 12)
      const names = Array.from({ length: 12 }, (_, i) => `${serial}-${i + 1}`)
      const pool = (await t.call(soylent, 'GET', '/v1/orgs/soylent/devices/pool')).body
      assert.deepEqual(
        pool.licenses.map((l: { name: string }) => l.name),
        names,
      )
      assert.deepEqual(
        pool.groups.map((g: { licenses: string[] }) => g.licenses),
        [names],
      )
    })

    it('refuses a serial with a space before or after it, as hosts are: a serial is taken as typed, never trimmed', async () => {
      for (const serial of ['SP-1 ', ' SP-1', 'SP-1\t', '\u00a0SP-1']) {
        const added = await addDevices([{ serial, model: 'R-1000' }])
        assert.equal(added.status, 400, `${JSON.stringify(serial)}: ${JSON.stringify(added.body)}`)
        assert.deepEqual(
          added.body.error.details.issues.map((i: { path: string; message: string }) => [i.path, i.message]),
          [['body.items[0].serial', 'starts or ends with a space: serials are taken as typed']],
        )
        const assigned = await assign([{ serial }])
        assert.equal(assigned.status, 400, JSON.stringify(assigned.body))
        const shown = await t.call(admin, 'GET', `${base}/${encodeURIComponent(serial)}`)
        assert.equal(shown.status, 400, JSON.stringify(shown.body))
      }
      const devices = (await t.call(admin, 'GET', base)).body.items.map((d: { serial: string }) => d.serial)
      assert.equal(devices.includes('SP-1'), false)
    })

    it('adding a device already there updates a name, site or model given that differs; the same row is already so', async () => {
      const add = async (item: object) => (await addDevices([{ serial: 'UPD-1', ...item }])).body.results[0]
      assert.equal((await add({ model: 'R-1000', name: 'Core', site: 'HQ' })).status, 'changed')
      const same = await add({ model: 'R-1000', name: 'Core', site: 'HQ' })
      assert.equal(same.status, 'already-so', JSON.stringify(same))
      const left = await add({ category: 'router' }) // name, site and model left out: kept
      assert.equal(left.status, 'already-so', JSON.stringify(left))
      const fixed = await add({ model: 'R-2000', name: 'Core router', site: 'HQ' })
      assert.deepEqual(
        [fixed.status, fixed.details],
        ['changed', { category: 'router', updated: ['name', 'model'] }],
      )
      const shown = await show('UPD-1')
      assert.deepEqual([shown.name, shown.site, shown.model], ['Core router', 'HQ', 'R-2000'])
      const audit = await t.call(admin, 'GET', '/v1/orgs/acme/audit?action=devices.update&target=UPD-1')
      assert.deepEqual(
        audit.body.items.map((e: { before: unknown; after: unknown }) => [e.before, e.after]),
        [
          [
            { name: 'Core', model: 'R-1000' },
            { name: 'Core router', model: 'R-2000' },
          ],
        ],
      )
    })

    it('takes a model in any case as the category spells it: the device stores that spelling', async () => {
      const byModel = await addDevices([
        { serial: 'CASE-1', model: 'r-1000' },
        { serial: 'CASE-2', model: 'Ap-10', category: 'access-point' },
      ])
      assert.deepEqual(
        byModel.body.summary,
        { changed: 2, unchanged: 0, failed: 0 },
        JSON.stringify(byModel.body),
      )
      const one = await show('CASE-1')
      const two = await show('CASE-2')
      assert.deepEqual(
        [one.category, one.model, two.category, two.model],
        ['router', 'R-1000', 'access-point', 'AP-10'],
      )
      // Again in another case: already so, not an update of the model's spelling.
      const again = await addDevices([
        { serial: 'CASE-1', model: 'R-1000' },
        { serial: 'CASE-2', model: 'ap-10' },
      ])
      assert.deepEqual(
        again.body.summary,
        { changed: 0, unchanged: 2, failed: 0 },
        JSON.stringify(again.body),
      )
      // A model of another category is still refused, in any case.
      const wrong = await addDevices([{ serial: 'CASE-3', model: 'r-2000', category: 'access-point' }])
      assert.equal(wrong.body.results[0].code, 'wrong_category', JSON.stringify(wrong.body))
      // A category cannot list a model another covers in another case.
      const dup = await t.call(t.operatorToken, 'POST', '/v1/devices/categories', {
        name: 'mixed',
        models: ['ap-10'],
      })
      assert.deepEqual([dup.status, dup.body.error?.code], [409, 'already_exists'])
    })

    it('adds a key typed without dashes, in lower case, as the key issued: once', async () => {
      const [key] = await issue('router', '1y', 1)
      const bare = key!.replace(/-/g, '').toLowerCase()
      const added = await addKey(bare)
      assert.equal(added.status, 201, JSON.stringify(added.body))
      const serial = key!.replace(/-/g, '').slice(0, 12)
      const listed = (await t.call(admin, 'GET', `/v1/orgs/acme/devices/keys`)).body.items as Array<{
        serial: string
      }>
      assert.ok(listed.some((k) => k.serial === serial))
      assert.notEqual((await addKey(key!)).status, 201)
    })

    it('refuses a whole-key transfer of a partly used key: it stays listed here, with what was used', async () => {
      const osborn = await t.org('osborn', 'ann@acme.test') // ann is admin of acme and osborn
      const [key] = await issue('router', '1y', 2)
      assert.equal((await addKey(key!)).status, 201)
      const serial = key!.replace(/-/g, '').slice(0, 12)
      await addDevices([{ serial: 'HALF-1', model: 'R-1000' }])
      const one = await assign([{ serial: 'HALF-1', license: `${serial}-1` }])
      assert.deepEqual(one.body.summary, { changed: 1, unchanged: 0, failed: 0 }, JSON.stringify(one.body))
      assert.equal((await detach(['HALF-1'])).body.results[0].status, 'changed')
      const moved = await t.call(admin, 'POST', `${base}/transfer`, {
        to: 'osborn',
        toToken: osborn,
        key: serial,
      })
      assert.deepEqual(
        [moved.status, moved.body.error?.code, moved.body.error?.message],
        [
          409,
          'license_used_up',
          `key ${serial} stays in 'acme': 1 license of it (${serial}-1) was used up here by detaching; transfer its unassigned license by name: --license ${serial}-2`,
        ],
      )
      assert.deepEqual(await keysOf('acme', admin, serial), [serial])
      assert.deepEqual(await keysOf('osborn', osborn, serial), [])
      // What is left of it moves by name, as the refusal says; the key stays here.
      const byName = await t.call(admin, 'POST', `${base}/transfer`, {
        to: 'osborn',
        toToken: osborn,
        licenses: [`${serial}-2`],
      })
      assert.deepEqual(
        [byName.status, byName.body.licenses],
        [200, [`${serial}-2`]],
        JSON.stringify(byName.body),
      )
      assert.deepEqual(await keysOf('acme', admin, serial), [serial])
    })

    it('takes a license named in lower case as the same license, as keys and serials are', async () => {
      const stark = await t.org('stark', 'ann@acme.test') // ann is admin of acme and stark
      const [key] = await issue('router', '1y', 3)
      assert.equal((await addKey(key!)).status, 201)
      const serial = key!.replace(/-/g, '').slice(0, 12)
      const lower = (name: string) => name.toLowerCase()
      await addDevices([{ serial: 'LC-1', model: 'R-1000' }])
      const named = await assign([{ serial: 'LC-1', license: lower(`${serial}-1`) }])
      assert.deepEqual(
        [named.body.results[0].status, named.body.results[0].details?.licenses],
        ['changed', [`${serial}-1`]],
        JSON.stringify(named.body),
      )
      const moved = await t.call(admin, 'POST', `${base}/transfer`, {
        to: 'stark',
        toToken: stark,
        licenses: [lower(`${serial}-2`)],
      })
      assert.deepEqual(
        [moved.status, moved.body.licenses],
        [200, [`${serial}-2`]],
        JSON.stringify(moved.body),
      )
      // A detached remainder's name (R-…) too
      const detached = await detach(['LC-1'])
      const returned = detached.body.results[0].details.returnedLicense as string
      await addDevices([{ serial: 'LC-2', model: 'R-1000' }])
      const again = await assign([{ serial: 'LC-2', license: lower(returned) }])
      assert.deepEqual(
        [again.body.results[0].status, again.body.results[0].details?.licenses],
        ['changed', [returned]],
        JSON.stringify(again.body),
      )
    })

    it('refuses device names, sites and models with control characters (shown on terminals)', async () => {
      const res = await addDevices([
        { serial: 'CTL-1', model: 'R-1000', name: 'n\u001b[31mRED' },
        { serial: 'CTL-2', category: 'router', site: 's\u009b2J' },
        { serial: 'CTL-3', model: 'R-1000\u0007' },
      ])
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.deepEqual(
        res.body.error.details.issues.map((i: { path: string }) => i.path),
        ['body.items[0].name', 'body.items[1].site', 'body.items[2].model'],
      )
    })

    it('says no category covers a model it does not know, as a sentence (not_found)', async () => {
      const res = await addDevices([{ serial: 'NM-1', model: 'NO-SUCH-MODEL' }])
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.deepEqual(
        [res.body.results[0].status, res.body.results[0].code, res.body.results[0].message],
        ['failed', 'not_found', "no device category covers model 'NO-SUCH-MODEL'"],
      )
    })

    it('removes a device, detaching its license first by the same rule', async () => {
      t.clock.ms = at('2024-04-02T09:00:00Z')
      const before = await show('R2') // 1825 days from 2024-04-01
      assert.equal(before.validUntil, '2029-03-31')
      const preview = await t.call(admin, 'POST', `${base}/bulk-remove`, {
        items: [{ serial: 'R2' }],
        dryRun: true,
      })
      assert.equal(preview.body.results[0].status, 'will-change')
      assert.equal(preview.body.results[0].details.returnedDays, 1821) // 1825 - 2 used - 2
      const res = await t.call(admin, 'POST', `${base}/bulk-remove`, {
        items: [{ serial: 'R2' }, { serial: 'NOPE' }],
      })
      assert.deepEqual(
        res.body.results.map((r: { target: string; status: string }) => [r.target, r.status]),
        [
          ['R2', 'changed'],
          ['NOPE', 'already-so'],
        ],
      )
      assert.equal((await t.call(admin, 'GET', `${base}/R2`)).status, 404)
      const pool = await t.call(admin, 'GET', `${base}/pool`)
      assert.ok(
        pool.body.groups.some(
          (g: { term: string; days: number }) => g.term === 'returned' && g.days === 1821,
        ),
      )
    })

    it('refuses issuing a key whose last day to assign has passed: its licenses could never be assigned', async () => {
      t.clock.ms = at('2024-04-02T09:00:00Z')
      const body = { category: 'access-point', term: '1y', count: 1 }
      const past = await t.call(t.operatorToken, 'POST', '/v1/devices/keys', {
        ...body,
        expires: '2024-04-01',
      })
      assert.deepEqual(
        [past.status, past.body.error.code, past.body.error.message],
        [
          400,
          'validation_failed',
          "body.expires: '2024-04-01' has passed (today is 2024-04-02 in UTC): the key's licenses could never be assigned",
        ],
      )
      const keys = await t.storage.db
        .selectFrom('device_keys')
        .select('id')
        .where('expires_at', 'is not', null)
        .execute()
      assert.deepEqual(keys, [])
    })

    it('refuses expired pool licenses and shows an expired cumulative license as expired', async () => {
      // A key issued on its last day to assign (the clock is how a test makes one that lapses)
      t.clock.ms = at('2024-04-01T09:00:00Z')
      const res = await t.call(t.operatorToken, 'POST', '/v1/devices/keys', {
        category: 'access-point',
        term: '1y',
        count: 1,
        expires: '2024-04-01',
      })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      // added on its last day (a day later it could not be added at all), lapsed the day after
      assert.equal((await addKey(res.body.keys[0].key)).status, 201)
      t.clock.ms = at('2024-04-02T09:00:00Z')
      const name = `${res.body.keys[0].serial}-1`
      await addDevices([{ serial: 'AP-OLD', model: 'AP-10' }])
      const named = await assign([{ serial: 'AP-OLD', license: name }])
      assert.equal(named.body.results[0].code, 'license_expired')
      const auto = await assign([{ serial: 'AP-OLD' }])
      assert.equal(auto.body.results[0].code, 'no_free_license')
      const pool = await t.call(admin, 'GET', `${base}/pool`)
      assert.equal(
        pool.body.licenses.some((l: { name: string }) => l.name === name),
        false,
      )
      // AP-B holds 327 days from 2024-03-07: valid until 2025-01-28, expired from 2025-01-29
      t.clock.ms = at('2025-01-28T12:00:00Z')
      assert.deepEqual(
        [(await show('AP-B')).licensed, (await show('AP-B')).expired, (await show('AP-B')).daysLeft],
        [true, false, 0],
      )
      t.clock.ms = at('2025-01-29T12:00:00Z')
      const expired = await show('AP-B')
      assert.deepEqual(
        [expired.licensed, expired.expired, expired.validUntil, expired.daysLeft],
        [false, true, '2025-01-28', -1],
      )
      // The list counts the same way as show and as expiry check: negative once expired.
      const listed = await t.call(admin, 'GET', `${base}?limit=1000`)
      const row = listed.body.items.find((d: { serial: string }) => d.serial === 'AP-B')
      assert.equal(row.daysLeft, -1)
      t.clock.ms = at('2025-02-10T12:00:00Z')
      assert.equal((await show('AP-B')).daysLeft, -13)
      t.clock.ms = at('2024-04-02T09:00:00Z')
    })

    it('lists --licensed and --unlicensed as each device’s licensed field says, on its last day and the day after', async () => {
      // Every page of one filter, one device a page: the filter is in the query, not after paging.
      const listAll = async (licensed: 'true' | 'false') => {
        const rows: Array<{ serial: string; licensed: boolean }> = []
        let cursor: string | null = null
        do {
          const q: string = `?licensed=${licensed}&limit=1${cursor === null ? '' : `&cursor=${cursor}`}`
          const res = await t.call(admin, 'GET', `${base}${q}`)
          assert.equal(res.status, 200, JSON.stringify(res.body))
          assert.ok(res.body.items.length <= 1)
          rows.push(...res.body.items)
          cursor = res.body.nextCursor
        } while (cursor !== null)
        return rows
      }
      const split = async () => {
        const all = (await t.call(admin, 'GET', `${base}?limit=500`)).body.items as Array<{
          serial: string
          licensed: boolean
        }>
        const licensed = await listAll('true')
        const unlicensed = await listAll('false')
        assert.ok(licensed.every((d) => d.licensed))
        assert.ok(unlicensed.every((d) => !d.licensed))
        assert.deepEqual(
          [...licensed, ...unlicensed].map((d) => d.serial).sort(),
          all.map((d) => d.serial).sort(),
        )
        return { licensed: licensed.map((d) => d.serial), unlicensed: unlicensed.map((d) => d.serial) }
      }
      try {
        // AP-B: 327 days from 2024-03-07, valid until 2025-01-28 (the SPEC's worked example)
        t.clock.ms = at('2025-01-28T23:30:00Z')
        const lastDay = await split()
        assert.ok(lastDay.licensed.includes('AP-B'), JSON.stringify(lastDay))
        t.clock.ms = at('2025-01-29T00:30:00Z')
        const dayAfter = await split()
        assert.ok(dayAfter.unlicensed.includes('AP-B'), JSON.stringify(dayAfter))
        assert.ok(!dayAfter.licensed.includes('AP-B'))
      } finally {
        t.clock.ms = at('2024-04-02T09:00:00Z')
      }
    })

    it('detaches a license whose first day is after today: the org’s time zone moved west since', async () => {
      t.clock.ms = at('2024-04-02T12:00:00Z') // 2024-04-03 in Kiritimati, 2024-04-02 in Pago Pago
      const gbase = '/v1/orgs/globex'
      const zone = (timeZone: string) => t.call(globexAdmin, 'PATCH', gbase, { timeZone })
      try {
        assert.equal((await zone('Pacific/Kiritimati')).status, 200)
        const [key] = await issue('router', '1y', 1)
        assert.equal((await addKey(key!, globexAdmin, 'globex')).status, 201)
        assert.equal(
          (await addDevices([{ serial: 'G-1', model: 'R-1000' }], globexAdmin, 'globex')).status,
          200,
        )
        const given = await t.call(globexAdmin, 'POST', `${gbase}/devices/bulk-assign`, {
          items: [{ serial: 'G-1' }],
        })
        assert.equal(given.body.results[0].details.validUntil, '2025-04-03')
        assert.equal((await zone('Pacific/Pago_Pago')).status, 200)
        // Today (2024-04-02) is before the first day: the license is detached as on its first day.
        const res = await t.call(globexAdmin, 'POST', `${gbase}/devices/bulk-detach`, {
          items: [{ serial: 'G-1' }],
        })
        assert.deepEqual(
          [
            res.body.results[0].status,
            res.body.results[0].details?.usedDays,
            res.body.results[0].details?.returnedDays,
          ],
          ['changed', 1, 362],
          JSON.stringify(res.body),
        )
        // Tomorrow (2024-04-03) is the first day itself: detaching then returns the same days,
        // and reassigned then they run to 2025-03-31.
        assert.deepEqual(
          [
            res.body.results[0].details?.tomorrow,
            res.body.results[0].details?.validUntilIfReassignedTomorrow,
          ],
          [{ returnedDays: 362, lostDays: 2 }, '2025-03-31'],
        )
      } finally {
        await zone('UTC')
      }
    })

    it('plans a dry run in batches exactly: earlier batches (prior) are replayed with the assign and detach code', async () => {
      t.clock.ms = at('2024-05-02T09:00:00Z')
      const cat = await t.call(t.operatorToken, 'POST', '/v1/devices/categories', {
        name: 'sensor',
        models: ['S-1'],
      })
      assert.equal(cat.status, 201, JSON.stringify(cat.body))
      for (const term of ['1y', '5y']) {
        const [key] = await issue('sensor', term, 1)
        assert.equal((await addKey(key!)).status, 201)
      }
      await addDevices(['SN1', 'SN2'].map((serial) => ({ serial, model: 'S-1' })))
      // Alone, SN2 preferring the longest would get the 5y license; after batch 1 (SN1 preferring
      // the longest took it) it can only get the 1y one: the plan says so, as applying will.
      const alone = await assign([{ serial: 'SN2', prefer: 'longest' }], { dryRun: true })
      assert.equal(alone.body.results[0].details.addedDays, 1825)
      const second = await assign([{ serial: 'SN2', prefer: 'longest' }], {
        dryRun: true,
        prior: [[{ serial: 'SN1', prefer: 'longest' }]],
      })
      assert.deepEqual(
        [second.body.results[0].status, second.body.results[0].details.addedDays],
        ['will-change', 365],
      )
      // the replayed batch is not reported and nothing stayed: both licenses are still in the pool
      assert.equal(second.body.results.length, 1)
      assert.equal((await show('SN1')).licensedFrom, null)
      const applied = await assign([{ serial: 'SN1', prefer: 'longest' }])
      assert.equal(applied.body.results[0].details.addedDays, 1825)
      const then = await assign([{ serial: 'SN2', prefer: 'longest' }])
      assert.equal(then.body.results[0].details.addedDays, 365)
      // detach takes prior too (SN1 detached first, rolled back): SN2's plan, and SN1 keeps its license
      t.clock.ms = at('2024-05-03T09:00:00Z')
      const afterDetach = await detach(['SN2'], { dryRun: true, prior: [[{ serial: 'SN1' }]] })
      assert.equal(afterDetach.body.results[0].status, 'will-change')
      const stillOn = await show('SN1')
      assert.equal(stillOn.licenseDays, 1825)
    })

    it('enforces the invariants in the database', async () => {
      const db = t.storage.db
      const lic = await db
        .selectFrom('device_licenses')
        .selectAll()
        .where('state', '=', 'pool')
        .executeTakeFirstOrThrow()
      const dev = await db.selectFrom('devices').select('id').executeTakeFirstOrThrow()
      // assigned without a device, or in the pool on a device
      await assert.rejects(
        db.updateTable('device_licenses').set({ state: 'assigned' }).where('id', '=', lic.id).execute(),
      )
      await assert.rejects(
        db.updateTable('device_licenses').set({ device_id: dev.id }).where('id', '=', lic.id).execute(),
      )
      // a key's licenses never exceed its count: slot count+1, or a second license in a slot
      await assert.rejects(
        db
          .insertInto('device_licenses')
          .values({ ...lic, id: 'dl_x1', name: 'X1', slot: lic.key_count! + 1 })
          .execute(),
      )
      await assert.rejects(
        db
          .insertInto('device_licenses')
          .values({ ...lic, id: 'dl_x2', name: 'X2' })
          .execute(),
      )
      await assert.rejects(
        db
          .insertInto('device_licenses')
          .values({ ...lic, id: 'dl_x3', name: 'X3', slot: 1, key_count: 99 })
          .execute(),
      )
      await sql`select 1`.execute(db)
    })

    it('takes, of licenses of the same term, those that lapse first: never one that cannot lapse before them', async () => {
      const cyberdyne = await t.org('cyberdyne', 'cy@cyberdyne.test')
      const add = async (key: string) => assert.equal((await addKey(key, cyberdyne, 'cyberdyne')).status, 201)
      const serialOf = (key: string) => key.replace(/-/g, '').slice(0, 12)
      // Last in this file: it issues keys with a last day to assign, which an earlier test counts none of.
      // Keys whose serials sort before the lapsing ones', so that the name alone would take them first.
      const [late] = (
        await t.call(t.operatorToken, 'POST', '/v1/devices/keys', {
          category: 'router',
          term: '1y',
          count: 1,
          expires: '2099-01-01',
        })
      ).body.keys.map((k: { key: string }) => k.key) as string[]
      const soon: string[] = []
      while (soon.length < 1) {
        const [k] = (
          await t.call(t.operatorToken, 'POST', '/v1/devices/keys', {
            category: 'router',
            term: '1y',
            count: 1,
            expires: '2090-01-01',
          })
        ).body.keys.map((x: { key: string }) => x.key) as string[]
        if (serialOf(k!) > serialOf(late!)) soon.push(k!)
      }
      let never = ''
      while (never === '') {
        const [k] = await issue('router', '1y', 1)
        if (serialOf(k!) < serialOf(late!)) never = k!
      }
      for (const k of [never, late!, soon[0]!]) await add(k)
      await t.call(cyberdyne, 'POST', '/v1/orgs/cyberdyne/devices/bulk-add', {
        items: ['C-1', 'C-2', 'C-3'].map((serial) => ({ serial, model: 'R-1000' })),
      })
      const taken: string[] = []
      for (const serial of ['C-1', 'C-2', 'C-3']) {
        const res = await t.call(cyberdyne, 'POST', '/v1/orgs/cyberdyne/devices/bulk-assign', {
          items: [{ serial }],
        })
        taken.push(...(res.body.results[0].details.licenses as string[]))
      }
      assert.deepEqual(taken, [`${serialOf(soon[0]!)}-1`, `${serialOf(late!)}-1`, `${serialOf(never)}-1`])
    })

    it('shows each pool license’s last day to be assigned, in the org’s time zone, and groups only licenses that share it', async () => {
      const weyland = await t.org('weyland', 'wey@weyland.test')
      const tz = await t.call(weyland, 'PATCH', '/v1/orgs/weyland', { timeZone: 'Asia/Tokyo' })
      assert.equal(tz.status, 200, JSON.stringify(tz.body))
      const lapsing = await t.call(t.operatorToken, 'POST', '/v1/devices/keys', {
        category: 'router',
        term: '1y',
        count: 1,
        expires: '2024-06-30T15:00:00Z', // the end of 2024-06-30 in Tokyo
      })
      assert.equal(lapsing.status, 201, JSON.stringify(lapsing.body))
      const [forever] = await issue('router', '1y', 1)
      for (const key of [lapsing.body.keys[0].key, forever!])
        assert.equal((await addKey(key, weyland, 'weyland')).status, 201)
      const pool = (await t.call(weyland, 'GET', '/v1/orgs/weyland/devices/pool')).body
      const serialOf = (key: string) => key.replace(/-/g, '').slice(0, 12)
      assert.deepEqual(
        Object.fromEntries(
          pool.licenses.map((l: { name: string; assignableThrough: string | null }) => [
            l.name,
            l.assignableThrough,
          ]),
        ),
        { [`${serialOf(lapsing.body.keys[0].key)}-1`]: '2024-06-30', [`${serialOf(forever!)}-1`]: null },
      )
      assert.deepEqual(
        pool.groups
          .map((g: { count: number; assignableThrough: string | null }) => [g.count, g.assignableThrough])
          .sort(),
        [
          [1, null],
          [1, '2024-06-30'],
        ],
      )
    })
  })
}
