import { strict as assert } from 'node:assert'
import { sql } from 'kysely'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'
import { hostKey } from '../../src/domain/host-name.js'

const DAY = 86_400_000

for (const dialect of DIALECTS) {
  describe(`activations routes on ${dialect}`, function () {
    let t: TestApp
    let admin: string
    let member: string
    const base = '/v1/orgs/acme/activations'
    let nl: string
    let cc: string

    const provision = (body: Record<string, unknown>, token = t.operatorToken) =>
      t.call(token, 'POST', `${base}/entitlements`, body)
    const generate = (product: string, quantity: number, token = admin) =>
      t.call(token, 'POST', `${base}/ids`, { product, quantity })
    const act = (id: string, host: string, seats?: number, token = member) =>
      t.call(token, 'POST', `${base}/ids/${id}/activate`, { host, ...(seats ? { seats } : {}) })
    const deact = (id: string, host: string, token = member) =>
      t.call(token, 'POST', `${base}/ids/${id}/deactivate`, { host })
    const show = async (id: string) => (await t.call(member, 'GET', `${base}/ids/${id}`)).body
    const entitlement = async (product: string) =>
      (await t.call(member, 'GET', `${base}/entitlements`)).body.items.find(
        (e: { product: string }) => e.product === product,
      )
    const hosts = async (id: string) =>
      (await show(id)).hosts.map((h: { host: string; seats: number }) => [h.host, h.seats])
    const refusal = (res: { status: number; body: any }) => [res.status, res.body.error?.code]

    before(async () => {
      t = await startApp(dialect)
      admin = await t.org('acme', 'admin@acme.test')
      const tz = await t.call(admin, 'PATCH', '/v1/orgs/acme', { timeZone: 'America/New_York' })
      assert.equal(tz.status, 200, JSON.stringify(tz.body))
      const add = await t.call(admin, 'POST', '/v1/orgs/acme/users/bulk-add', {
        items: [{ email: 'eng@acme.test', role: 'member' }],
      })
      assert.equal(add.status, 200, JSON.stringify(add.body))
      const tok = await t.call(admin, 'POST', '/v1/orgs/acme/tokens', { userEmail: 'eng@acme.test' })
      member = tok.body.token
    })
    after(async () => t.close())

    describe('entitlements and IDs', () => {
      it('lets only the operator provision, valid through the last day in the org’s time zone', async () => {
        const body = { product: 'cad-desk', type: 'NL', seats: 10, expires: '2027-12-31' }
        assert.deepEqual(refusal(await provision(body, admin)), [403, 'forbidden'])
        const res = await provision(body)
        assert.equal(res.status, 201, JSON.stringify(res.body))
        assert.deepEqual(res.body, {
          product: 'cad-desk',
          type: 'NL',
          seats: 10,
          inIds: 0,
          free: 10,
          expiresAt: '2028-01-01T05:00:00.000Z',
          validThrough: '2027-12-31',
          expired: false,
          retiredAt: null,
          createdAt: '2026-01-15T10:00:00.000Z',
          updatedAt: '2026-01-15T10:00:00.000Z',
        })
        assert.deepEqual(refusal(await provision(body)), [409, 'already_exists'])
        const bad = await provision({ ...body, product: 'sim', type: 'XX' })
        assert.equal(bad.status, 400)
        assert.equal(bad.body.error.details.issues[0].path, 'body.type')
        assert.equal(
          (await provision({ product: 'sim-server', type: 'CC', seats: 20, expires: '2027-12-31' })).status,
          201,
        )
      })

      it('generates IDs from free seats (admins only) and refuses past them with entitlement_exhausted', async () => {
        assert.deepEqual(refusal(await generate('cad-desk', 2, member)), [403, 'not_admin'])
        const res = await generate('cad-desk', 3)
        assert.equal(res.status, 201, JSON.stringify(res.body))
        nl = res.body.id
        assert.match(nl, /^act_[0-9a-z]{26}$/)
        assert.deepEqual(res.body, {
          id: nl,
          product: 'cad-desk',
          type: 'NL',
          quantity: 3,
          used: 0,
          free: 3,
          status: 'active',
          expiresAt: '2028-01-01T05:00:00.000Z',
          validThrough: '2027-12-31',
          expired: false,
          createdAt: '2026-01-15T10:00:00.000Z',
          returnedAt: null,
        })
        const over = await generate('cad-desk', 8)
        assert.deepEqual(refusal(over), [409, 'entitlement_exhausted'])
        assert.equal(
          over.body.error.message,
          "cannot make an ID of 8 seats of 'cad-desk': only 7 of 10 are free",
        )
        assert.deepEqual(refusal(await generate('nope', 1)), [404, 'not_found'])
        cc = (await generate('sim-server', 10)).body.id
        assert.deepEqual(
          [await entitlement('cad-desk'), await entitlement('sim-server')].map((e) => [
            e.seats,
            e.inIds,
            e.free,
          ]),
          [
            [10, 3, 7],
            [20, 10, 10],
          ],
        )
      })
    })

    describe('listing IDs', () => {
      it('refuses a product filter naming no entitlement of the organization (404); one matching nothing is empty', async () => {
        const unknown = await t.call(member, 'GET', `${base}/ids?product=nope`)
        assert.deepEqual(
          [unknown.status, unknown.body],
          [
            404,
            {
              error: {
                code: 'not_found',
                message: "no entitlement for 'nope'",
                details: { product: 'nope' },
              },
            },
          ],
        )
        const some = await t.call(member, 'GET', `${base}/ids?product=cad-desk`)
        assert.deepEqual(
          some.body.items.map((i: { id: string }) => i.id),
          [nl],
        )
        const none = await t.call(member, 'GET', `${base}/ids?product=cad-desk&status=inactive`)
        assert.deepEqual([none.status, none.body], [200, { items: [], nextCursor: null }])
      })
    })

    describe('what the licensing administrator on a machine does', () => {
      it('activates NL one seat per host, refuses --seats above 1, and is already-so on the same host', async () => {
        const res = await act(nl, 'ws-01')
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.deepEqual(res.body, {
          id: nl,
          product: 'cad-desk',
          type: 'NL',
          host: 'ws-01',
          seats: 1,
          since: '2026-01-15T10:00:00.000Z',
          changed: true,
          used: 1,
          quantity: 3,
        })
        const two = await act(nl, 'ws-02', 2)
        assert.deepEqual(refusal(two), [409, 'nl_one_seat'])
        const again = await act(nl, 'ws-01')
        assert.deepEqual([again.status, again.body.changed, again.body.used], [200, false, 1])
      })

      it('refuses a host name with control characters: it is printed on admins’ terminals', async () => {
        // Nor an invisible or look-alike character, or a space: shown as another host, not found by it.
        for (const host of [
          'evil\u001b[2J',
          'tab\there',
          'bidi\u202eevil',
          'lic-b\u200b',
          'a b',
          '\u212Aiosk',
          '-x',
        ])
          assert.deepEqual(
            [refusal(await act(nl, host)), (await act(nl, host)).body.error.details.issues[0].path],
            [[400, 'validation_failed'], 'body.host'],
          )
        assert.deepEqual(
          (await show(nl)).hosts.map((h: { host: string }) => h.host),
          ['ws-01'],
        )
      })

      it('refuses a host name with a leading or trailing space, naming the field, rather than trimming it', async () => {
        for (const host of ['ws-05 ', ' ws-05', 'ws-05\t', 'ws-05\u00a0', ' ']) {
          const res = await act(nl, host)
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
        const to = await t.call(admin, 'POST', `${base}/ids/${nl}/rehost`, { from: 'ws-01', to: 'ws-05 ' })
        assert.deepEqual([to.status, to.body.error.details.issues[0].path], [400, 'body.to'])
        assert.deepEqual(
          (await show(nl)).hosts.map((h: { host: string }) => h.host),
          ['ws-01'],
        )
      })

      it('refuses activating past the ID’s quantity with quantity_exceeded', async () => {
        assert.equal((await act(nl, 'ws-02')).status, 200)
        assert.equal((await act(nl, 'ws-03')).status, 200)
        const over = await act(nl, 'ws-04')
        assert.deepEqual(refusal(over), [409, 'quantity_exceeded'])
        assert.equal(
          over.body.error.message,
          `activation ID ${nl} has 3 seats, 3 in use: cannot activate 1 seat more on host 'ws-04'`,
        )
        assert.deepEqual(await hosts(nl), [
          ['ws-01', 1],
          ['ws-02', 1],
          ['ws-03', 1],
        ])
      })

      it('deactivates on a host (the ID stays valid), then reactivates on another host', async () => {
        t.clock.advance(DAY)
        const res = await deact(nl, 'ws-02')
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.deepEqual(res.body, {
          id: nl,
          host: 'ws-02',
          seats: 1,
          used: 2,
          quantity: 3,
          changed: true,
          orphanCleaned: false,
        })
        const moved = await act(nl, 'ws-04')
        assert.deepEqual(
          [moved.status, moved.body.since, moved.body.used],
          [200, '2026-01-16T10:00:00.000Z', 3],
        )
        assert.deepEqual((await show(nl)).status, 'active')
        // Deactivating again (in any case) is already so: nothing given back, nothing audited.
        const audited = async () => (await t.call(admin, 'GET', '/v1/orgs/acme/audit?limit=1000')).body.items
        const before = await audited()
        const again = await deact(nl, 'WS-02')
        assert.equal(again.status, 200, JSON.stringify(again.body))
        assert.deepEqual(again.body, {
          id: nl,
          host: 'ws-02',
          seats: 0,
          used: 3,
          quantity: 3,
          changed: false,
          orphanCleaned: false,
        })
        assert.deepEqual(await audited(), before)
        // A host that never held it is still not found.
        assert.deepEqual(refusal(await deact(nl, 'ws-77')), [404, 'not_found'])
      })

      it('quotes a host it does not find as other messages quote input: escaped and cut short', async () => {
        // A host to find takes any plain text (hosts stored before the host-name rule), up to 255.
        const typed = 'ħ'.repeat(30) + '\ufffd' + 'y'.repeat(200)
        const shown = `'${'ħ'.repeat(30)}\\ufffd${'y'.repeat(9)}…'`
        const gone = await deact(nl, typed)
        assert.deepEqual(
          [gone.status, gone.body.error.message, gone.body.error.details],
          [404, `host ${shown} holds no activation of ${nl}`, { id: nl, host: typed }],
        )
        const from = await t.call(admin, 'POST', `${base}/ids/${nl}/rehost`, { from: typed, to: 'ws-09' })
        assert.deepEqual(
          [from.status, from.body.error.message],
          [404, `host ${shown} holds no activation of ${nl}`],
        )
        const clear = await t.call(admin, 'POST', `${base}/orphans/clear`, { host: typed })
        assert.deepEqual(
          [clear.status, clear.body.error.message, clear.body.error.details],
          [404, `host ${shown} holds no orphaned activation`, { host: typed }],
        )
        const clearOne = await t.call(admin, 'POST', `${base}/orphans/clear`, { host: 'nobody', id: nl })
        assert.deepEqual(
          [clearOne.status, clearOne.body.error.code, clearOne.body.error.message],
          [404, 'not_found', `host 'nobody' holds no orphaned activation of ${nl}`],
        )
      })

      it('lets a CC license-server host take n seats, adding up on the same host', async () => {
        const res = await act(cc, 'lic-a', 4)
        assert.deepEqual([res.status, res.body.seats, res.body.used], [200, 4, 4])
        const more = await act(cc, 'lic-a', 2)
        assert.deepEqual([more.status, more.body.seats, more.body.used], [200, 6, 6])
        assert.equal((await act(cc, 'lic-b', 3)).status, 200)
        assert.deepEqual(refusal(await act(cc, 'lic-c', 2)), [409, 'quantity_exceeded'])
      })
    })

    describe('what the portal does', () => {
      it('refuses to return an NL ID, advising to deactivate it on the host', async () => {
        const res = await t.call(admin, 'POST', `${base}/ids/${nl}/return`, { force: true })
        assert.deepEqual(refusal(res), [409, 'return_not_supported'])
        assert.equal(
          res.body.error.message,
          `${nl} is node-locked: only concurrent (CC) IDs can be returned on the portal. Deactivate it on each host instead (\`licctl activations deactivate ${nl} --host <host>\`): the ID stays valid and can be activated again`,
        )
      })

      it('refuses a CC return while hosts hold it, listing them, and changes nothing', async () => {
        const before = await show(cc)
        const res = await t.call(admin, 'POST', `${base}/ids/${cc}/return`, {})
        assert.deepEqual(refusal(res), [409, 'hosts_would_be_orphaned'])
        assert.deepEqual(
          res.body.error.details.hosts.map((h: { host: string; seats: number }) => [h.host, h.seats]),
          [
            ['lic-a', 6],
            ['lic-b', 3],
          ],
        )
        assert.match(
          res.body.error.message,
          /^2 hosts still hold act_\w+: lic-a \(6 seats\), lic-b \(3 seats\)\. Deactivate it there first/,
        )
        assert.deepEqual(await show(cc), before)
        assert.deepEqual((await entitlement('sim-server')).free, 10)
      })

      it('with force retires the ID: inactive, its hosts orphaned, its seats back to the entitlement', async () => {
        const res = await t.call(admin, 'POST', `${base}/ids/${cc}/return`, { force: true })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.deepEqual(
          [
            res.body.status,
            res.body.quantity,
            res.body.entitlementFree,
            res.body.orphaned.map((o: { host: string }) => o.host),
          ],
          ['inactive', 10, 20, ['lic-a', 'lic-b']],
        )
        const detail = await show(cc)
        assert.deepEqual(
          [detail.status, detail.used, detail.hosts, detail.returnedAt],
          ['inactive', 0, [], '2026-01-16T10:00:00.000Z'],
        )
        const orphans = await t.call(member, 'GET', `${base}/orphans`)
        assert.deepEqual(orphans.body, {
          items: [
            {
              host: 'lic-a',
              id: cc,
              product: 'sim-server',
              seats: 6,
              reason: 'return',
              since: '2026-01-16T10:00:00.000Z',
              clearedAt: null,
            },
            {
              host: 'lic-b',
              id: cc,
              product: 'sim-server',
              seats: 3,
              reason: 'return',
              since: '2026-01-16T10:00:00.000Z',
              clearedAt: null,
            },
          ],
          nextCursor: null,
        })
        const e = await entitlement('sim-server')
        assert.deepEqual([e.seats, e.inIds, e.free], [20, 0, 20])
        const inactive = await act(cc, 'lic-c')
        assert.deepEqual(refusal(inactive), [409, 'activation_inactive'])
        // The day it was returned in the organization's zone (America/New_York), not a raw instant.
        assert.equal(
          inactive.body.error.message,
          `activation ID ${cc} was returned on 2026-01-16 and is inactive; generate a new one`,
        )
        assert.deepEqual(refusal(await t.call(admin, 'POST', `${base}/ids/${cc}/return`, {})), [
          409,
          'activation_inactive',
        ])
      })

      it('deactivating on a host whose copy is an orphan records it as cleaned off, audited; again is already so', async () => {
        assert.equal(
          (await provision({ product: 'orph-cc', type: 'CC', seats: 10, expires: '2030-12-31' })).status,
          201,
        )
        const id = (await generate('orph-cc', 6)).body.id
        assert.equal((await act(id, 'orph-a', 2)).status, 200)
        const returned = await t.call(admin, 'POST', `${base}/ids/${id}/return`, { force: true })
        assert.equal(returned.status, 200, JSON.stringify(returned.body))
        const gone = await deact(id, 'ORPH-A')
        assert.equal(gone.status, 200, JSON.stringify(gone.body))
        assert.deepEqual(gone.body, {
          id,
          host: 'orph-a',
          seats: 0,
          used: 0,
          quantity: 6,
          changed: true,
          orphanCleaned: true,
        })
        const open = await t.call(member, 'GET', `${base}/orphans?host=orph-a`)
        assert.deepEqual(open.body.items, [])
        const log = await t.call(
          admin,
          'GET',
          `/v1/orgs/acme/audit?action=activations.orphans.clear&target=${id}`,
        )
        assert.deepEqual(
          log.body.items.map((e: { target: string; after: unknown }) => [e.target, e.after]),
          [[`${id}/orph-a`, { orphans: [], reason: 'deactivated' }]],
        )
        const again = await deact(id, 'orph-a')
        assert.deepEqual([again.status, again.body.changed, again.body.orphanCleaned], [200, false, false])
      })

      it('rehosts off a dead host: the new host holds the seat, the old one’s copy is an orphan', async () => {
        const res = await t.call(admin, 'POST', `${base}/ids/${nl}/rehost`, { from: 'ws-01', to: 'ws-09' })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.deepEqual(
          [res.body.seats, res.body.orphan.host, res.body.orphan.reason],
          [1, 'ws-01', 'rehost'],
        )
        assert.deepEqual(await hosts(nl), [
          ['ws-03', 1],
          ['ws-04', 1],
          ['ws-09', 1],
        ])
        assert.equal((await show(nl)).used, 3)
        const onto = await t.call(admin, 'POST', `${base}/ids/${nl}/rehost`, { from: 'ws-03', to: 'ws-04' })
        assert.deepEqual(refusal(onto), [409, 'already_exists'])
        assert.equal(
          onto.body.error.message,
          `host 'ws-04' already holds node-locked ID ${nl}: a host takes one seat; deactivate or rehost elsewhere`,
        )
        const same = await t.call(admin, 'POST', `${base}/ids/${nl}/rehost`, { from: 'ws-03', to: 'ws-03' })
        assert.deepEqual(refusal(same), [400, 'validation_failed'])
        assert.deepEqual(
          refusal(await t.call(member, 'POST', `${base}/ids/${nl}/rehost`, { from: 'ws-03', to: 'x' })),
          [403, 'not_admin'],
        )
      })

      it('splits unused seats to a new ID and refuses more than the unused seats', async () => {
        const id = (await generate('sim-server', 8)).body.id
        assert.equal((await act(id, 'lic-a', 5)).status, 200)
        const over = await t.call(admin, 'POST', `${base}/ids/${id}/split`, { quantity: 4 })
        assert.deepEqual(refusal(over), [409, 'split_exceeds_unused'])
        assert.equal(
          over.body.error.message,
          `${id} has 3 unused seats (8 seats, 5 in use): cannot move 4; deactivate on hosts first`,
        )
        const res = await t.call(admin, 'POST', `${base}/ids/${id}/split`, { quantity: 3 })
        assert.equal(res.status, 201, JSON.stringify(res.body))
        assert.deepEqual(
          [res.body.from.quantity, res.body.from.used, res.body.to.quantity, res.body.to.id === res.body.id],
          [5, 5, 3, true],
        )
        const e = await entitlement('sim-server')
        assert.deepEqual([e.inIds, e.free], [8, 12])
        // Its audit entry names both IDs, so either finds it (`orgs audit --target`).
        const made = res.body.id
        for (const target of [made, id]) {
          const log = await t.call(
            admin,
            'GET',
            `/v1/orgs/acme/audit?action=activations.split&target=${target}`,
          )
          assert.deepEqual(
            log.body.items.map((x: { target: string; before: object; after: object }) => [
              x.target,
              x.before,
              x.after,
            ]),
            [[`${id}/${made}`, { quantity: 8 }, { quantity: 5, newId: made, newQuantity: 3 }]],
            target,
          )
        }
        // And explain says where the new ID came from.
        const why = await t.call(
          admin,
          'GET',
          `/v1/orgs/acme/explain/eng@acme.test?subject=activation&name=${made}`,
        )
        assert.deepEqual(
          [
            why.body.evidence.find((f: { fact: string }) => f.fact === 'origin')?.detail,
            why.body.history.map((h: { action: string }) => h.action),
          ],
          [`split off ${id} (3 of its 8 seats) by admin@acme.test on 2026-01-16`, ['activations.split']],
        )
        // The host row follows its ID's quantity (the composite key cascades).
        const row = await t.storage.db
          .selectFrom('activation_hosts')
          .select('quantity')
          .where('activation_id', '=', id)
          .executeTakeFirstOrThrow()
        assert.equal(row.quantity, 5)
      })

      it('splitting all of an ID’s seats advises a portal return only for a CC ID (NL has none)', async () => {
        for (const [product, type] of [
          ['split-all-cc', 'CC'],
          ['split-all-nl', 'NL'],
        ] as const) {
          assert.equal((await provision({ product, type, seats: 3, expires: '2027-12-31' })).status, 201)
          const id = (await generate(product, 3)).body.id
          const res = await t.call(admin, 'POST', `${base}/ids/${id}/split`, { quantity: 3 })
          assert.deepEqual(refusal(res), [409, 'split_exceeds_unused'])
          assert.equal(
            res.body.error.message,
            type === 'CC'
              ? `cannot move all 3 seats of ${id}: an ID keeps at least one seat (return it instead, or split 2)`
              : `cannot move all 3 seats of ${id}: an ID keeps at least one seat (split 2)`,
          )
        }
      })

      it('resize shows the safe order and changes nothing while hosts hold the ID; applies with force', async () => {
        const id = (await generate('sim-server', 4)).body.id
        assert.equal((await act(id, 'lic-z', 2)).status, 200)
        const dry = await t.call(admin, 'POST', `${base}/ids/${id}/resize`, {
          quantity: 6,
          dryRun: true,
          force: true,
        })
        assert.equal(dry.status, 200, JSON.stringify(dry.body))
        assert.deepEqual(dry.body.plan.steps, [
          { action: 'deactivate', id, host: 'lic-z', seats: 2 },
          { action: 'return', id, seats: 4 },
          { action: 'generate', product: 'sim-server', quantity: 6 },
        ])
        assert.deepEqual([dry.body.applied, dry.body.changed], [false, true])
        const refused = await t.call(admin, 'POST', `${base}/ids/${id}/resize`, { quantity: 6 })
        assert.deepEqual(refusal(refused), [409, 'hosts_would_be_orphaned'])
        assert.deepEqual(refused.body.error.details.plan.steps, dry.body.plan.steps)
        assert.deepEqual([(await show(id)).status, (await entitlement('sim-server')).free], ['active', 8])
        const forced = await t.call(admin, 'POST', `${base}/ids/${id}/resize`, { quantity: 6, force: true })
        assert.equal(forced.status, 200, JSON.stringify(forced.body))
        assert.deepEqual(
          [
            forced.body.applied,
            forced.body.generated.quantity,
            forced.body.orphaned.map((o: { host: string }) => o.host),
          ],
          [true, 6, ['lic-z']],
        )
        assert.equal((await show(id)).status, 'inactive')
        const made = forced.body.id
        for (const target of [made, id]) {
          const log = await t.call(
            admin,
            'GET',
            `/v1/orgs/acme/audit?action=activations.resize&target=${target}`,
          )
          assert.deepEqual(
            log.body.items.map((x: { target: string; after: { id: string } }) => [x.target, x.after.id]),
            [[`${id}/${made}`, made]],
            target,
          )
        }
        const e = await entitlement('sim-server')
        assert.deepEqual([e.seats, e.inIds, e.free], [20, 14, 6])
        const tooBig = await t.call(admin, 'POST', `${base}/ids/${forced.body.id}/resize`, { quantity: 13 })
        assert.deepEqual(refusal(tooBig), [409, 'entitlement_exhausted'])
        const clean = await t.call(admin, 'POST', `${base}/ids/${forced.body.id}/resize`, { quantity: 12 })
        assert.deepEqual([clean.status, clean.body.applied, clean.body.orphaned], [200, true, []])
        const nlResize = await t.call(admin, 'POST', `${base}/ids/${nl}/resize`, { quantity: 2 })
        assert.deepEqual(refusal(nlResize), [409, 'return_not_supported'])
        // One way forward, not two that contradict each other.
        assert.equal(
          nlResize.body.error.message,
          `${nl} is node-locked: resizing needs a portal return, which node-locked IDs do not have. To use fewer seats, split the unused ones off to a new ID (\`licctl activations split ${nl} --quantity <n>\`), deactivating hosts first if too few are unused`,
        )
      })

      it('a read-only token plans a resize (dryRun: 200, nothing changed) and is refused carrying one out', async () => {
        const readOnly = (await t.call(admin, 'POST', '/v1/orgs/acme/tokens', { name: 'ci', readOnly: true }))
          .body.token as string
        assert.equal(
          (await provision({ product: 'sim-plan', type: 'CC', seats: 10, expires: '2030-12-31' })).status,
          201,
        )
        const id = (await generate('sim-plan', 2)).body.id
        const resize = (payload: object) => t.call(readOnly, 'POST', `${base}/ids/${id}/resize`, payload)
        const before = [await show(id), await entitlement('sim-plan')]
        const dry = await resize({ quantity: 3, dryRun: true })
        assert.equal(dry.status, 200, JSON.stringify(dry.body))
        assert.deepEqual(
          [dry.body.applied, dry.body.changed, dry.body.plan.steps],
          [
            false,
            true,
            [
              { action: 'return', id, seats: 2 },
              { action: 'generate', product: 'sim-plan', quantity: 3 },
            ],
          ],
        )
        // The change itself is refused, before its input is looked at, as every change by this token.
        for (const payload of [{ quantity: 3 }, { quantity: 3, dryRun: false }, { quantity: 'x' }])
          assert.deepEqual(refusal(await resize(payload)), [403, 'read_only_token'], JSON.stringify(payload))
        assert.deepEqual([await show(id), await entitlement('sim-plan')], before)
      })

      it('resize to the quantity the ID already has is already so: 200, changed false, nothing done or audited', async () => {
        assert.equal(
          (await provision({ product: 'sim-same', type: 'CC', seats: 10, expires: '2030-12-31' })).status,
          201,
        )
        const id = (await generate('sim-same', 4)).body.id
        assert.equal((await act(id, 'lic-s', 2)).status, 200)
        const resize = (body: object) => t.call(admin, 'POST', `${base}/ids/${id}/resize`, body)
        const audited = async () => (await t.call(admin, 'GET', '/v1/orgs/acme/audit?limit=1000')).body.items
        const before = [await show(id), await entitlement('sim-same'), await audited()]
        const plan = {
          id,
          product: 'sim-same',
          from: 4,
          to: 4,
          hosts: [{ host: 'lic-s', seats: 2, since: '2026-01-16T10:00:00.000Z' }],
          steps: [],
          entitlementFree: 6,
        }
        const dry = await resize({ quantity: 4, dryRun: true })
        assert.equal(dry.status, 200, JSON.stringify(dry.body))
        assert.deepEqual(dry.body, {
          applied: false,
          changed: false,
          plan,
          id: null,
          generated: null,
          orphaned: [],
        })
        // Hosts holding it are no reason to refuse: nothing would be orphaned. No force needed.
        const same = await resize({ quantity: 4 })
        assert.equal(same.status, 200, JSON.stringify(same.body))
        assert.deepEqual(same.body, {
          applied: true,
          changed: false,
          plan,
          id,
          generated: null,
          orphaned: [],
        })
        assert.deepEqual([await show(id), await entitlement('sim-same'), await audited()], before)
        // Another quantity is a change (here refused: a host holds it).
        // A dry run plans what the run does: refused the same way, with the plan in the details.
        const grown = await resize({ quantity: 5, dryRun: true })
        const real = await resize({ quantity: 5 })
        assert.deepEqual(refusal(real), [409, 'hosts_would_be_orphaned'])
        assert.deepEqual(grown.body, real.body)
        assert.deepEqual([grown.status, grown.body.error.details.plan.steps.length], [409, 3])
        const forced = await resize({ quantity: 5, dryRun: true, force: true })
        assert.deepEqual([forced.status, forced.body.changed, forced.body.plan.steps.length], [200, true, 3])
        assert.deepEqual([await show(id), await entitlement('sim-same')], before.slice(0, 2))
      })

      it('clears a cleaned host’s orphans (admins), and lists cleared ones with all=true', async () => {
        assert.deepEqual(refusal(await t.call(member, 'POST', `${base}/orphans/clear`, { host: 'lic-a' })), [
          403,
          'not_admin',
        ])
        const res = await t.call(admin, 'POST', `${base}/orphans/clear`, { host: 'lic-a' })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.deepEqual(
          res.body.cleared.map((o: { id: string; clearedAt: string }) => [o.id, o.clearedAt]),
          [[cc, '2026-01-16T10:00:00.000Z']],
        )
        const again = await t.call(admin, 'POST', `${base}/orphans/clear`, { host: 'LIC-A' })
        assert.deepEqual([again.status, again.body], [200, { host: 'lic-a', cleared: [], changed: false }])
        assert.deepEqual(
          refusal(await t.call(admin, 'POST', `${base}/orphans/clear`, { host: 'no-such-host' })),
          [404, 'not_found'],
        )
        const open = await t.call(member, 'GET', `${base}/orphans`)
        assert.deepEqual(
          open.body.items.map((o: { host: string }) => o.host),
          ['lic-b', 'lic-z', 'ws-01'],
        )
        const all = await t.call(member, 'GET', `${base}/orphans?all=true&host=lic-a`)
        assert.deepEqual(all.body.items.length, 1)
      })
    })

    describe('expiry, audit and the database’s own guards', () => {
      it('refuses an expired ID with activation_expired and an expired entitlement with entitlement_expired', async () => {
        assert.equal(
          (await provision({ product: 'trial', type: 'NL', seats: 5, expires: '2026-01-31' })).status,
          201,
        )
        const id = (await generate('trial', 2)).body.id
        assert.equal((await act(id, 'ws-t')).status, 200)
        // 2026-01-31 in New York ends at 05:00 UTC on 1 February.
        t.clock.ms = Date.parse('2026-02-01T04:59:59Z')
        assert.equal((await act(id, 'ws-u')).status, 200)
        t.clock.ms = Date.parse('2026-02-01T05:00:00Z')
        const late = await act(id, 'ws-v')
        assert.deepEqual(refusal(late), [409, 'activation_expired'])
        assert.equal(late.body.error.message, `activation ID ${id} expired after 2026-01-31`)
        assert.deepEqual(refusal(await generate('trial', 1)), [409, 'entitlement_expired'])
        // Giving seats back is always allowed.
        assert.equal((await deact(id, 'ws-t')).status, 200)
      })

      it('the operator renews an expired entitlement, its IDs with it, and adds seats; nobody else may', async () => {
        // 'trial' (NL, 5 seats, an ID of 2) expired after 2026-01-31 in New York; it is now 2026-02-01.
        const update = (body: object, token = t.operatorToken) =>
          t.call(token, 'PATCH', `${base}/entitlements/trial`, body)
        assert.deepEqual(refusal(await update({ expires: '2027-01-31' }, admin)), [403, 'forbidden'])
        assert.deepEqual(refusal(await update({})), [400, 'validation_failed'])
        // A renewal to a day already past would expire it again at once: refused, nothing changed.
        const past = await update({ expires: '2026-01-31' })
        assert.deepEqual(
          [past.status, past.body.error.code, past.body.error.message],
          [
            400,
            'validation_failed',
            "body.expires: '2026-01-31' has passed (today is 2026-02-01 in America/New_York): the entitlement and its activation IDs would expire at once",
          ],
        )
        const instant = await update({ expires: '2026-02-01T04:59:59Z' })
        assert.equal(
          instant.body.error.message,
          "body.expires: '2026-02-01T04:59:59Z' is not in the future (it is now 2026-02-01T05:00:00.000Z): the entitlement and its activation IDs would expire at once",
        )
        const dead = await provision({ product: 'dead', type: 'NL', seats: 1, expires: '2026-01-31' })
        assert.deepEqual(
          [dead.status, dead.body.error.message],
          [
            400,
            "body.expires: '2026-01-31' has passed (today is 2026-02-01 in America/New_York): the entitlement would be expired on arrival",
          ],
        )
        assert.equal(await entitlement('dead'), undefined)
        assert.equal((await update({ expires: '2027-01-31' })).status, 200)
        const nope = await t.call(t.operatorToken, 'PATCH', `${base}/entitlements/nope`, { addSeats: 1 })
        assert.deepEqual(refusal(nope), [404, 'not_found'])
        // Growing past the cap provision enforces is refused like provisioning past it, and changes nothing.
        const over = await update({ addSeats: 1_000_000 })
        assert.deepEqual(refusal(over), [400, 'validation_failed'])
        assert.equal(over.body.error.details.issues[0].path, 'body.addSeats')
        assert.match(
          over.body.error.message,
          /would pass the limit of 1,000,000 seats per entitlement \(at most 999995 more\)$/,
        )
        const grown = await update({ addSeats: 3 })
        assert.deepEqual(
          [grown.body.seats, grown.body.inIds, grown.body.free, grown.body.validThrough, grown.body.expired],
          [8, 2, 6, '2027-01-31', false],
        )
        const [id] = (await t.call(member, 'GET', `${base}/ids?product=trial`)).body.items.map(
          (i: { id: string }) => i.id,
        )
        assert.equal((await show(id)).validThrough, '2027-01-31')
        assert.equal((await act(id, 'ws-v')).status, 200)
        assert.equal((await generate('trial', 6)).status, 201)
        const log = await t.call(admin, 'GET', '/v1/orgs/acme/audit?action=activations.update')
        assert.deepEqual(
          log.body.items.map((e: { target: string; before: object; after: object }) => [
            e.target,
            e.before,
            e.after,
          ]),
          [
            [
              'trial',
              { seats: 5, free: 3, expiresAt: '2027-02-01T05:00:00.000Z' },
              { seats: 8, free: 6, expiresAt: '2027-02-01T05:00:00.000Z' },
            ],
            [
              'trial',
              { seats: 5, free: 3, expiresAt: '2026-02-01T05:00:00.000Z' },
              { seats: 5, free: 3, expiresAt: '2027-02-01T05:00:00.000Z' },
            ],
          ],
        )
      })

      it('writes an audit entry for every change', async () => {
        const res = await t.call(admin, 'GET', '/v1/orgs/acme/audit?limit=1000')
        const actions = new Set(res.body.items.map((e: { action: string }) => e.action))
        for (const a of [
          'activations.provision',
          'activations.generate',
          'activations.activate',
          'activations.deactivate',
          'activations.return',
          'activations.rehost',
          'activations.split',
          'activations.resize',
          'activations.orphans.clear',
          'activations.update',
        ])
          assert.ok(actions.has(a), `no ${a} in the audit log`)
        const ret = res.body.items.find(
          (e: { action: string; target: string }) => e.action === 'activations.return' && e.target === cc,
        )
        assert.deepEqual(
          [ret.before.status, ret.after.status, ret.after.orphaned],
          ['active', 'inactive', ['lic-a', 'lic-b']],
        )
      })

      it('the database itself refuses moves that would break conservation or put a host over its ID', async () => {
        const db = t.storage.db
        const ent = await db
          .selectFrom('activation_entitlements')
          .selectAll()
          .where('product', '=', 'cad-desk')
          .executeTakeFirstOrThrow()
        await assert.rejects(
          db
            .updateTable('activation_entitlements')
            .set({ free: ent.free + 1 })
            .where('id', '=', ent.id)
            .execute(),
          /check|constraint/i,
        )
        await assert.rejects(
          db.updateTable('activation_ids').set({ used: 4 }).where('id', '=', nl).execute(),
          /check|constraint/i,
        )
        assert.equal(
          (await provision({ product: 'guard-cc', type: 'CC', seats: 5, expires: '2030-12-31' })).status,
          201,
        )
        const id = (await generate('guard-cc', 5)).body.id
        assert.equal((await act(id, 'lic-q', 4)).status, 200)
        // A split done behind the service's back that shrank the ID below its host's seats.
        await assert.rejects(
          db.updateTable('activation_ids').set({ quantity: 3, used: 3 }).where('id', '=', id).execute(),
          /check|constraint/i,
        )
        await assert.rejects(
          sql`update activation_hosts set seats = 6 where activation_id = ${id}`.execute(db),
          /check|constraint/i,
        )
      })
    })

    describe('host names ignore case (RFC 4343), shown as first typed', () => {
      let nlc: string
      let ccc: string
      before(async () => {
        for (const [product, type] of [
          ['case-nl', 'NL'],
          ['case-cc', 'CC'],
        ])
          assert.equal((await provision({ product, type, seats: 20, expires: '2030-12-31' })).status, 201)
        nlc = (await generate('case-nl', 3)).body.id
        ccc = (await generate('case-cc', 6)).body.id
      })

      it('an NL host activated as BUILD-01 is build-01: no second seat, and deactivating build-01 frees it', async () => {
        const first = await act(nlc, 'BUILD-01')
        assert.deepEqual(
          [first.status, first.body.host, first.body.changed, first.body.used],
          [200, 'BUILD-01', true, 1],
        )
        const again = await act(nlc, 'build-01')
        assert.deepEqual(
          [again.status, again.body.host, again.body.changed, again.body.used],
          [200, 'BUILD-01', false, 1],
        )
        assert.deepEqual(await hosts(nlc), [['BUILD-01', 1]])
        const off = await deact(nlc, 'build-01')
        assert.equal(off.status, 200, JSON.stringify(off.body))
        assert.deepEqual(off.body, {
          id: nlc,
          host: 'BUILD-01',
          seats: 1,
          used: 0,
          quantity: 3,
          changed: true,
          orphanCleaned: false,
        })
        assert.deepEqual(await hosts(nlc), [])
        const log = await t.call(admin, 'GET', `/v1/orgs/acme/audit?target=${nlc}`)
        assert.deepEqual(
          log.body.items.map((e: { action: string; target: string }) => [e.action, e.target]),
          [
            ['activations.deactivate', `${nlc}/BUILD-01`],
            ['activations.activate', `${nlc}/BUILD-01`],
            ['activations.generate', nlc],
          ],
        )
      })

      it('a CC host adds up in any case, on the row first typed', async () => {
        assert.equal((await act(ccc, 'Lic-A', 2)).status, 200)
        const more = await act(ccc, 'LIC-a', 3)
        assert.deepEqual([more.status, more.body.host, more.body.seats, more.body.used], [200, 'Lic-A', 5, 5])
        assert.deepEqual(await hosts(ccc), [['Lic-A', 5]])
        assert.deepEqual(refusal(await act(ccc, 'lic-b', 2)), [409, 'quantity_exceeded'])
        assert.equal((await deact(ccc, 'lic-a')).status, 200)
      })

      it('rehost from and to a host in any case; its orphan is found and cleared in any case', async () => {
        assert.equal((await act(nlc, 'Host-A')).status, 200)
        assert.equal((await act(nlc, 'Host-B')).status, 200)
        const rehost = (from: string, to: string) =>
          t.call(admin, 'POST', `${base}/ids/${nlc}/rehost`, { from, to })
        const same = await rehost('host-a', 'HOST-A')
        assert.deepEqual(refusal(same), [400, 'validation_failed'])
        assert.deepEqual(refusal(await rehost('host-a', 'HOST-B')), [409, 'already_exists'])
        const moved = await rehost('HOST-A', 'ws-new')
        assert.equal(moved.status, 200, JSON.stringify(moved.body))
        assert.deepEqual(
          [moved.body.from, moved.body.to, moved.body.orphan.host],
          ['Host-A', 'ws-new', 'Host-A'],
        )
        assert.deepEqual(await hosts(nlc), [
          ['Host-B', 1],
          ['ws-new', 1],
        ])
        const gone = await t.call(admin, 'POST', `${base}/ids/${nlc}/rehost`, { from: 'HOST-A', to: 'ws-x' })
        assert.deepEqual(refusal(gone), [404, 'not_found'])
        assert.match(
          gone.body.error.message,
          /^host 'Host-A' holds no seat of .*its copy there is an orphan \(the ID was rehosted off it\)/,
        )
        const found = await t.call(member, 'GET', `${base}/orphans?host=host-a`)
        assert.deepEqual(
          found.body.items.map((o: { host: string; id: string }) => [o.host, o.id]),
          [['Host-A', nlc]],
        )
        const cleared = await t.call(admin, 'POST', `${base}/orphans/clear`, { host: 'HOST-a', id: nlc })
        assert.deepEqual(
          [cleared.status, cleared.body.host, cleared.body.cleared.length, cleared.body.changed],
          [200, 'Host-A', 1, true],
        )
        const log = await t.call(
          admin,
          'GET',
          `/v1/orgs/acme/audit?action=activations.orphans.clear&target=host-a`,
        )
        assert.deepEqual(
          log.body.items.map((e: { target: string }) => e.target),
          ['Host-A'],
        )
      })

      it('activating an ID again on a host where it is an orphan clears that orphan, audited', async () => {
        assert.equal((await act(ccc, 'a1', 2)).status, 200)
        const moved = await t.call(admin, 'POST', `${base}/ids/${ccc}/rehost`, { from: 'a1', to: 'a2' })
        assert.equal(moved.status, 200, JSON.stringify(moved.body))
        assert.equal((await deact(ccc, 'a2')).status, 200)
        const again = await act(ccc, 'A1', 2)
        assert.deepEqual([again.status, again.body.host], [200, 'A1'])
        const shown = await show(ccc)
        assert.deepEqual(
          [
            shown.hosts.map((h: { host: string }) => h.host),
            shown.orphans.map((o: { clearedAt: string | null }) => o.clearedAt !== null),
          ],
          [['A1'], [true]],
        )
        const open = await t.call(member, 'GET', `${base}/orphans?host=a1`)
        assert.deepEqual(open.body.items, [])
        const log = await t.call(
          admin,
          'GET',
          `/v1/orgs/acme/audit?action=activations.orphans.clear&target=${ccc}`,
        )
        assert.deepEqual(
          log.body.items.map((e: { target: string }) => e.target),
          [`${ccc}/A1`],
        )
        assert.equal((await deact(ccc, 'a1')).status, 200)
      })

      it('orgs audit --target finds a host’s entries in any case, as written or as part of <id>/<host>', async () => {
        const about = async (target: string) =>
          (
            await t.call(admin, 'GET', `/v1/orgs/acme/audit?limit=1000&target=${encodeURIComponent(target)}`)
          ).body.items.map((e: { action: string; target: string }) => [e.action, e.target])
        const build = [
          ['activations.deactivate', `${nlc}/BUILD-01`],
          ['activations.activate', `${nlc}/BUILD-01`],
        ]
        for (const target of ['BUILD-01', 'build-01', 'Build-01', `${nlc}/build-01`])
          assert.deepEqual(await about(target), build, target)
        // The orphan cleared as HOST-a is the host activated as Host-A, named as first typed, and
        // rehosted off to ws-new in between.
        const hostA = [
          ['activations.orphans.clear', 'Host-A'],
          ['activations.rehost', `${nlc}/Host-A/ws-new`],
          ['activations.activate', `${nlc}/Host-A`],
        ]
        for (const target of ['host-a', 'HOST-A', 'HOST-a'])
          assert.deepEqual(await about(target), hostA, target)
      })

      it('orgs audit --target finds a rehost by the host it left, the host it went to (any case) and the ID', async () => {
        const id = (await generate('case-nl', 1)).body.id as string
        assert.equal((await act(id, 'Dead-01')).status, 200)
        const moved = await t.call(admin, 'POST', `/v1/orgs/acme/activations/ids/${id}/rehost`, {
          from: 'dead-01',
          to: 'New-01',
        })
        assert.equal(moved.status, 200, JSON.stringify(moved.body))
        const rehosts = async (target: string) =>
          (
            await t.call(
              admin,
              'GET',
              `/v1/orgs/acme/audit?limit=1000&action=activations.rehost&target=${encodeURIComponent(target)}`,
            )
          ).body.items.map((e: { target: string }) => e.target)
        for (const target of ['DEAD-01', 'dead-01', 'new-01', 'NEW-01', id, `${id}/Dead-01`])
          assert.deepEqual(await rehosts(target), [`${id}/Dead-01/New-01`], target)
        // Not a host's name inside another's: `ead-01` is no host of it.
        assert.deepEqual(await rehosts('ead-01'), [])
      })

      it('takes an activation ID in capitals as the same ID (Crockford base32 ignores case), in explain too', async () => {
        const id = (await generate('case-nl', 1)).body.id as string
        const loud = id.toUpperCase()
        const shown = await t.call(admin, 'GET', `/v1/orgs/acme/activations/ids/${loud}`)
        assert.deepEqual([shown.status, shown.body.id], [200, id])
        const on = await act(loud, 'caps-01')
        assert.deepEqual([on.status, on.body.id, on.body.used], [200, id, 1])
        const why = await t.call(
          admin,
          'GET',
          `/v1/orgs/acme/explain/admin@acme.test?subject=activation&name=${loud}`,
        )
        assert.deepEqual([why.status, why.body.code], [200, 'quantity_exceeded'])
      })

      it('the database keeps an ID’s hosts unique in any case', async () => {
        const row = await t.storage.db
          .selectFrom('activation_hosts')
          .selectAll()
          .where('activation_id', '=', nlc)
          .where('host', '=', 'Host-B')
          .executeTakeFirstOrThrow()
        await assert.rejects(
          t.storage.db
            .insertInto('activation_hosts')
            .values({
              activation_id: nlc,
              quantity: row.quantity,
              host: 'host-b',
              seats: 1,
              since: row.since,
            })
            .execute(),
          /unique|constraint/i,
        )
        // The database's key is hostKey's on both dialects: A–Z fold, other letters stay as they are.
        const host = 'ÉCOLE-Straße-İ-Ω-7'
        await t.storage.db
          .insertInto('activation_hosts')
          .values({ activation_id: ccc, quantity: 6, host, seats: 1, since: row.since })
          .execute()
        const stored = await t.storage.db
          .deleteFrom('activation_hosts')
          .where('activation_id', '=', ccc)
          .where('host', '=', host)
          .returning('host_key')
          .executeTakeFirstOrThrow()
        assert.deepEqual([stored.host_key, hostKey(host)], ['École-straße-İ-Ω-7', 'École-straße-İ-Ω-7'])
      })

      it('the migration merges hosts of one ID that differ only by case, audited, the chain intact', async () => {
        const db = t.storage.db
        const migration = await import('../../src/storage/migrations/0010-activation-host-case.js')
        const nl2 = (await generate('case-nl', 3)).body.id
        const cc2 = (await generate('case-cc', 4)).body.id
        const since = (n: number) => t.clock.now() + n * 1000
        // As an older version let it happen: three spellings of one NL host, two of one CC host.
        await migration.down(db)
        await db
          .insertInto('activation_hosts')
          .values([
            { activation_id: nl2, quantity: 3, host: 'ws-9', seats: 1, since: since(2) },
            { activation_id: nl2, quantity: 3, host: 'WS-9', seats: 1, since: since(1) },
            { activation_id: nl2, quantity: 3, host: 'Ws-9', seats: 1, since: since(3) },
            { activation_id: cc2, quantity: 4, host: 'LIC-M', seats: 2, since: since(1) },
            { activation_id: cc2, quantity: 4, host: 'lic-m', seats: 1, since: since(2) },
            { activation_id: nlc, quantity: 3, host: 'host-b', seats: 1, since: since(4) },
          ] as never)
          .execute()
        await db.updateTable('activation_ids').set({ used: 3 }).where('id', 'in', [nl2, cc2]).execute()
        await db.updateTable('activation_ids').set({ used: 3 }).where('id', '=', nlc).execute()
        await migration.up(db)
        assert.deepEqual([await hosts(nl2), (await show(nl2)).used], [[['WS-9', 1]], 1])
        assert.deepEqual([await hosts(cc2), (await show(cc2)).used], [[['LIC-M', 3]], 3])
        assert.deepEqual(
          [await hosts(nlc), (await show(nlc)).used],
          [
            [
              ['Host-B', 1],
              ['ws-new', 1],
            ],
            2,
          ],
        )
        const log = await t.call(admin, 'GET', '/v1/orgs/acme/audit?action=activations.hosts.merge')
        const iso = (n: number) => new Date(since(n)).toISOString()
        assert.deepEqual(
          log.body.items
            .map((e: { actor: string; target: string; before: object; after: object }) => [
              e.actor,
              e.target,
              e.before,
              e.after,
            ])
            .sort((a: string[], b: string[]) => (a[1]! < b[1]! ? -1 : 1)),
          [
            [
              'migration',
              `${cc2}/LIC-M`,
              {
                used: 3,
                hosts: [
                  { host: 'LIC-M', seats: 2, since: iso(1) },
                  { host: 'lic-m', seats: 1, since: iso(2) },
                ],
              },
              { used: 3, host: 'LIC-M', seats: 3 },
            ],
            [
              'migration',
              `${nl2}/WS-9`,
              {
                used: 3,
                hosts: [
                  { host: 'WS-9', seats: 1, since: iso(1) },
                  { host: 'ws-9', seats: 1, since: iso(2) },
                  { host: 'Ws-9', seats: 1, since: iso(3) },
                ],
              },
              { used: 1, host: 'WS-9', seats: 1 },
            ],
            [
              'migration',
              `${nlc}/Host-B`,
              {
                used: 3,
                hosts: [
                  { host: 'Host-B', seats: 1, since: iso(0) },
                  { host: 'host-b', seats: 1, since: iso(4) },
                ],
              },
              { used: 2, host: 'Host-B', seats: 1 },
            ],
          ].sort((a, b) => ((a[1] as string) < (b[1] as string) ? -1 : 1)),
        )
        const verify = await t.call(admin, 'GET', '/v1/orgs/acme/audit/verify')
        assert.deepEqual([verify.status, verify.body.intact], [200, true])
        // And the merged host is one host from now on.
        assert.deepEqual((await act(nl2, 'ws-9')).body.changed, false)
      })
    })
  })

  describe(`a host that gave its seats back, on ${dialect}: already so from the ID's state`, function () {
    let t: TestApp
    let admin: string
    let id: string
    const base = '/v1/orgs/acme/activations'
    const deact = (host: string) => t.call(admin, 'POST', `${base}/ids/${id}/deactivate`, { host })
    const act = (host: string) => t.call(admin, 'POST', `${base}/ids/${id}/activate`, { host, seats: 1 })
    const answer = (res: { status: number; body: any }) => [
      res.status,
      res.body.host ?? res.body.error?.code,
      res.body.changed,
    ]

    before(async () => {
      t = await startApp(dialect)
      admin = await t.org('acme', 'admin@acme.test')
      const ent = { product: 'cad-cc', type: 'CC', seats: 5, expires: '2030-12-31' }
      assert.equal((await t.call(t.operatorToken, 'POST', `${base}/entitlements`, ent)).status, 201)
      id = (await t.call(admin, 'POST', `${base}/ids`, { product: 'cad-cc', quantity: 5 })).body.id
      for (const host of ['Lic-A', 'lic-b']) assert.equal((await act(host)).status, 200)
      assert.deepEqual(answer(await deact('Lic-A')), [200, 'Lic-A', true])
    })
    after(async () => t.close())

    it('records the host, as first spelled, in the ID’s deactivations; again (in any case) is already so', async () => {
      const rows = await t.storage.db
        .selectFrom('activation_deactivations')
        .select(['activation_id', 'host', 'host_key'])
        .execute()
      assert.deepEqual(rows, [{ activation_id: id, host: 'Lic-A', host_key: 'lic-a' }])
      assert.deepEqual(answer(await deact('LIC-A')), [200, 'Lic-A', false])
    })

    it('decides from that record, not from the audit log: a host it does not hold is not found', async () => {
      // The audit log still says Lic-A deactivated; the ID's state no longer does.
      await t.storage.db.deleteFrom('activation_deactivations').execute()
      assert.deepEqual(answer(await deact('lic-a')), [404, 'not_found', undefined])
    })

    it('fills the record from the audit log when migrated, so a deactivation made before stays already so', async () => {
      const migration = await import('../../src/storage/migrations/0017-activation-deactivations.js')
      // A second spelling later: the first one is kept.
      assert.deepEqual(answer(await act('LIC-A')), [200, 'LIC-A', true])
      assert.deepEqual(answer(await deact('lic-a')), [200, 'LIC-A', true])
      assert.deepEqual(answer(await deact('lic-b')), [200, 'lic-b', true])
      await migration.down(t.storage.db)
      await migration.up(t.storage.db)
      const rows = await t.storage.db
        .selectFrom('activation_deactivations')
        .select(['host'])
        .orderBy('host_key')
        .execute()
      assert.deepEqual(
        rows.map((r) => r.host),
        ['Lic-A', 'lic-b'],
      )
      assert.deepEqual(answer(await deact('LIC-B')), [200, 'lic-b', false])
      assert.deepEqual(answer(await deact('lic-a')), [200, 'Lic-A', false])
    })
  })
}
