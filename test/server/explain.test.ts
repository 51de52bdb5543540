import { strict as assert } from 'node:assert'
import { startApp, type TestApp } from '../helpers/app.js'
import { explain } from '../../src/server/services/explain.js'
import type { ServiceContext } from '../../src/server/context.js'
import { audit } from '../../src/server/services/audit.js'

const START = Date.parse('2026-01-01T09:00:00Z')

describe('explain (service)', function () {
  let t: TestApp
  let admin: string
  const why = (email: string, subject?: string, name?: string) => {
    const ctx: ServiceContext = {
      db: t.storage.db,
      dialect: 'sqlite',
      clock: t.clock,
      principal: { kind: 'operator', tokenId: 'test' },
    }
    return explain(ctx, 'acme', email, {
      ...(subject ? { subject } : {}),
      ...(name ? { name } : {}),
    })
  }

  before(async () => {
    t = await startApp('sqlite', START)
    admin = await t.org('acme', 'admin@acme.test')
    const call = (token: string, method: string, path: string, body?: object) =>
      t.call(token, method, `/v1/orgs/acme${path}`, body).then((r) => {
        assert.ok(r.status < 300, `${path}: ${JSON.stringify(r.body)}`)
        return r
      })
    await call(admin, 'POST', '/users/bulk-add', {
      items: ['bob', 'carol', 'dave', 'erin'].map((n) => ({ email: `${n}@acme.test` })),
    })
    await call(t.operatorToken, 'POST', '/cloud/addons', {
      key: 'cp',
      name: 'Cloud Processing',
      total: 2,
      expires: '2027-01-01',
    })
    await call(t.operatorToken, 'POST', '/cloud/addons', {
      key: 'gone',
      name: 'Gone',
      total: 5,
      expires: '2026-01-10',
    })
    await call(t.operatorToken, 'POST', '/cloud/addons', {
      key: 'spare',
      name: 'Spare',
      total: 5,
      expires: '2027-01-01',
    })
    await call(t.operatorToken, 'POST', '/seats/pools', { product: 'cad', seats: 1, expires: '2027-01-01' })
    await call(t.operatorToken, 'POST', '/seats/pools', { product: 'old', seats: 5, expires: '2026-01-10' })
    await call(admin, 'POST', '/cloud/addons/cp/bulk-assign', {
      items: [{ email: 'bob@acme.test' }, { email: 'carol@acme.test' }],
    })
    await call(admin, 'POST', '/cloud/addons/gone/bulk-assign', { items: [{ email: 'bob@acme.test' }] })
    await call(admin, 'POST', '/cloud/addons/cp/bulk-revoke', { items: [{ email: 'carol@acme.test' }] })
    await call(admin, 'POST', '/cloud/addons/cp/bulk-assign', { items: [{ email: 'dave@acme.test' }] })
    await call(admin, 'POST', '/seats/pools/cad/checkout', { host: 'ws-1', user: 'bob@acme.test' })
    await call(admin, 'POST', '/users/bulk-remove', { items: [{ email: 'erin@acme.test' }] })
    t.clock.ms = Date.parse('2026-01-15T10:00:00Z')
  })
  after(() => t.close())

  it('a user with the add-on: licensed, naming who assigned it and until when', async () => {
    const e = await why('bob@acme.test', 'addon', 'cp')
    assert.deepEqual([e.licensed, e.code], [true, 'ok'])
    assert.equal(
      e.summary,
      'bob@acme.test can use Cloud Processing: it was assigned to them by admin@acme.test on 2026-01-01, and the add-on is valid through 2027-01-01.',
    )
    assert.deepEqual(e.evidence, [
      { fact: 'membership', detail: 'member of acme since 2026-01-01' },
      { fact: 'assignment', detail: 'holds Cloud Processing, assigned by admin@acme.test on 2026-01-01' },
      { fact: 'pool', detail: '2 of 2 assigned (0 free), valid through 2027-01-01' },
    ])
    assert.deepEqual(
      e.history.map((h) => [h.action, h.target, h.actor]),
      [
        ['cloud.assign', 'cp/bob@acme.test', 'admin@acme.test'],
        ['user.add', 'bob@acme.test', 'admin@acme.test'],
      ],
    )
  })

  it('a user without it, the pool full: says so and what would free one', async () => {
    const f = await why('carol@acme.test', 'addon', 'cp')
    assert.deepEqual([f.licensed, f.code], [false, 'no_free_license'])
    assert.equal(
      f.summary,
      'carol@acme.test cannot use Cloud Processing: it is not assigned to them (Cloud Processing License Required). No license is free (all 2 are assigned): an admin must revoke one, or the operator raise the total.',
    )
  })

  it('a user whose add-on was revoked: the revocation is the newest evidence, with actor and time', async () => {
    const e = await why('carol@acme.test', 'addon', 'cp')
    assert.deepEqual(
      e.history.map((h) => [h.action, h.actor, h.at]),
      [
        ['cloud.revoke', 'admin@acme.test', '2026-01-01T09:00:00.000Z'],
        ['cloud.assign', 'admin@acme.test', '2026-01-01T09:00:00.000Z'],
        ['user.add', 'admin@acme.test', '2026-01-01T09:00:00.000Z'],
      ],
    )
    assert.deepEqual(e.history[0]!.before, { assigned: 2 })
    assert.deepEqual(e.history[0]!.after, { assigned: 1 })
  })

  it('a user without it and a license free: an admin can assign one', async () => {
    const e = await why('dave@acme.test', 'addon', 'spare')
    assert.deepEqual([e.licensed, e.code], [false, 'cloud_license_required'])
    assert.equal(
      e.summary,
      'dave@acme.test cannot use Spare: it is not assigned to them (Spare License Required). An admin can assign one (5 free): licctl cloud assign spare dave@acme.test.',
    )
  })

  it('a user without it, the add-on expired too: renewal comes first', async () => {
    const e = await why('dave@acme.test', 'addon', 'gone')
    assert.deepEqual([e.licensed, e.code], [false, 'pool_expired'])
    assert.equal(
      e.summary,
      'dave@acme.test cannot use Gone: it is not assigned to them (Gone License Required). The add-on also expired after 2026-01-10: the operator must renew it first.',
    )
  })

  it('not a member: says so, and who removed them when', async () => {
    const e = await why('erin@acme.test', 'addon', 'cp')
    assert.deepEqual([e.licensed, e.code], [false, 'not_a_member'])
    assert.equal(
      e.summary,
      'erin@acme.test is not a member of acme, so no license of the organization can be theirs; admin@acme.test removed them on 2026-01-01. An admin can add them: licctl orgs users add erin@acme.test.',
    )
    const stranger = await why('nobody@else.test')
    assert.equal(stranger.code, 'not_a_member')
    assert.deepEqual(stranger.evidence, [{ fact: 'membership', detail: 'not a member of acme' }])
  })

  it('the add-on expired: held but refused', async () => {
    const e = await why('bob@acme.test', 'addon', 'gone')
    assert.deepEqual([e.licensed, e.code], [false, 'pool_expired'])
    assert.equal(
      e.summary,
      'bob@acme.test holds Gone, but the add-on expired after 2026-01-10, so every check is refused until the operator renews it.',
    )
    assert.deepEqual(
      e.evidence.find((f: { fact: string }) => f.fact === 'pool'),
      { fact: 'pool', detail: '1 of 5 assigned (0 free), expired after 2026-01-10' },
    )
  })

  it('seat pools: a held lease with its state, a full pool, an expired pool', async () => {
    const held = await why('bob@acme.test', 'pool', 'cad')
    assert.deepEqual([held.licensed, held.code], [true, 'ok'])
    assert.match(
      held.summary,
      /^bob@acme\.test holds a seat of cad \(ws-1, stale\); the subscription is valid through 2027-01-01\.$/,
    )
    assert.deepEqual(
      held.history.map((h) => h.action),
      ['seats.checkout', 'user.add'],
    )
    // cad has one seat: "1 of 1 seat", never "1 of 1 seats"; bob's is stale, and says so.
    assert.deepEqual(
      held.evidence.find((f) => f.fact === 'pool'),
      { fact: 'pool', detail: '1 of 1 seat in use (1 stale), valid through 2027-01-01' },
    )
    // Full, but of a stuck seat: the summary says so and how to free it, not only "in use".
    const full = await why('dave@acme.test', 'pool', 'cad')
    assert.deepEqual([full.licensed, full.code], [false, 'no_free_seat'])
    assert.equal(
      full.summary,
      'dave@acme.test holds no cad seat and none is free: the only one is in use, but 1 is stale (no heartbeat for over 15m): an admin frees stuck seats with licctl seats release --stale (licctl seats stuck lists them).',
    )
    // dave's history names no lease of bob's.
    assert.deepEqual(
      full.history.map((h) => h.action),
      ['user.add'],
    )
    const old = await why('dave@acme.test', 'pool', 'old')
    assert.deepEqual([old.licensed, old.code], [false, 'pool_expired'])
  })

  it('an activation ID: its history has the activations on its hosts, not only the ID’s own entries', async () => {
    const base = '/v1/orgs/acme/activations'
    const made = await t.call(t.operatorToken, 'POST', `${base}/entitlements`, {
      product: 'flow',
      type: 'CC',
      seats: 4,
      expires: '2027-01-01',
    })
    assert.equal(made.status, 201, JSON.stringify(made.body))
    const id = (await t.call(admin, 'POST', `${base}/ids`, { product: 'flow', quantity: 2 })).body.id
    for (const host of ['lic-a', 'lic-b'])
      assert.equal((await t.call(admin, 'POST', `${base}/ids/${id}/activate`, { host })).status, 200)
    const e = await why('bob@acme.test', 'activation', id)
    assert.deepEqual([e.licensed, e.code], [false, 'quantity_exceeded'])
    assert.deepEqual(
      e.history.map((h) => [h.action, h.target]),
      [
        ['activations.activate', `${id}/lic-b`],
        ['activations.activate', `${id}/lic-a`],
        ['activations.generate', id],
      ],
    )
    // Returned with hosts still holding it: the hosts' copies are orphans, and the evidence says so.
    const ret = await t.call(admin, 'POST', `${base}/ids/${id}/return`, { force: true })
    assert.equal(ret.status, 200, JSON.stringify(ret.body))
    const after = await why('bob@acme.test', 'activation', id)
    assert.deepEqual(
      after.evidence.filter((f) => f.fact === 'hosts' || f.fact === 'orphans'),
      [
        { fact: 'hosts', detail: 'no host holds it' },
        {
          fact: 'orphans',
          detail:
            'lic-a (1 seat, ID returned), lic-b (1 seat, ID returned) still have copies: clean them off, then licctl activations orphans --clear <host>',
        },
      ],
    )
  })

  it('an activation ID made by a split or a resize: its origin names the ID it came from, and its history has that entry', async () => {
    const base = '/v1/orgs/acme/activations'
    const call = async (path: string, body: object) => {
      const res = await t.call(admin, 'POST', `${base}${path}`, body)
      assert.ok(res.status < 300, `${path}: ${JSON.stringify(res.body)}`)
      return res.body
    }
    const made = await t.call(t.operatorToken, 'POST', `${base}/entitlements`, {
      product: 'mesh',
      type: 'CC',
      seats: 10,
      expires: '2027-01-01',
    })
    assert.equal(made.status, 201, JSON.stringify(made.body))
    const old = (await call('/ids', { product: 'mesh', quantity: 6 })).id
    const split = (await call(`/ids/${old}/split`, { quantity: 2 })).id
    const resized = (await call(`/ids/${split}/resize`, { quantity: 3 })).id
    const day = new Date(t.clock.now()).toISOString().slice(0, 10)
    const origin = (e: { evidence: Array<{ fact: string; detail: string }> }) =>
      e.evidence.find((f) => f.fact === 'origin')?.detail
    const fromSplit = await why('bob@acme.test', 'activation', split)
    assert.equal(origin(fromSplit), `split off ${old} (2 of its 6 seats) by admin@acme.test on ${day}`)
    assert.deepEqual(
      fromSplit.history.map((h) => [h.action, h.target]),
      [
        ['activations.resize', `${split}/${resized}`],
        ['activations.split', `${old}/${split}`],
      ],
    )
    const fromResize = await why('bob@acme.test', 'activation', resized)
    assert.equal(
      origin(fromResize),
      `made by resizing ${split} from 2 to 3 seats, by admin@acme.test on ${day}`,
    )
    assert.deepEqual(
      fromResize.history.map((h) => [h.action, h.target]),
      [['activations.resize', `${split}/${resized}`]],
    )
    // Down to one seat: "from 3 to 1 seat", and the ID's own line says "0 of 1 seat in use".
    const single = (await call(`/ids/${resized}/resize`, { quantity: 1 })).id
    const fromOne = await why('bob@acme.test', 'activation', single)
    assert.equal(
      origin(fromOne),
      `made by resizing ${resized} from 3 to 1 seat, by admin@acme.test on ${day}`,
    )
    assert.equal(
      fromOne.evidence.find((f) => f.fact === 'activation')?.detail,
      'CC ID for mesh: active, 0 of 1 seat in use, valid through 2027-01-01',
    )
    const generated = await why('bob@acme.test', 'activation', old)
    assert.equal(origin(generated), `generated from the mesh entitlement by admin@acme.test on ${day}`)

    // A split recorded before its target named both IDs (`target: <from>`, the new ID in its after):
    // entries are never rewritten, so the origin finds it by its after.
    const db = t.storage.db
    const ent = await db
      .selectFrom('activation_entitlements')
      .selectAll()
      .where('product', '=', 'mesh')
      .executeTakeFirstOrThrow()
    const legacy = 'act_06dw0000000000000000legacy'
    await db
      .insertInto('activation_ids')
      .values({
        id: legacy,
        org_id: ent.org_id,
        entitlement_id: ent.id,
        quantity: 1,
        used: 0,
        status: 'active',
        expires_at: ent.expires_at,
        created_at: t.clock.now(),
        updated_at: t.clock.now(),
        returned_at: null,
      })
      .execute()
    await audit(
      db,
      { principal: { kind: 'operator', tokenId: 'test' }, clock: t.clock },
      {
        orgId: ent.org_id,
        action: 'activations.split',
        target: old,
        before: { quantity: 5 },
        after: { quantity: 4, newId: legacy, newQuantity: 1 },
      },
    )
    assert.equal(
      origin(await why('bob@acme.test', 'activation', legacy)),
      `split off ${old} (1 of its 5 seats) by operator on ${day}`,
    )
  })

  it('names days in the organization’s time zone: membership, assignment and removal', async () => {
    // 2026-01-01T09:00Z, when they were added, assigned and removed, is 2025-12-31 in Honolulu.
    const tz = await t.call(admin, 'PATCH', '/v1/orgs/acme', { timeZone: 'Pacific/Honolulu' })
    assert.equal(tz.status, 200, JSON.stringify(tz.body))
    try {
      const e = await why('bob@acme.test', 'addon', 'cp')
      assert.equal(
        e.summary,
        'bob@acme.test can use Cloud Processing: it was assigned to them by admin@acme.test on 2025-12-31, and the add-on is valid through 2027-01-01.',
      )
      assert.deepEqual(e.evidence.slice(0, 2), [
        { fact: 'membership', detail: 'member of acme since 2025-12-31' },
        { fact: 'assignment', detail: 'holds Cloud Processing, assigned by admin@acme.test on 2025-12-31' },
      ])
      assert.match((await why('erin@acme.test')).summary, /; admin@acme\.test removed them on 2025-12-31\. /)
    } finally {
      await t.call(admin, 'PATCH', '/v1/orgs/acme', { timeZone: 'UTC' })
    }
  })

  it('without a subject: their membership, and every subject it could name', async () => {
    const e = await why('bob@acme.test')
    assert.deepEqual([e.licensed, e.code, e.subject], [true, 'ok', null])
    assert.equal(
      e.summary,
      'bob@acme.test is a member of acme. Name an add-on (--addon), a seat pool (--pool), a device (--device) or an activation ID (--activation) to see why it can or cannot be used.',
    )
  })

  it('without a subject: what they hold, so that a member with licenses is told apart from one without', async () => {
    // Both answers were the membership alone: which subject to ask about was the admin's guess.
    assert.deepEqual((await why('bob@acme.test')).evidence.slice(1), [
      {
        fact: 'add-ons',
        detail: 'holds Cloud Processing (cp), Gone (gone): --addon <key> says whether each can be used',
      },
      { fact: 'seats', detail: '1 seat checked out: cad on ws-1' },
    ])
    assert.deepEqual((await why('carol@acme.test')).evidence.slice(1), [
      { fact: 'add-ons', detail: 'holds none' },
      { fact: 'seats', detail: 'none checked out' },
    ])
  })

  it('an add-on or pool that does not exist is not found (404), naming it; an unknown subject is refused', async () => {
    await assert.rejects(why('bob@acme.test', 'addon', 'nope'), {
      code: 'not_found',
      status: 404,
      message: "add-on 'nope' not found in acme: the operator provisions add-ons",
    })
    await assert.rejects(why('bob@acme.test', 'pool', 'nope'), {
      code: 'not_found',
      status: 404,
      message: "seat pool 'nope' not found in acme: the operator provisions pools",
    })
    await assert.rejects(why('bob@acme.test', 'spaceship', 'x'), {
      code: 'validation_failed',
      message: "subject: unknown 'spaceship'; known: addon, pool, activation, device",
    })
  })
})
