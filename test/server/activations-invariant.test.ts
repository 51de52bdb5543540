import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import type { ServiceContext } from '../../src/server/context.js'
import { AppError } from '../../src/server/errors.js'
import { generateActivation, provisionEntitlement } from '../../src/server/services/activations.js'
import { activate, deactivate, rehost } from '../../src/server/services/activations-hosts.js'
import {
  resizeActivation,
  returnActivation,
  splitActivation,
} from '../../src/server/services/activations-portal.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

const HOSTS = ['h0', 'h1', 'h2', 'h3']
const PRODUCTS = ['nl-cad', 'cc-sim'] as const

type Op =
  | { op: 'generate'; product: 0 | 1; quantity: number }
  | { op: 'activate'; id: number; host: number; seats: number }
  | { op: 'deactivate'; id: number; host: number }
  | { op: 'return'; id: number; force: boolean }
  | { op: 'rehost'; id: number; from: number; to: number }
  | { op: 'split'; id: number; quantity: number }
  | { op: 'resize'; id: number; quantity: number; force: boolean }

const idx = fc.nat({ max: 6 })
const host = fc.nat({ max: HOSTS.length - 1 })
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('generate' as const),
    product: fc.constantFrom(0 as const, 1 as const),
    quantity: fc.integer({ min: 1, max: 16 }),
  }),
  fc.record({ op: fc.constant('activate' as const), id: idx, host, seats: fc.integer({ min: 1, max: 5 }) }),
  {
    arbitrary: fc.record({ op: fc.constant('activate' as const), id: idx, host, seats: fc.constant(1) }),
    weight: 4,
  },
  fc.record({ op: fc.constant('deactivate' as const), id: idx, host }),
  fc.record({ op: fc.constant('return' as const), id: idx, force: fc.boolean() }),
  { arbitrary: fc.record({ op: fc.constant('rehost' as const), id: idx, from: host, to: host }), weight: 2 },
  fc.record({ op: fc.constant('split' as const), id: idx, quantity: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    op: fc.constant('resize' as const),
    id: idx,
    quantity: fc.integer({ min: 1, max: 15 }),
    force: fc.boolean(),
  }),
)

/** A sequence that meets every refusal and success the test asserts it saw, whatever the random ones do. */
const EVERY_REFUSAL: Op[] = [
  { op: 'generate', product: 1, quantity: 4 }, // a CC ID of 4
  { op: 'activate', id: 0, host: 0, seats: 2 },
  { op: 'return', id: 0, force: false }, // hosts_would_be_orphaned: a host holds it
  { op: 'split', id: 0, quantity: 8 }, // split_exceeds_unused: 2 unused
  { op: 'activate', id: 0, host: 1, seats: 5 }, // quantity_exceeded: 2 + 5 > 4
  { op: 'generate', product: 0, quantity: 16 },
  { op: 'generate', product: 0, quantity: 16 }, // entitlement_exhausted: 4 of 20 NL seats left
  { op: 'deactivate', id: 0, host: 0 },
  { op: 'activate', id: 0, host: 2, seats: 1 },
  { op: 'rehost', id: 0, from: 2, to: 3 },
  { op: 'split', id: 0, quantity: 1 },
  { op: 'resize', id: 0, quantity: 2, force: true },
  { op: 'return', id: 2, force: true }, // the ID split off above
]

/**
 * Seat conservation and "no host over its ID", over random sequences of every operation that moves
 * seats, on each database. Refusals (catalogued AppErrors) are expected; anything else — a CHECK
 * constraint firing because code let a bad move through, a crash — fails the property. After every
 * step the database itself is read back and checked.
 */
for (const dialect of DIALECTS) {
  describe(`activations invariant on ${dialect}`, function () {
    this.timeout(300_000)
    let t: TestApp
    let ctx: ServiceContext
    let runs = 0
    /** What the sequences did: successes and refusals (by code) per operation. */
    const tally: Record<string, { ok: number; refused: Record<string, number> }> = {}

    before(async () => {
      t = await startApp(dialect)
      ctx = {
        db: t.storage.db,
        dialect,
        clock: t.clock,
        principal: { kind: 'operator', tokenId: 'test' },
      }
    })
    after(async () => t.close())

    async function checkInvariants(slug: string): Promise<void> {
      const db = t.storage.db
      const org = await db
        .selectFrom('organizations')
        .select('id')
        .where('slug', '=', slug)
        .executeTakeFirstOrThrow()
      const ents = await db
        .selectFrom('activation_entitlements')
        .selectAll()
        .where('org_id', '=', org.id)
        .execute()
      const ids = await db.selectFrom('activation_ids').selectAll().where('org_id', '=', org.id).execute()
      const hosts = await db
        .selectFrom('activation_hosts')
        .innerJoin('activation_ids', 'activation_ids.id', 'activation_hosts.activation_id')
        .select([
          'activation_hosts.activation_id',
          'activation_hosts.host',
          'activation_hosts.seats',
          'activation_hosts.quantity',
        ])
        .where('activation_ids.org_id', '=', org.id)
        .execute()
      for (const e of ents) {
        const inIds = ids
          .filter((i) => i.entitlement_id === e.id && i.status === 'active')
          .reduce((s, i) => s + i.quantity, 0)
        assert.equal(e.seats, inIds + e.free, `${e.product}: seats = seats in active IDs + free`)
        assert.equal(e.allocated, inIds, `${e.product}: allocated = seats in active IDs`)
        assert.ok(e.free >= 0)
      }
      for (const i of ids) {
        const mine = hosts.filter((h) => h.activation_id === i.id)
        assert.equal(
          i.used,
          mine.reduce((s, h) => s + h.seats, 0),
          `${i.id}: used = its hosts' seats`,
        )
        assert.ok(i.used <= i.quantity, `${i.id}: used within quantity`)
        if (i.status === 'inactive') assert.equal(mine.length, 0, `${i.id}: an inactive ID has no hosts`)
        const type = ents.find((e) => e.id === i.entitlement_id)!.type
        for (const h of mine) {
          assert.ok(h.seats <= i.quantity, `${i.id}@${h.host}: host within its ID's quantity`)
          assert.equal(h.quantity, i.quantity, 'the host row mirrors its ID quantity')
          if (type === 'NL') assert.equal(h.seats, 1, 'an NL host holds one seat')
        }
      }
    }

    it('keeps seats conserved and every host within its ID, whatever the sequence', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40, size: 'max' }), async (ops) => {
          const slug = `inv-${++runs}`
          await t.org(slug)
          await provisionEntitlement(ctx, slug, {
            product: 'nl-cad',
            type: 'NL',
            seats: 20,
            expires: '2030-12-31',
          })
          await provisionEntitlement(ctx, slug, {
            product: 'cc-sim',
            type: 'CC',
            seats: 30,
            expires: '2030-12-31',
          })
          const ids: string[] = []
          const pick = (i: number) => ids[i % ids.length]!
          for (const o of ops) {
            const before = tally[o.op] ?? { ok: 0, refused: {} }
            tally[o.op] = before
            try {
              if (o.op === 'generate') {
                ids.push(
                  (
                    await generateActivation(ctx, slug, {
                      product: PRODUCTS[o.product],
                      quantity: o.quantity,
                    })
                  ).id,
                )
              } else if (ids.length === 0) continue
              else if (o.op === 'activate')
                await activate(ctx, slug, pick(o.id), { host: HOSTS[o.host]!, seats: o.seats })
              else if (o.op === 'deactivate') await deactivate(ctx, slug, pick(o.id), HOSTS[o.host]!)
              else if (o.op === 'return') await returnActivation(ctx, slug, pick(o.id), { force: o.force })
              else if (o.op === 'rehost') {
                if (o.from === o.to) continue // refused by the request schema before any service
                await rehost(ctx, slug, pick(o.id), { from: HOSTS[o.from]!, to: HOSTS[o.to]! })
              } else if (o.op === 'split')
                ids.push((await splitActivation(ctx, slug, pick(o.id), { quantity: o.quantity })).id)
              else {
                const r = await resizeActivation(ctx, slug, pick(o.id), {
                  quantity: o.quantity,
                  force: o.force,
                })
                if (r.id) ids.push(r.id)
              }
              before.ok++
            } catch (err) {
              if (!(err instanceof AppError)) throw err
              before.refused[err.code] = (before.refused[err.code] ?? 0) + 1
            }
            await checkInvariants(slug)
          }
        }),
        // The random sequences are run after one fixed sequence that meets each refusal asserted
        // below: left to chance, a run of 30 sequences once met no `hosts_would_be_orphaned`.
        { numRuns: dialect === 'sqlite' ? 60 : 30, examples: [[EVERY_REFUSAL]] },
      )
      // The property only means something if every operation also succeeded, and the rules refused.
      for (const op of ['generate', 'activate', 'deactivate', 'return', 'rehost', 'split', 'resize'])
        assert.ok((tally[op]?.ok ?? 0) > 0, `${op} never succeeded: ${JSON.stringify(tally)}`)
      for (const code of [
        'quantity_exceeded',
        'entitlement_exhausted',
        'hosts_would_be_orphaned',
        'split_exceeds_unused',
      ])
        assert.ok(
          Object.values(tally).some((t) => (t.refused[code] ?? 0) > 0),
          `${code} never refused: ${JSON.stringify(tally)}`,
        )
      if (process.env.LICCTL_TEST_VERBOSE) console.log(JSON.stringify(tally))
    })
  })
}
