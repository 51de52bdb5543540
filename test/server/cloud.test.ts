import { strict as assert } from 'node:assert'
import { sql } from 'kysely'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

const DAY = 86_400_000

for (const dialect of DIALECTS) {
  describe(`cloud routes on ${dialect}`, function () {
    let t: TestApp
    let admin: string
    /** Member tokens by email. */
    const tokens: Record<string, string> = {}
    const base = '/v1/orgs/acme/cloud'
    const members = ['bob', 'carol', 'dave', 'erin', 'frank', 'gina'].map((n) => `${n}@acme.test`)

    const provision = (body: Record<string, unknown>, token = t.operatorToken) =>
      t.call(token, 'POST', `${base}/addons`, body)
    const assign = (addon: string, emails: string[], extra: Record<string, unknown> = {}, token = admin) =>
      t.call(token, 'POST', `${base}/addons/${addon}/bulk-assign`, {
        items: emails.map((email) => ({ email })),
        ...extra,
      })
    const revoke = (addon: string, emails: string[], extra: Record<string, unknown> = {}) =>
      t.call(admin, 'POST', `${base}/addons/${addon}/bulk-revoke`, {
        items: emails.map((email) => ({ email })),
        ...extra,
      })
    const statuses = (body: { results: Array<{ target: string; status: string; code?: string }> }) =>
      body.results.map((r) => [r.target, r.status, ...(r.code ? [r.code] : [])])
    /** The database's own view: assignment rows of the add-on and its `assigned` count. */
    async function dbCounts(key: string) {
      const db = t.storage.db
      const pool = await db
        .selectFrom('addon_pools')
        .select(['id', 'assigned', 'total'])
        .where('key', '=', key)
        .executeTakeFirstOrThrow()
      const rows = await db
        .selectFrom('addon_assignments')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('addon_id', '=', pool.id)
        .executeTakeFirstOrThrow()
      return { assigned: pool.assigned, rows: Number(rows.n), total: pool.total }
    }

    before(async () => {
      t = await startApp(dialect)
      admin = await t.org('acme', 'admin@acme.test')
      const add = await t.call(admin, 'POST', '/v1/orgs/acme/users/bulk-add', {
        items: members.map((email) => ({ email, role: 'member' })),
      })
      assert.equal(add.status, 200, JSON.stringify(add.body))
      for (const email of members) {
        const tok = await t.call(admin, 'POST', '/v1/orgs/acme/tokens', { userEmail: email })
        assert.equal(tok.status, 201, JSON.stringify(tok.body))
        tokens[email] = tok.body.token
      }
      await t.org('globex', 'gina@globex.test')
    })
    after(async () => t.close())

    describe('provisioning', () => {
      it('lets only the operator provision, and shows the pool with its last valid day', async () => {
        const body = { key: 'cloud-processing', name: 'Cloud Processing', total: 3, expires: '2027-12-31' }
        const byAdmin = await provision(body, admin)
        assert.equal(byAdmin.status, 403)
        assert.equal(byAdmin.body.error.code, 'forbidden')
        const res = await provision(body)
        assert.equal(res.status, 201, JSON.stringify(res.body))
        assert.deepEqual(res.body, {
          key: 'cloud-processing',
          name: 'Cloud Processing',
          total: 3,
          assigned: 0,
          free: 3,
          expiresAt: '2028-01-01T00:00:00.000Z',
          validThrough: '2027-12-31',
          expired: false,
          retiredAt: null,
          createdAt: '2026-01-15T10:00:00.000Z',
          updatedAt: '2026-01-15T10:00:00.000Z',
        })
        const again = await provision(body)
        assert.equal(again.status, 409)
        assert.equal(again.body.error.code, 'already_exists')
        const bad = await provision({ ...body, key: 'Cloud Processing' })
        assert.equal(bad.status, 400)
        assert.equal(bad.body.error.details.issues[0].path, 'body.key')
      })

      it('refuses an expiration already past on provision and update; today’s date is valid through today', async () => {
        const gbase = '/v1/orgs/globex/cloud/addons'
        const op = (method: string, url: string, body: object) => t.call(t.operatorToken, method, url, body)
        const body = { key: 'late', name: 'Late', total: 2 }
        const past = await op('POST', gbase, { ...body, expires: '2026-01-14' })
        assert.deepEqual(
          [past.status, past.body.error.code, past.body.error.message],
          [
            400,
            'validation_failed',
            "body.expires: '2026-01-14' has passed (today is 2026-01-15 in UTC): the add-on pool would be expired on arrival",
          ],
        )
        assert.deepEqual((await t.call(t.operatorToken, 'GET', gbase)).body.items, [])
        const today = await op('POST', gbase, { ...body, expires: '2026-01-15' })
        assert.deepEqual(
          [today.status, today.body.validThrough, today.body.expired],
          [201, '2026-01-15', false],
        )
        const update = await op('PATCH', `${gbase}/late`, { expires: '2026-01-14', total: 3 })
        assert.deepEqual(
          [update.status, update.body.error.message],
          [
            400,
            "body.expires: '2026-01-14' has passed (today is 2026-01-15 in UTC): the add-on pool would expire at once",
          ],
        )
        const after = (await t.call(t.operatorToken, 'GET', gbase)).body.items[0]
        assert.deepEqual([after.total, after.validThrough], [2, '2026-01-15'])
      })

      it('lists pools to members, sorted by key, and pages with a cursor', async () => {
        const res = await provision({ key: 'ai-assist', name: 'AI Assist', total: 10, expires: '2027-06-30' })
        assert.equal(res.status, 201, JSON.stringify(res.body))
        const list = await t.call(tokens['bob@acme.test']!, 'GET', `${base}/addons?limit=1`)
        assert.equal(list.status, 200, JSON.stringify(list.body))
        assert.deepEqual(
          list.body.items.map((a: { key: string }) => a.key),
          ['ai-assist'],
        )
        const next = await t.call(admin, 'GET', `${base}/addons?limit=1&cursor=${list.body.nextCursor}`)
        assert.deepEqual(
          next.body.items.map((a: { key: string }) => a.key),
          ['cloud-processing'],
        )
        assert.equal(next.body.nextCursor, null)
        const other = await t.call(tokens['bob@acme.test']!, 'GET', '/v1/orgs/globex/cloud/addons')
        assert.deepEqual([other.status, other.body.error.code], [403, 'wrong_organization'])
      })
    })

    describe('assigning and revoking', () => {
      it('assigns per row: members change, non-members fail, past the total fails, the rest still applies', async () => {
        const res = await assign('cloud-processing', [
          'bob@acme.test',
          'stranger@acme.test',
          'carol@acme.test',
          'dave@acme.test',
          'erin@acme.test',
        ])
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.deepEqual(statuses(res.body), [
          ['bob@acme.test', 'changed'],
          ['stranger@acme.test', 'failed', 'not_a_member'],
          ['carol@acme.test', 'changed'],
          ['dave@acme.test', 'changed'],
          ['erin@acme.test', 'failed', 'no_free_license'],
        ])
        assert.equal(res.body.results[1].message, 'stranger@acme.test is not a member of this organization')
        assert.equal(res.body.results[4].message, 'no free Cloud Processing license: all 3 are assigned')
        assert.deepEqual(res.body.summary, { changed: 3, unchanged: 0, failed: 2 })
        assert.deepEqual(await dbCounts('cloud-processing'), { assigned: 3, rows: 3, total: 3 })
      })

      it('reports a user who already holds the add-on as already-so, and refuses an unknown add-on as a whole (404)', async () => {
        const res = await assign('cloud-processing', ['bob@acme.test', 'bob@acme.test'])
        assert.deepEqual(statuses(res.body), [
          ['bob@acme.test', 'already-so'],
          ['bob@acme.test', 'already-so'],
        ])
        const unknown = await assign('nope', ['bob@acme.test'])
        assert.equal(unknown.status, 404)
        assert.deepEqual(unknown.body, { error: { code: 'not_found', message: "add-on 'nope' not found" } })
      })

      it('lets admins only assign, and refuses another organization’s token', async () => {
        const member = await assign('ai-assist', ['bob@acme.test'], {}, tokens['bob@acme.test'])
        assert.equal(member.status, 403)
        assert.equal(member.body.error.code, 'not_admin')
        const globex = await t.org('initech', 'ian@initech.test')
        const other = await assign('ai-assist', ['bob@acme.test'], {}, globex)
        assert.equal(other.status, 403)
        assert.deepEqual(other.body.error, {
          code: 'wrong_organization',
          message: "this token acts for organization 'initech', not 'acme'",
        })
      })

      it('never assigns past the total, whatever runs at once, and the database refuses it too', async () => {
        await provision({ key: 'race', name: 'Race', total: 4, expires: '2027-12-31' })
        const runs = await Promise.all([
          assign('race', members.slice(0, 3)),
          assign('race', members.slice(2, 6)),
          assign('race', [...members].reverse()),
        ])
        for (const r of runs) assert.equal(r.status, 200, JSON.stringify(r.body))
        const changed = runs.reduce((n, r) => n + r.body.summary.changed, 0)
        assert.equal(changed, 4)
        assert.deepEqual(await dbCounts('race'), { assigned: 4, rows: 4, total: 4 })
        await assert.rejects(
          sql`update addon_pools set assigned = total + 1 where key = 'race'`.execute(t.storage.db),
          /check|constraint/i,
        )
      })

      it('refuses assigning from an expired pool per row, but a holder stays already-so', async () => {
        await provision({ key: 'old', name: 'Old Add-on', total: 5, expires: '2026-01-20' })
        assert.deepEqual(statuses((await assign('old', ['bob@acme.test'])).body), [
          ['bob@acme.test', 'changed'],
        ])
        t.clock.advance(10 * DAY)
        const res = await assign('old', ['bob@acme.test', 'carol@acme.test'])
        assert.deepEqual(statuses(res.body), [
          ['bob@acme.test', 'already-so'],
          ['carol@acme.test', 'failed', 'pool_expired'],
        ])
        assert.equal(res.body.results[1].message, "Old Add-on ('old') expired after 2026-01-20")
        const list = await t.call(admin, 'GET', `${base}/addons`)
        const old = list.body.items.find((a: { key: string }) => a.key === 'old')
        assert.equal(old.expired, true)
        assert.equal(old.validThrough, '2026-01-20')
        // Free is what an assignment can get: none while expired, though 4 of 5 are unassigned.
        assert.deepEqual([old.total, old.assigned, old.free], [5, 1, 0])
        t.clock.advance(-10 * DAY)
      })

      it('revokes: frees the license at once; a user without it (member or not) is already-so', async () => {
        const res = await revoke('cloud-processing', ['dave@acme.test', 'erin@acme.test', 'nobody@acme.test'])
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.deepEqual(statuses(res.body), [
          ['dave@acme.test', 'changed'],
          ['erin@acme.test', 'already-so'],
          ['nobody@acme.test', 'already-so'],
        ])
        assert.deepEqual(await dbCounts('cloud-processing'), { assigned: 2, rows: 2, total: 3 })
        const again = await assign('cloud-processing', ['erin@acme.test'])
        assert.deepEqual(statuses(again.body), [['erin@acme.test', 'changed']])
      })

      it('audits each assignment and revocation with counts, plus one job entry with the totals', async () => {
        await provision({ key: 'audited', name: 'Audited', total: 10, expires: '2027-12-31' })
        await assign('audited', ['bob@acme.test', 'carol@acme.test', 'stranger@acme.test'])
        await revoke('audited', ['carol@acme.test'])
        // The test clock stands still while request ids use real time, so ids made in one test
        // millisecond do not sort across requests: compare the entries as a set.
        const res = await t.call(admin, 'GET', '/v1/orgs/acme/audit?action=cloud.&limit=100')
        const canonical = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort()
        const mine = (
          res.body.items as Array<{ action: string; target: string; before: unknown; after: unknown }>
        )
          .filter((e) => e.target.startsWith('audited'))
          .map((e) => [e.action, e.target, e.before, e.after])
        assert.deepEqual(
          canonical(mine),
          canonical([
            [
              'cloud.provision',
              'audited',
              { total: 0 },
              { name: 'Audited', total: 10, expiresAt: '2028-01-01T00:00:00.000Z' },
            ],
            ['cloud.assign', 'audited/bob@acme.test', { assigned: 0 }, { assigned: 1 }],
            ['cloud.assign', 'audited/carol@acme.test', { assigned: 1 }, { assigned: 2 }],
            ['cloud.assign.bulk', 'audited', null, { rows: 3, changed: 2, unchanged: 0, failed: 1 }],
            ['cloud.revoke', 'audited/carol@acme.test', { assigned: 2 }, { assigned: 1 }],
          ]),
        )
      })

      it('applies a retried batch once: the same Idempotency-Key replays the first answer', async () => {
        await provision({ key: 'retry', name: 'Retry', total: 10, expires: '2027-12-31' })
        const send = () =>
          t.call(
            admin,
            'POST',
            `${base}/addons/retry/bulk-assign`,
            { items: [{ email: 'bob@acme.test' }] },
            { 'idempotency-key': 'batch-0001-retry' },
          )
        const first = await send()
        const second = await send()
        assert.deepEqual(statuses(first.body), [['bob@acme.test', 'changed']])
        assert.deepEqual(second.body, first.body)
        assert.deepEqual(await dbCounts('retry'), { assigned: 1, rows: 1, total: 10 })
      })
    })

    describe('dry runs', () => {
      it('plans with the same code and changes nothing', async () => {
        await provision({ key: 'plan', name: 'Plan', total: 2, expires: '2027-12-31' })
        await assign('plan', ['bob@acme.test'])
        const emails = ['bob@acme.test', 'carol@acme.test', 'stranger@acme.test', 'dave@acme.test']
        const dry = await assign('plan', emails, { dryRun: true })
        assert.equal(dry.status, 200, JSON.stringify(dry.body))
        assert.equal(dry.body.dryRun, true)
        assert.deepEqual(statuses(dry.body), [
          ['bob@acme.test', 'already-so'],
          ['carol@acme.test', 'will-change'],
          ['stranger@acme.test', 'will-fail', 'not_a_member'],
          ['dave@acme.test', 'will-fail', 'no_free_license'],
        ])
        assert.deepEqual(await dbCounts('plan'), { assigned: 1, rows: 1, total: 2 })
        const applied = await assign('plan', emails)
        assert.deepEqual(
          statuses(applied.body),
          statuses(dry.body).map(([target, status, code]) => [
            target,
            status === 'will-change' ? 'changed' : status === 'will-fail' ? 'failed' : status!,
            ...(code ? [code] : []),
          ]),
        )
      })

      it('plans a later batch on top of the earlier ones (prior): the licenses they would take are taken, their users hold it', async () => {
        await provision({ key: 'batches', name: 'Batches', total: 3, expires: '2027-12-31' })
        const first = await assign('batches', members.slice(0, 2), { dryRun: true })
        assert.deepEqual(first.body.summary, { changed: 2, unchanged: 0, failed: 0 })
        const prior = [members.slice(0, 2).map((email) => ({ email }))]
        const second = await assign('batches', [members[1]!, ...members.slice(2, 4)], { dryRun: true, prior })
        assert.deepEqual(statuses(second.body), [
          [members[1], 'already-so'],
          [members[2], 'will-change'],
          [members[3], 'will-fail', 'no_free_license'],
        ])
        assert.deepEqual(await dbCounts('batches'), { assigned: 0, rows: 0, total: 3 })
        const applied = await assign('batches', members.slice(2, 4), { prior })
        assert.deepEqual(
          applied.body.summary,
          { changed: 2, unchanged: 0, failed: 0 },
          'ignored when applying',
        )
      })

      it('refuses more than 10,000 prior rows, and prior rows its item schema refuses', async () => {
        const batch = Array.from({ length: 1000 }, (_, i) => ({ email: `u${i}@acme.test` }))
        const tooMany = await assign('plan', [members[0]!], {
          dryRun: true,
          prior: Array.from({ length: 11 }, () => batch),
        })
        assert.equal(tooMany.status, 400)
        const bad = await assign('plan', [members[0]!], { dryRun: true, prior: [[{ email: 'nope' }]] })
        assert.equal(bad.status, 400)
      })

      it('dry-runs a revoke without freeing anything', async () => {
        const dry = await revoke('plan', ['bob@acme.test', 'erin@acme.test'], { dryRun: true })
        assert.deepEqual(statuses(dry.body), [
          ['bob@acme.test', 'will-change'],
          ['erin@acme.test', 'already-so'],
        ])
        assert.deepEqual(await dbCounts('plan'), { assigned: 2, rows: 2, total: 2 })
      })
    })

    describe('changing a pool', () => {
      it('words a pool of one license in the singular: refusals read as English', async () => {
        assert.equal(
          (await provision({ key: 'solo', name: 'Solo', total: 1, expires: '2027-12-31' })).status,
          201,
        )
        const res = await assign('solo', ['bob@acme.test', 'carol@acme.test'])
        assert.deepEqual(statuses(res.body), [
          ['bob@acme.test', 'changed'],
          ['carol@acme.test', 'failed', 'no_free_license'],
        ])
        assert.equal(res.body.results[1].message, 'no free Solo license: the only one is assigned')
        const low = await t.call(t.operatorToken, 'PATCH', `${base}/addons/solo`, { total: 0 })
        assert.equal(low.status, 409)
        assert.equal(
          low.body.error.message,
          "cannot lower the total of 'solo' to 0: 1 is assigned; revoke it first",
        )
      })

      it('changes total, expiration and name; never lowers the total below those assigned', async () => {
        const low = await t.call(t.operatorToken, 'PATCH', `${base}/addons/plan`, { total: 1 })
        assert.equal(low.status, 409)
        assert.deepEqual(low.body.error, {
          code: 'total_below_assigned',
          message: "cannot lower the total of 'plan' to 1: 2 are assigned; revoke some first",
          details: { total: 1, assigned: 2 },
        })
        const byAdmin = await t.call(admin, 'PATCH', `${base}/addons/plan`, { total: 5 })
        assert.equal(byAdmin.status, 403)
        const ok = await t.call(t.operatorToken, 'PATCH', `${base}/addons/plan`, {
          total: 2,
          expires: '2028-06-30',
          name: 'Plan Plus',
        })
        assert.equal(ok.status, 200, JSON.stringify(ok.body))
        assert.equal(ok.body.total, 2)
        assert.equal(ok.body.free, 0)
        assert.equal(ok.body.validThrough, '2028-06-30')
        assert.equal(ok.body.name, 'Plan Plus')
        const missing = await t.call(t.operatorToken, 'PATCH', `${base}/addons/nope`, { total: 2 })
        assert.equal(missing.status, 404)
        const empty = await t.call(t.operatorToken, 'PATCH', `${base}/addons/plan`, {})
        assert.equal(empty.status, 400)
      })
    })

    describe('entitlement check', () => {
      it('refuses a user without the add-on with cloud_license_required and "<Name> License Required", even with other licenses', async () => {
        // frank holds another add-on, not Cloud Processing.
        await assign('ai-assist', ['frank@acme.test'])
        const res = await t.call(admin, 'GET', `${base}/addons/cloud-processing/check?user=frank@acme.test`)
        assert.equal(res.status, 409)
        assert.deepEqual(res.body, {
          error: {
            code: 'cloud_license_required',
            message: 'Cloud Processing License Required',
            details: { addon: 'cloud-processing', email: 'frank@acme.test' },
          },
        })
        const self = await t.call(tokens['frank@acme.test']!, 'GET', `${base}/addons/cloud-processing/check`)
        assert.equal(self.status, 409)
        assert.equal(self.body.error.message, 'Cloud Processing License Required')
      })

      it('confirms a holder; members check themselves only, admins anyone', async () => {
        const self = await t.call(tokens['bob@acme.test']!, 'GET', `${base}/addons/cloud-processing/check`)
        assert.equal(self.status, 200, JSON.stringify(self.body))
        assert.deepEqual(self.body, {
          addon: 'cloud-processing',
          addonName: 'Cloud Processing',
          email: 'bob@acme.test',
          licensed: true,
          assignedAt: '2026-01-15T10:00:00.000Z',
          expiresAt: '2028-01-01T00:00:00.000Z',
          validThrough: '2027-12-31',
        })
        const other = await t.call(
          tokens['frank@acme.test']!,
          'GET',
          `${base}/addons/cloud-processing/check?user=bob@acme.test`,
        )
        assert.equal(other.status, 403)
        assert.equal(other.body.error.code, 'not_admin')
        const byAdmin = await t.call(admin, 'GET', `${base}/addons/cloud-processing/check?user=bob@acme.test`)
        assert.equal(byAdmin.status, 200)
        const unknown = await t.call(admin, 'GET', `${base}/addons/nope/check?user=bob@acme.test`)
        assert.equal(unknown.status, 404)
        const operator = await t.call(t.operatorToken, 'GET', `${base}/addons/cloud-processing/check`)
        assert.equal(operator.status, 400)
      })

      it('refuses a holder of an expired add-on with pool_expired', async () => {
        t.clock.advance(10 * DAY)
        const res = await t.call(admin, 'GET', `${base}/addons/old/check?user=bob@acme.test`)
        t.clock.advance(-10 * DAY)
        assert.equal(res.status, 409)
        assert.equal(res.body.error.code, 'pool_expired')
        assert.equal(res.body.error.message, "Old Add-on ('old') expired after 2026-01-20")
      })
    })

    describe('assignments list', () => {
      it('lists by add-on then email, filters, and pages; a member sees only their own', async () => {
        const all = await t.call(admin, 'GET', `${base}/assignments?addon=cloud-processing`)
        assert.equal(all.status, 200, JSON.stringify(all.body))
        assert.deepEqual(
          all.body.items.map((a: { email: string }) => a.email),
          ['bob@acme.test', 'carol@acme.test', 'erin@acme.test'],
        )
        assert.deepEqual(Object.keys(all.body.items[0]).sort(), [
          'addon',
          'addonName',
          'assignedAt',
          'assignedBy',
          'email',
          'name',
        ])
        assert.equal(all.body.items[0].assignedBy, 'admin@acme.test')
        const whole = await t.call(admin, 'GET', `${base}/assignments?user=bob@acme.test`)
        const expected = whole.body.items.map((a: { addon: string }) => a.addon)
        assert.ok(expected.length >= 5, JSON.stringify(expected))
        assert.deepEqual(expected, [...expected].sort())
        const seen: string[] = []
        let cursor: string | null = null
        do {
          const page: {
            body: { items: Array<{ addon: string; email: string }>; nextCursor: string | null }
          } = await t.call(
            admin,
            'GET',
            `${base}/assignments?limit=2${cursor ? `&cursor=${cursor}` : ''}&user=bob@acme.test`,
          )
          assert.ok(page.body.items.length <= 2)
          seen.push(...page.body.items.map((a) => a.addon))
          cursor = page.body.nextCursor
        } while (cursor)
        assert.deepEqual(seen, expected)
        const mine = await t.call(tokens['frank@acme.test']!, 'GET', `${base}/assignments`)
        assert.equal(mine.status, 200)
        assert.ok(mine.body.items.some((a: { addon: string }) => a.addon === 'ai-assist'))
        assert.ok(mine.body.items.every((a: { email: string }) => a.email === 'frank@acme.test'))
        const others = await t.call(
          tokens['frank@acme.test']!,
          'GET',
          `${base}/assignments?user=bob@acme.test`,
        )
        assert.equal(others.status, 403)
        const bad = await t.call(admin, 'GET', `${base}/assignments?cursor=bm9wZQ`)
        assert.equal(bad.status, 400)
      })
      it('refuses a filter naming an add-on or user the organization does not have (404); one matching nothing is empty', async () => {
        for (const [token, url, message] of [
          [admin, `${base}/assignments?addon=nope`, "add-on 'nope' not found"],
          [tokens['frank@acme.test']!, `${base}/assignments?addon=nope`, "add-on 'nope' not found"],
          [admin, `${base}/assignments?user=nobody@nowhere.test`, "member 'nobody@nowhere.test' not found"],
        ] as const) {
          const res = await t.call(token, 'GET', url)
          assert.deepEqual([res.status, res.body], [404, { error: { code: 'not_found', message } }], url)
        }
        assert.equal(
          (await provision({ key: 'unheld', name: 'Unheld', total: 2, expires: '2027-12-31' })).status,
          201,
        )
        for (const url of [
          `${base}/assignments?addon=unheld`,
          `${base}/assignments?user=admin@acme.test&addon=unheld`,
        ]) {
          const res = await t.call(admin, 'GET', url)
          assert.deepEqual([res.status, res.body], [200, { items: [], nextCursor: null }], url)
        }
      })
    })

    describe('removing a member', () => {
      it('revokes every add-on they hold in the same transaction, and says which', async () => {
        const before = await dbCounts('cloud-processing')
        const holding = await t.call(admin, 'GET', `${base}/assignments?user=carol@acme.test`)
        const keys = holding.body.items.map((a: { addon: string }) => a.addon)
        assert.ok(keys.includes('cloud-processing') && keys.includes('plan'), JSON.stringify(keys))
        const res = await t.call(admin, 'DELETE', '/v1/orgs/acme/users/carol@acme.test')
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.deepEqual(res.body.addonsRevoked, keys)
        assert.deepEqual(await dbCounts('cloud-processing'), {
          ...before,
          assigned: before.assigned - 1,
          rows: before.rows - 1,
        })
        // No longer a member: a filter naming her is 404, and no assignment of hers is left.
        const held = await t.call(admin, 'GET', `${base}/assignments?user=carol@acme.test`)
        assert.deepEqual([held.status, held.body.error.code], [404, 'not_found'])
        const all = await t.call(admin, 'GET', `${base}/assignments?limit=1000`)
        assert.deepEqual(
          all.body.items.filter((a: { email: string }) => a.email === 'carol@acme.test'),
          [],
        )
        const audit = await t.call(admin, 'GET', '/v1/orgs/acme/audit?action=cloud.revoke&limit=20')
        const carol = audit.body.items.filter(
          (e: { target: string; after: { reason?: string } }) =>
            e.target.endsWith('/carol@acme.test') && e.after.reason === 'member removed',
        )
        assert.deepEqual(
          carol.map((e: { target: string }) => e.target).sort(),
          keys.map((k: string) => `${k}/carol@acme.test`),
        )
      })
    })
  })
}
