import { strict as assert } from 'node:assert'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BULK_PRIOR_MAX_ITEMS } from '../../src/contract/bulk.js'
import { DIALECTS } from '../helpers/dialects.js'
import { E2eServer, runCli, type CliResult } from '../helpers/e2e.js'
import { runInPty } from '../helpers/pty.js'
import { daysFromToday } from '../../scripts/lib/dates.js'
import { issueKeysArgs, issuedKeys } from '../../scripts/lib/device-keys.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** More rows that would change than a dry run can carry forward: planning them all stops. */
const MANY = BULK_PRIOR_MAX_ITEMS + 1_001

// A destructive bulk command asks its question after planning at most one batch: a job past that
// is asked about (or, for seats release off a terminal, applied leaving leases in use alone)
// without a plan, and then applied whole, in batches.
for (const dialect of DIALECTS)
  describe(`e2e: bulk jobs past one batch, on ${dialect}`, function () {
    this.timeout(300_000)
    let server: E2eServer
    let admin: string
    const ok = (r: CliResult) => {
      assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`)
      return r
    }
    const as = (args: string[]) => runCli(args, { env: server.env(admin, 'acme') })

    before(async () => {
      server = await E2eServer.start({ dialect })
      admin = await server.createOrg('acme', 'alice@acme.test')
    })
    after(async () => server.stop())

    /** `n` leases of the admin on hosts h0…, through the API, a few at a time. */
    async function checkouts(product: string, n: number): Promise<string[]> {
      const ids: string[] = new Array<string>(n)
      let next = 0
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < n) {
            const i = next++
            const res = await fetch(`${server.url}/v1/orgs/acme/seats/pools/${product}/checkout`, {
              method: 'POST',
              headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
              body: JSON.stringify({ host: `h${i}` }),
            })
            assert.equal(res.status, 200, await res.clone().text())
            ids[i] = ((await res.json()) as { id: string }).id
          }
        }),
      )
      return ids
    }

    // 11,001 checkouts take ~25 s on SQLite and ~100 s on PostgreSQL; what is tested (the CLI not
    // planning past one batch) is the CLI's and the same on both, so it runs on SQLite only.
    const sqliteOnly = dialect === 'sqlite' ? it : undefined
    sqliteOnly?.(
      `seats release of ${MANY} stale leases and one in use, off a terminal: no plan, every stale lease released in batches, the one in use left`,
      async () => {
        const provision = (product: string, seats: number, ttl: string) =>
          server.asOperator([
            'seats',
            'provision',
            product,
            '--org',
            'acme',
            '--seats',
            String(seats),
            '--expires',
            daysFromToday(400),
            '--lease-ttl',
            ttl,
          ])
        ok(await provision('old', MANY, '1s'))
        ok(await provision('live', 1, '15m'))
        const stale = await checkouts('old', MANY)
        const [live] = await checkouts('live', 1)
        await sleep(1_100) // past the TTL of 1 s: every lease of 'old' is stale
        const file = join(server.dir, 'leases.csv')
        writeFileSync(file, ['lease', live!, ...stale].join('\n') + '\n')
        const res = await as(['seats', 'release', '--file', file])
        // The lease in use is left alone (its row fails), every stale one is released: exit 6.
        assert.equal(res.code, 6, res.stderr)
        assert.match(
          res.stderr,
          new RegExp(
            `Not checked for leases in use first \\(${MANY + 1} rows are more than one batch\\): a lease that looks in use is left alone and its row fails \\(lease_active\\); --yes releases those too\\.`,
          ),
        )
        assert.match(
          res.stdout,
          new RegExp(`✗ failed\\s+${live} — lease_active: alice@acme\\.test on h0 sent a heartbeat`),
        )
        assert.match(
          res.stdout,
          new RegExp(`Done \\(release seats\\): ${MANY} changed, 0 unchanged, 1 failed\\.\\n$`),
        )
        const pools = JSON.parse(ok(await as(['seats', 'pools', '--json'])).stdout) as {
          items: Array<{ product: string; inUse: number }>
        }
        assert.deepEqual(
          pools.items.map((p) => [p.product, p.inUse]),
          [
            ['live', 1],
            ['old', 0],
          ],
        )
      },
    )

    it('seats release of 25 leases in use, off a terminal: lists 20 and counts the rest, refuses without --yes', async () => {
      ok(
        await server.asOperator([
          'seats',
          'provision',
          'busy',
          '--org',
          'acme',
          '--seats',
          '25',
          '--expires',
          daysFromToday(400),
        ]),
      )
      const inUse = await checkouts('busy', 25)
      const file = join(server.dir, 'busy.csv')
      writeFileSync(file, ['lease', ...inUse].join('\n') + '\n')
      const res = await as(['seats', 'release', '--file', file])
      assert.equal(res.code, 2, res.stderr)
      assert.match(res.stderr, new RegExp(`\\n {2}${inUse[19]}: alice@acme\\.test on h19 sent a heartbeat`))
      assert.doesNotMatch(res.stderr, new RegExp(inUse[20]!))
      assert.match(res.stderr, /\n {2}… and 5 more\n/)
      assert.match(res.stderr, /Error: 25 leases look in use \(recent heartbeat\)\. Release anyway\?/)
      // --json: the one error document lists every lease in use.
      const doc = await as(['seats', 'release', '--file', file, '--json'])
      assert.equal(doc.code, 2)
      assert.equal(JSON.parse(doc.stderr).error.details.inUse.length, 25)
    })

    it('devices detach on a terminal: the preview lists 20 devices and counts the rest; past one batch the question counts the devices without a plan, and yes detaches them all in batches', async () => {
      const csv = (name: string, lines: string[]) => {
        const file = join(server.dir, name)
        writeFileSync(file, lines.join('\n') + '\n')
        return file
      }
      const serials = Array.from({ length: 1_026 }, (_, i) => `D${i}`)
      ok(await server.asOperator(['devices', 'categories', 'add', 'router', '--models', 'R-1000']))
      const key = issuedKeys(
        ok(await server.asOperator(issueKeysArgs({ category: 'router', term: '1y', count: serials.length })))
          .stdout,
      )[0]!.key
      ok(await as(['devices', 'keys', 'add', key, '--accept-terms']))
      ok(
        await as([
          'devices',
          'add',
          '--file',
          csv('devices.csv', ['serial,model', ...serials.map((s) => `${s},R-1000`)]),
        ]),
      )
      ok(await as(['devices', 'assign', '--file', csv('fleet.csv', ['serial', ...serials])]))

      const some = await runInPty(
        ['devices', 'detach', '--file', csv('some.csv', ['serial', ...serials.slice(0, 25)])],
        {
          env: server.env(admin, 'acme'),
          answers: [{ after: /Detach the licenses of these devices\?/, type: 'n\r' }],
        },
      )
      assert.equal(some.code, 2, some.stdout)
      assert.match(some.stdout, /\n {2}D19: /)
      assert.doesNotMatch(some.stdout, /\n {2}D20: /)
      assert.match(some.stdout, /\n {2}… and 5 more\n/)
      assert.match(some.stdout, /Error: cancelled/)

      // 1,001 devices are more than one batch: asked about without a plan, then detached in batches.
      const rest = serials.slice(25)
      const all = await runInPty(['devices', 'detach', '--file', csv('rest.csv', ['serial', ...rest])], {
        env: server.env(admin, 'acme'),
        answers: [{ after: /Detach the licenses of the 1001 devices listed in/, type: 'y\r' }],
        timeoutMs: 120_000,
      })
      assert.equal(all.code, 0, all.stdout)
      assert.doesNotMatch(all.stdout, /\n {2}D25: /, 'no plan, so no preview')
      assert.match(all.stdout, /Done \(detach licenses\): 1001 changed, 0 unchanged, 0 failed\./)
      const again = ok(await as(['devices', 'detach', '--file', join(server.dir, 'rest.csv'), '--dry-run']))
      assert.match(
        again.stdout,
        /Dry run \(detach licenses\): 0 would change, 1001 already so, 0 would fail\./,
      )
    })
  })
