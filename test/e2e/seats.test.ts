import { strict as assert } from 'node:assert'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { E2eServer, jsonError, runCli, type CliOptions, type CliResult } from '../helpers/e2e.js'
import { daysFromToday } from '../../scripts/lib/dates.js'

/** Pools' last valid days: the server runs on the real clock, so they are counted from today. */
const EXPIRES = daysFromToday(400)
const RENEWED = daysFromToday(580)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface LeaseJson {
  id: string
  product: string
  user: string
  host: string
  state: string
  idleSeconds: number
  roamingUntil: string | null
  reused?: boolean
}

// The real server and the real CLI, as a support engineer and an admin use them.
describe('e2e: seats', function () {
  let server: E2eServer
  let admin: string
  const tokens: Record<string, string> = {}

  /** Runs licctl as the admin (or another token) against org acme. */
  const as = (token: string, args: string[], input?: string) =>
    runCli(args, { env: server.env(token, 'acme'), ...(input !== undefined ? { input } : {}) })
  const op = (args: string[], opts: CliOptions = {}) => server.asOperator([...args, '--org', 'acme'], opts)
  const ok = (r: CliResult) => {
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`)
    return r
  }
  const json = <T>(r: CliResult): T => JSON.parse(ok(r).stdout) as T
  const checkout = (user: string, product: string, host: string, extra: string[] = []) =>
    as(tokens[user]!, ['seats', 'checkout', product, '--host', host, ...extra])
  const leases = async (product?: string) =>
    json<{ items: LeaseJson[] }>(await as(admin, ['seats', 'list', ...(product ? [product] : []), '--json']))
      .items

  before(async () => {
    server = await E2eServer.start()
    admin = await server.createOrg('acme', 'admin@acme.test')
    const users = ['bob', 'carol', 'dave', 'erin'].map((n) => `${n}@acme.test`)
    ok(await as(admin, ['orgs', 'users', 'add', ...users, '--role', 'member']))
    for (const email of users) {
      const tok = await as(admin, ['orgs', 'tokens', 'create', '--user', email, '--json'])
      tokens[email] = json<{ token: string }>(tok).token
    }
  })
  after(async () => server.stop())

  it('provisions pools (operator) and shows them to admins, valid through the given day', async () => {
    const refused = await as(admin, ['seats', 'provision', 'cad-pro', '--seats', '2', '--expires', EXPIRES])
    assert.equal(refused.code, 4)
    assert.equal(
      refused.stderr.trim(),
      'Error: only the server operator can do this: use the operator token that `licctl server init` printed (LICCTL_TOKEN=<operator token> licctl …)',
    )

    const cad = await op(['seats', 'provision', 'cad-pro', '--seats', '2', '--expires', EXPIRES, '--json'])
    assert.equal(json<{ leaseTtlSeconds: number }>(cad).leaseTtlSeconds, 900)
    ok(await op(['seats', 'provision', 'quick', '--seats', '1', '--expires', EXPIRES, '--lease-ttl', '1s']))
    ok(
      await op([
        'seats',
        'provision',
        'survey',
        '--seats',
        '3',
        '--expires',
        EXPIRES,
        '--max-roaming',
        '14d',
      ]),
    )
    const now = Date.now()
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
    const yesterday = day(now - 86_400_000)
    const legacy = ['seats', 'provision', 'legacy', '--seats', '5', '--expires', yesterday]
    // A pool dead on arrival is refused as an input error, naming the flag, the day and why.
    const dead = await op(legacy)
    assert.equal(dead.code, 2, dead.stderr)
    assert.match(
      dead.stderr,
      new RegExp(
        `^Error: --expires: '${yesterday}' has passed \\(today is (${day(now)}|${day(now + 60_000)}) in UTC\\): the seat pool would be expired on arrival\n`,
      ),
    )
    assert.equal(jsonError(await op([...legacy, '--json'])).code, 'validation_failed')
    // An expired pool, for what follows, is provisioned as it was: by a server whose clock reads then.
    const then = await server.listen(`${yesterday}T00:00:00Z`)
    ok(await op(legacy, { env: { LICCTL_URL: then } }))
    const upd = await op(['seats', 'update', 'survey', '--add-seats', '1', '--expires', RENEWED, '--json'])
    assert.deepEqual(
      (({ seats, validThrough }) => ({ seats, validThrough }))(
        json<{ seats: number; validThrough: string }>(upd),
      ),
      { seats: 4, validThrough: RENEWED },
    )
    const nothing = await op(['seats', 'update', 'survey'])
    assert.equal(nothing.code, 2)
    // The same expiration and TTL again (a provisioning script re-run) change nothing: they wrote an
    // audit entry whose before and after were the same, and moved updatedAt.
    const settings = ['seats', 'update', 'survey', '--expires', RENEWED, '--lease-ttl', '15m', '--json']
    const set = json<{ updatedAt: string }>(await op(settings))
    const updates = async () =>
      json<{ items: unknown[] }>(await as(admin, ['orgs', 'audit', '--action', 'seats.update', '--json']))
        .items.length
    const logged = await updates()
    assert.deepEqual(json(await op(settings)), set)
    assert.equal(await updates(), logged)

    const table = ok(await as(admin, ['seats', 'pools']))
    assert.match(table.stdout, /Product\s+Seats\s+In use\s+Roaming\s+Stale\s+Free\s+Valid through\s+Usage/)
    assert.match(table.stdout, new RegExp(`cad-pro\\s+2\\s+0\\s+0\\s+0\\s+2\\s+${EXPIRES}\\s+no`))
    assert.match(
      table.stdout,
      // Free is what a checkout can get: none from an expired pool, whatever is unassigned.
      new RegExp(`legacy\\s+5\\s+0\\s+0\\s+0\\s+0\\s+${yesterday} \\(expired\\)\\s+no`),
    )
    const pools = json<{ items: Array<{ product: string; free: number; expired: boolean }> }>(
      await as(admin, ['seats', 'pools', '--json']),
    )
    assert.deepEqual(
      pools.items.map((p) => [p.product, p.free, p.expired]),
      [
        ['cad-pro', 2, false],
        ['legacy', 0, true],
        ['quick', 1, false],
        ['survey', 4, false],
      ],
    )
  })

  it('checks out, returns the same lease on the same host, and refuses a full pool naming the holders', async () => {
    const bob = await checkout('bob@acme.test', 'cad-pro', 'ws-1', ['--json'])
    const lease = json<LeaseJson>(bob)
    assert.deepEqual(
      [lease.user, lease.host, lease.state, lease.reused],
      ['bob@acme.test', 'ws-1', 'active', false],
    )
    const again = json<LeaseJson>(await checkout('bob@acme.test', 'cad-pro', 'ws-1', ['--json']))
    assert.deepEqual([again.id, again.reused], [lease.id, true])
    const carol = ok(await checkout('carol@acme.test', 'cad-pro', 'ws-2'))
    assert.match(carol.stdout, /^Lease\s+ls_[0-9a-z]{26}$/m)
    // Every line is labelled: what the checkout did is the lease's State, as `seats list` heads it.
    assert.match(carol.stdout, /^State\s+active \(seat checked out\)$/m)
    for (const line of carol.stdout.trimEnd().split('\n')) assert.match(line, /^[A-Z]/, carol.stdout)
    const carolAgain = ok(await checkout('carol@acme.test', 'cad-pro', 'ws-2'))
    assert.match(
      carolAgain.stdout,
      /^State\s+active \(already checked out here: same lease, heartbeat refreshed\)$/m,
    )

    const full = await checkout('dave@acme.test', 'cad-pro', 'ws-3')
    assert.equal(full.code, 3)
    assert.equal(full.stdout, '')
    assert.equal(
      full.stderr.trim(),
      "Error: all 2 seats of 'cad-pro' are in use: bob@acme.test (ws-1), carol@acme.test (ws-2)",
    )
    const fullJson = await checkout('dave@acme.test', 'cad-pro', 'ws-3', ['--json'])
    assert.equal(fullJson.code, 3)
    assert.equal(fullJson.stdout, '')
    assert.equal(jsonError(fullJson).code, 'no_free_seat')
  })

  it('the operator checking out without --user is told to name the member with --user, or use theirs (exit 2)', async () => {
    const res = await op(['seats', 'checkout', 'survey', '--host', 'x'])
    assert.equal(res.code, 2, res.stderr)
    assert.equal(res.stdout, '')
    assert.equal(
      res.stderr,
      "Error: --user: required with the operator's token: name the member the seat is for, or check out with the member's own token\n",
    )
    const asJson = await op(['seats', 'checkout', 'survey', '--host', 'x', '--json'])
    assert.equal(asJson.code, 2)
    assert.equal(jsonError(asJson).code, 'validation_failed')
    // Named, the seat is checked out for that member.
    const bobs = json<LeaseJson>(
      await op(['seats', 'checkout', 'survey', '--host', 'x', '--user', 'bob@acme.test', '--json']),
    )
    assert.deepEqual([bobs.user, bobs.host], ['bob@acme.test', 'x'])
    ok(await op(['seats', 'checkin', bobs.id]))
  })

  it('refuses an expired pool and a non-member with exit 3', async () => {
    const expired = await checkout('dave@acme.test', 'legacy', 'ws-3', ['--json'])
    assert.equal(expired.code, 3)
    assert.equal(jsonError(expired).code, 'pool_expired')
    const stranger = await as(admin, [
      'seats',
      'checkout',
      'survey',
      '--host',
      'x',
      '--user',
      'eve@evil.test',
    ])
    assert.equal(stranger.code, 3)
    assert.equal(stranger.stderr.trim(), 'Error: eve@evil.test is not a member of this organization')
  })

  it('heartbeats and checks in from the command line; the freed seat is taken at once', async () => {
    const carol = (await leases('cad-pro')).find((l) => l.user === 'carol@acme.test')!
    const hb = ok(await as(tokens['carol@acme.test']!, ['seats', 'heartbeat', carol.id]))
    assert.equal(hb.stdout.trim(), `Heartbeat recorded for ${carol.id} (cad-pro, carol@acme.test on ws-2).`)
    const hbJson = json<LeaseJson>(
      await as(tokens['carol@acme.test']!, ['seats', 'heartbeat', carol.id, '--json']),
    )
    assert.equal(hbJson.state, 'active')
    const foreign = await as(tokens['bob@acme.test']!, ['seats', 'checkin', carol.id])
    assert.equal(foreign.code, 4)
    const inn = ok(await as(tokens['carol@acme.test']!, ['seats', 'checkin', carol.id]))
    assert.equal(inn.stdout.trim(), `Checked in ${carol.id}: the cad-pro seat on ws-2 is free.`)
    // Again: already so, exit 0, changed false; a lease id that never existed is still not found.
    const again = ok(await as(tokens['carol@acme.test']!, ['seats', 'checkin', carol.id]))
    assert.equal(
      again.stdout.trim(),
      `${carol.id} (the cad-pro seat on ws-2) was already checked in or released: nothing to do.`,
    )
    const againJson = json<LeaseJson & { changed: boolean }>(
      await as(tokens['carol@acme.test']!, ['seats', 'checkin', carol.id, '--json']),
    )
    assert.deepEqual([againJson.id, againJson.changed], [carol.id, false])
    const foreignGone = await as(tokens['bob@acme.test']!, ['seats', 'checkin', carol.id])
    assert.equal(foreignGone.code, 5, 'another user’s released lease is not found, as an unknown one')
    const never = await as(tokens['carol@acme.test']!, ['seats', 'checkin', 'ls_00000000000000000000000000'])
    assert.equal(never.code, 5)
    const gone = await as(tokens['carol@acme.test']!, ['seats', 'heartbeat', carol.id])
    assert.equal(gone.code, 5)
    ok(await checkout('dave@acme.test', 'cad-pro', 'ws-3'))
  })

  it('refuses to release a lease with a recent heartbeat off a terminal without --yes (exit 2)', async () => {
    const dave = (await leases('cad-pro')).find((l) => l.user === 'dave@acme.test')!
    const res = await as(admin, ['seats', 'release', dave.id])
    assert.equal(res.code, 2)
    assert.equal(res.stdout, '')
    assert.match(
      res.stderr,
      new RegExp(`${dave.id}: dave@acme\\.test on ws-3 sent a heartbeat \\d+s ago: the seat looks in use`),
    )
    assert.match(
      res.stderr,
      /Error: 1 lease looks in use \(recent heartbeat\)\. Release anyway\? — refusing without --yes \(not on a terminal, so no prompt\)/,
    )
    assert.equal((await leases('cad-pro')).length, 2, 'nothing was released')
    // With --json, stderr is the one error document: the leases in use are in its details.
    const asJson = await as(admin, ['seats', 'release', dave.id, '--json'])
    assert.equal(asJson.code, 2)
    assert.equal(asJson.stderr.trimEnd().split('\n').length, 1, asJson.stderr)
    const error = JSON.parse(asJson.stderr).error
    assert.equal(error.code, 'confirmation_required')
    assert.deepEqual(
      error.details.inUse.map((r: { lease: string }) => r.lease),
      [dave.id],
    )
    // A dry run plans without asking: the row would fail for a license rule, so the plan exits 3.
    const dry = await as(admin, ['seats', 'release', dave.id, '--dry-run'])
    assert.equal(dry.code, 3)
    assert.match(dry.stdout, new RegExp(`✗ will-fail\\s+${dave.id} — lease_active: `))
    const forced = ok(await as(admin, ['seats', 'release', dave.id, '--yes']))
    assert.match(forced.stdout, new RegExp(`✓ changed\\s+${dave.id}`))
    assert.match(forced.stdout, /Done \(release seats\): 1 changed, 0 unchanged, 0 failed\./)
    const again = ok(await as(admin, ['seats', 'release', dave.id, '--yes']))
    assert.match(again.stdout, new RegExp(`= already-so\\s+${dave.id}`))
  })

  it('counts every lease a --user holds in use before asking, and names the user, not a lease', async () => {
    ok(await checkout('erin@acme.test', 'survey', 'twin-1'))
    ok(await checkout('erin@acme.test', 'survey', 'twin-2'))
    const res = await as(admin, ['seats', 'release', '--user', 'erin@acme.test'])
    assert.equal(res.code, 2)
    assert.match(
      res.stderr,
      /erin@acme\.test: erin@acme\.test holds 2 seats that look in use: 'survey' on twin-1 \(heartbeat \d+s ago\), 'survey' on twin-2 \(heartbeat \d+s ago\)/,
    )
    assert.match(res.stderr, /Error: 2 leases look in use \(recent heartbeat\)\. Release anyway\?/)
    const asJson = await as(admin, ['seats', 'release', '--user', 'erin@acme.test', '--json'])
    assert.equal(asJson.code, 2)
    const error = JSON.parse(asJson.stderr).error
    assert.match(error.message, /^2 leases look in use/)
    assert.deepEqual(
      error.details.inUse.map((r: { user?: string; lease?: string }) => [r.user, r.lease]),
      [['erin@acme.test', undefined]],
    )
    assert.equal((await leases('survey')).length, 2, 'nothing was released')
    const forced = ok(await as(admin, ['seats', 'release', '--user', 'erin@acme.test', '--yes']))
    assert.match(forced.stdout, /Done \(release seats\): 1 changed, 0 unchanged, 0 failed\./)
    assert.equal((await leases('survey')).length, 0)
  })

  it('finds a stuck seat with `seats stuck` and frees it with `seats release --stale`', async () => {
    ok(await checkout('erin@acme.test', 'quick', 'crashy'))
    const busy = await checkout('dave@acme.test', 'quick', 'ws-3')
    assert.equal(busy.code, 3)
    assert.match(busy.stderr, /the only seat of 'quick' is in use: erin@acme\.test \(crashy\)/)
    await sleep(1600) // TTL 1s: the host "crashed" and sends no heartbeat
    const stuck = ok(await as(admin, ['seats', 'stuck']))
    assert.match(
      stuck.stdout,
      /Lease\s+Product\s+User\s+Host\s+Started\s+Last heartbeat\s+Roaming until\s+State/,
    )
    // The idle time once, beside the last heartbeat (no Idle column repeating it).
    assert.match(
      stuck.stdout,
      /ls_\w+\s+quick\s+erin@acme\.test\s+crashy\s+[\d-]+ [\d:]+Z\s+[\d-]+ [\d:]+Z \(\d+s ago\)\s+-\s+stale/,
    )
    assert.match(stuck.stdout, /1 stuck seat\. Free it with: licctl seats release --stale/)
    const stuckJson = json<{ items: LeaseJson[] }>(await as(admin, ['seats', 'stuck', '--json']))
    assert.deepEqual(
      stuckJson.items.map((l) => [l.user, l.host, l.state]),
      [['erin@acme.test', 'crashy', 'stale']],
    )
    assert.ok(stuckJson.items[0]!.idleSeconds >= 1)
    const longIdle = json<{ items: LeaseJson[] }>(
      await as(admin, ['seats', 'stuck', '--idle', '2h', '--json']),
    )
    assert.deepEqual(longIdle.items, [])
    // The hint releases what was listed: the same --idle and --product, not each pool's TTL.
    const narrowed = ok(await as(admin, ['seats', 'stuck', '--idle', '1s', '--product', 'quick']))
    assert.match(
      narrowed.stdout,
      /\n1 stuck seat\. Free it with: licctl seats release --stale --idle 1s --product quick\n$/,
    )

    const plan = json<{ dryRun: boolean; results: Array<{ status: string }> }>(
      await as(admin, ['seats', 'release', '--stale', '--dry-run', '--json']),
    )
    assert.deepEqual([plan.dryRun, plan.results.map((r) => r.status)], [true, ['will-change']])
    const freed = json<{ results: Array<{ target: string; status: string }>; summary: object }>(
      await as(admin, ['seats', 'release', '--stale', '--json']),
    )
    assert.deepEqual(
      freed.results.map((r) => r.status),
      ['changed'],
    )
    assert.deepEqual(freed.summary, { changed: 1, unchanged: 0, failed: 0 })
    const nothing = ok(await as(admin, ['seats', 'release', '--stale']))
    assert.equal(nothing.stdout.trim(), 'No stale leases: nothing to release.')
    // With --json, a job of no rows prints its document as one with rows does: on one line.
    const none = ok(await as(admin, ['seats', 'release', '--stale', '--json']))
    assert.equal(
      none.stdout,
      '{"dryRun":false,"results":[],"summary":{"changed":0,"unchanged":0,"failed":0}}\n',
    )
    const counts = ok(
      await as(admin, ['seats', 'release', '--stale', '--dry-run', '--jq', '.summary.changed']),
    )
    assert.equal(counts.stdout, '0\n')
    ok(await checkout('dave@acme.test', 'quick', 'ws-3'))
    // Releasing never stops the user: erin can check out again once a seat is free.
    ok(await as(admin, ['seats', 'release', '--user', 'dave@acme.test', '--yes']))
    ok(await checkout('erin@acme.test', 'quick', 'crashy'))
  })

  it('reports usage per member: yes, roaming, no — and lists leases with their state', async () => {
    // bob holds cad-pro on ws-1; erin holds quick (stale soon, still held); carol roams with survey.
    const roam = json<LeaseJson>(
      await checkout('carol@acme.test', 'survey', 'laptop', ['--roam-until', '3d', '--json']),
    )
    assert.equal(roam.state, 'roaming')
    const tooLong = await checkout('carol@acme.test', 'survey', 'laptop-2', ['--roam-until', '30d', '--json'])
    assert.equal(tooLong.code, 3)
    assert.equal(jsonError(tooLong).code, 'roaming_not_allowed')
    // A plain date, as --expires takes one: roaming through that day in acme's time zone (UTC).
    const day = daysFromToday(3)
    const byDate = json<LeaseJson>(
      await checkout('carol@acme.test', 'survey', 'laptop', ['--roam-until', day, '--json']),
    )
    assert.deepEqual(
      [byDate.id, byDate.roamingUntil],
      [roam.id, new Date(Date.parse(day) + 86_400_000).toISOString()],
    )
    const past = await checkout('carol@acme.test', 'survey', 'laptop', ['--roam-until', '2026-01-01'])
    assert.equal(past.code, 2, past.stderr)
    assert.match(
      past.stderr.split('\n')[0]!,
      /^Error: --roam-until: '2026-01-01' has passed \(today is \d{4}-\d\d-\d\d in UTC\): the seat would not roam at all$/,
    )

    const usage = json<{ items: Array<{ email: string; usage: string }> }>(
      await as(admin, ['seats', 'usage', '--json']),
    )
    assert.deepEqual(Object.fromEntries(usage.items.map((u) => [u.email, u.usage])), {
      'admin@acme.test': 'no',
      'bob@acme.test': 'yes',
      'carol@acme.test': 'roaming',
      'dave@acme.test': 'no',
      'erin@acme.test': 'yes',
    })
    const table = ok(await as(admin, ['seats', 'usage']))
    assert.match(table.stdout, /carol@acme\.test\s+-\s+roaming\s+1\s+survey/)
    assert.match(table.stdout, /dave@acme\.test\s+-\s+no\s+0\s+-/)

    const list = ok(await as(admin, ['seats', 'list']))
    assert.match(
      list.stdout,
      /Lease\s+Product\s+User\s+Host\s+Started\s+Last heartbeat\s+Roaming until\s+State/,
    )
    assert.match(list.stdout, /survey\s+carol@acme\.test\s+laptop\s+.*roaming/)
    const roaming = json<{ items: LeaseJson[] }>(
      await as(admin, ['seats', 'list', '--state', 'roaming', '--json']),
    )
    assert.deepEqual(
      roaming.items.map((l) => l.user),
      ['carol@acme.test'],
    )
    const member = await as(tokens['bob@acme.test']!, ['seats', 'list'])
    assert.equal(member.code, 4)
  })

  it('releases roaming leases only with --include-roaming, and from a CSV or JSON file', async () => {
    const carol = (await leases('survey')).find((l) => l.user === 'carol@acme.test')!
    const kept = await as(admin, ['seats', 'release', carol.id, '--yes', '--json'])
    assert.equal(kept.code, 3, 'every row refused for one license rule')
    const doc = JSON.parse(kept.stdout) as { results: Array<{ code: string }> }
    assert.equal(doc.results[0]!.code, 'lease_roaming')
    const csv = join(server.dir, 'release.csv')
    writeFileSync(csv, `lease\n${carol.id}\n`)
    const viaCsv = ok(await as(admin, ['seats', 'release', '--file', csv, '--include-roaming', '--yes']))
    assert.match(viaCsv.stdout, new RegExp(`✓ changed\\s+${carol.id}`))

    const bob = (await leases('cad-pro')).find((l) => l.user === 'bob@acme.test')!
    const file = join(server.dir, 'release.json')
    writeFileSync(
      file,
      JSON.stringify([
        { lease: bob.id },
        { user: 'erin@acme.test' },
        { lease: 'ls_00000000000000000000000000' },
      ]),
    )
    const mixed = await as(admin, ['seats', 'release', '--file', file, '--yes', '--json'])
    assert.equal(mixed.code, 6, 'some rows failed')
    const res = JSON.parse(mixed.stdout) as {
      results: Array<{ target: string; status: string; code?: string }>
    }
    assert.deepEqual(
      res.results.map((r) => [r.target, r.status, r.code]),
      [
        [bob.id, 'changed', undefined],
        ['erin@acme.test', 'changed', undefined],
        ['ls_00000000000000000000000000', 'failed', 'not_found'],
      ],
    )
    assert.deepEqual(await leases(), [])
    const pools = json<{ items: Array<{ product: string; inUse: number; usage: string }> }>(
      await as(admin, ['seats', 'pools', '--json']),
    )
    assert.deepEqual(
      pools.items.map((p) => [p.product, p.inUse, p.usage]),
      [
        ['cad-pro', 0, 'no'],
        ['legacy', 0, 'no'],
        ['quick', 0, 'no'],
        ['survey', 0, 'no'],
      ],
    )
  })

  it('a typo in a target or a filter fails, never passing for "nothing to do"', async () => {
    // Not a member: that row fails, as in `cloud assign`, while a member holding no seat is already so:
    // exit 6 (some rows failed); alone, the failure's own code, 3, as any one-row bulk job exits.
    const mixed = await as(admin, [
      'seats',
      'release',
      '--user',
      'nobody@nowhere.test',
      '--user',
      'bob@acme.test',
      '--yes',
      '--json',
    ])
    assert.equal(mixed.code, 6, mixed.stderr)
    const report = JSON.parse(mixed.stdout) as {
      results: Array<{ target: string; status: string; code?: string }>
    }
    assert.deepEqual(
      report.results.map((r) => [r.target, r.status, r.code]),
      [
        ['nobody@nowhere.test', 'failed', 'not_a_member'],
        ['bob@acme.test', 'already-so', undefined],
      ],
    )
    const alone = await as(admin, ['seats', 'release', '--user', 'nobody@nowhere.test', '--yes'])
    assert.equal(alone.code, 3, alone.stderr)
    assert.match(alone.stdout + alone.stderr, /nobody@nowhere\.test is not a member of this organization/)
    // A pool that does not exist is 404 (exit 5), naming it; one that exists but matches nothing is empty.
    for (const args of [
      ['seats', 'release', '--stale', '--product', 'nope', '--yes'],
      ['seats', 'list', 'nope'],
      ['seats', 'stuck', '--product', 'nope'],
    ]) {
      const res = await as(admin, args)
      assert.equal(res.code, 5, `${args.join(' ')}: ${res.stderr}`)
      assert.equal(res.stderr.split('\n')[0], "Error: seat pool 'nope' not found", args.join(' '))
    }
    const unknownUser = await as(admin, ['seats', 'list', '--user', 'nobody@nowhere.test', '--json'])
    assert.deepEqual(
      [unknownUser.code, jsonError(unknownUser)],
      [5, { code: 'not_found', message: "member 'nobody@nowhere.test' not found" }],
    )
    assert.deepEqual(
      json<{ items: unknown[] }>(await as(admin, ['seats', 'stuck', '--product', 'survey', '--json'])),
      {
        items: [],
      },
    )
  })

  it('turns roaming off with --max-roaming 0, and on again with a duration', async () => {
    const off = json<{ maxRoamingSeconds: number | null }>(
      await op(['seats', 'update', 'survey', '--max-roaming', '0', '--json', 'maxRoamingSeconds']),
    )
    assert.deepEqual(off, { maxRoamingSeconds: null })
    const refused = await checkout('bob@acme.test', 'survey', 'nomad', ['--roam-until', '1h'])
    assert.equal(refused.code, 3, refused.stderr)
    assert.match(refused.stderr, /'survey' allows no roaming/)
    const negative = await op(['seats', 'update', 'survey', '--max-roaming', '-1d'])
    assert.equal(negative.code, 2)
    assert.match(
      negative.stderr,
      /--max-roaming: expected a duration like 90s, 15m, 2h or 14d, or 0 for no roaming/,
    )
    const on = json<{ maxRoamingSeconds: number | null }>(
      await op(['seats', 'update', 'survey', '--max-roaming', '14d', '--json', 'maxRoamingSeconds']),
    )
    assert.deepEqual(on, { maxRoamingSeconds: 14 * 86_400 })
  })

  it('rejects malformed release input whole, before anything is sent (exit 2)', async () => {
    const bad = await as(admin, ['seats', 'release', 'not-a-lease'])
    assert.equal(bad.code, 2)
    assert.match(
      bad.stderr,
      /invalid input, nothing was applied: argument 1 \('not-a-lease'\): not a lease id/,
    )
    const both = await as(admin, ['seats', 'release', '--stale', '--user', 'bob@acme.test'])
    assert.equal(both.code, 2)
    assert.equal(
      both.stderr.trim(),
      'Error: --user and --stale cannot be used together: release by one of lease ids, --user, --stale or --file',
    )
    const idleAlone = await as(admin, ['seats', 'release', 'ls_00000000000000000000000000', '--idle', '2h'])
    assert.equal(idleAlone.code, 2)
    assert.equal(idleAlone.stderr.trim(), 'Error: --idle and --product go with --stale')
  })

  it('after the quick start, an operator command through the admin profile says to use the operator profile (exit 4), and --profile operator or the operator token works', async () => {
    // README's quick start: the operator's profile, then acme's admin's (now current).
    const configDir = join(server.dir, 'quick-start-config')
    const withProfiles = (env: Record<string, string> = {}): CliOptions => ({
      env: { LICCTL_CONFIG_DIR: configDir, ...env },
    })
    const login = (args: string[], token: string) =>
      runCli(['orgs', 'login', '--url', server.url, ...args, '--with-token'], {
        ...withProfiles(),
        input: `${token}\n`,
      })
    ok(await login([], server.operatorToken))
    ok(await login(['--org', 'acme'], admin))
    // As docs/seats.md shows it (with a day still ahead).
    const provision = [
      'seats',
      'provision',
      'quick-start',
      '--org',
      'acme',
      '--seats',
      '5',
      '--expires',
      EXPIRES,
    ]
    const refused = await runCli(provision, withProfiles())
    assert.equal(refused.code, 4)
    assert.equal(
      refused.stderr,
      'Error: only the server operator can do this: use the operator token that `licctl server init` printed (LICCTL_TOKEN=<operator token> licctl …)\n' +
        'Hint: this machine has the operator’s profile: add --profile operator\n',
    )
    const json = await runCli([...provision, '--json'], withProfiles())
    assert.equal(json.code, 4)
    assert.deepEqual(JSON.parse(json.stderr).error.details, { requires: 'operator' })
    assert.equal(jsonError(json).code, 'forbidden')
    // What the hint says to do: the operator's profile for its server and token, acme from --org;
    // the current profile stays acme's.
    const viaProfile = await runCli([...provision, '--profile', 'operator', '--json'], withProfiles())
    ok(viaProfile)
    assert.equal(JSON.parse(viaProfile.stdout).product, 'quick-start')
    const listed = await runCli(['orgs', 'profiles', '--json'], withProfiles())
    const current = (JSON.parse(listed.stdout) as { profiles: Array<{ name: string; current: boolean }> })
      .profiles
    assert.deepEqual(
      current.filter((p) => p.current).map((p) => p.name),
      ['acme'],
    )
    // LICCTL_PROFILE does the same.
    ok(
      await runCli(['seats', 'update', 'quick-start', '--org', 'acme', '--add-seats', '1'], {
        env: { LICCTL_CONFIG_DIR: configDir, LICCTL_PROFILE: 'operator' },
      }),
    )
    // What the message says to do.
    ok(
      await runCli(
        [...provision.map((a) => (a === 'quick-start' ? 'quick-start-2' : a))],
        withProfiles({ LICCTL_TOKEN: server.operatorToken }),
      ),
    )
    // A profile that is not there is not found (5), as for `orgs use`, before any request.
    const unknown = await runCli([...provision, '--profile', 'opertor'], withProfiles())
    assert.equal(unknown.code, 5)
    assert.equal(unknown.stderr.split('\n')[0], "Error: --profile: no profile named 'opertor'")
    assert.match(unknown.stderr, /Hint: known profiles: operator, acme;/)
    // With LICCTL_URL and LICCTL_TOKEN set no profile is read: --profile is refused, not ignored.
    const both = await runCli(
      [...provision, '--profile', 'operator'],
      withProfiles({ LICCTL_URL: server.url, LICCTL_TOKEN: admin }),
    )
    assert.equal(both.code, 2)
    assert.match(
      both.stderr,
      /^Error: --profile 'operator' cannot be used while LICCTL_URL and LICCTL_TOKEN are set/,
    )
  })
})

// `seats list` output fed back to `seats release`, as its --output help promises ("it reads back as
// a bulk --file"). The file's `id` column was ignored and its `user` column read instead: every lease
// of each listed user was released, in-use ones on other pools included.
describe('e2e: seats list output reads back as seats release --file, by lease', function () {
  this.timeout(120_000)
  let server: E2eServer
  let env: Record<string, string>
  const stale: string[] = []
  let active = ''

  const ok = (r: CliResult) => {
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`)
    return r
  }
  const cli = (args: string[]) => runCli(args, { env })

  before(async () => {
    server = await E2eServer.start()
    env = server.env(await server.createOrg('acme', 'admin@acme.test'), 'acme')
    const op = (args: string[]) => server.asOperator([...args, '--org', 'acme'])
    ok(await op(['seats', 'provision', 'quick', '--seats', '5', '--expires', EXPIRES, '--lease-ttl', '1s']))
    ok(await op(['seats', 'provision', 'cad-pro', '--seats', '5', '--expires', EXPIRES]))
    ok(await cli(['orgs', 'users', 'add', 'u1@acme.test', 'u2@acme.test']))
    const tokens: Record<string, string> = {}
    for (const u of ['u1', 'u2'])
      tokens[u] = (
        JSON.parse(
          ok(await cli(['orgs', 'tokens', 'create', '--user', `${u}@acme.test`, '--json'])).stdout,
        ) as {
          token: string
        }
      ).token
    const checkout = async (u: string, product: string, host: string) =>
      (
        JSON.parse(
          ok(
            await runCli(['seats', 'checkout', product, '--host', host, '--json'], {
              env: { ...env, LICCTL_TOKEN: tokens[u]! },
            }),
          ).stdout,
        ) as { id: string }
      ).id
    stale.push(await checkout('u1', 'quick', 'crashy-u1'), await checkout('u2', 'quick', 'crashy-u2'))
    await sleep(1600) // TTL 1s: both quick leases are stale
    active = await checkout('u1', 'cad-pro', 'extra-u1') // u1's other lease, in use
  })
  after(async () => server.stop())

  it('plans the listed leases from CSV, TSV and JSON, whole or with only the id', async () => {
    const exports: Array<[string, string[]]> = [
      ['stale.csv', ['--output', 'csv']],
      ['ids.csv', ['--output', 'csv', '--json', 'id']],
      ['stale.tsv', ['--output', 'tsv']],
      ['stale.json', ['--json']],
      ['ids.json', ['--json', 'id']],
    ]
    for (const [name, flags] of exports) {
      const file = join(server.dir, name)
      writeFileSync(file, ok(await cli(['seats', 'list', '--state', 'stale', ...flags])).stdout)
      const plan = ok(await cli(['seats', 'release', '--file', file, '--dry-run', '--json']))
      const results = (JSON.parse(plan.stdout) as { results: Array<{ target: string; status: string }> })
        .results
      assert.deepEqual(
        results.map((r) => [r.target, r.status]),
        stale.map((id) => [id, 'will-change']),
        name,
      )
    }
  })

  it('releases the listed stale leases only, with --yes: the user’s lease in use stays', async () => {
    const file = join(server.dir, 'stale.csv')
    const res = ok(await cli(['seats', 'release', '--file', file, '--yes']))
    assert.deepEqual(res.stdout.trimEnd().split('\n'), [
      // Each row says whose seat it freed: a lease id alone names no one to tell.
      `✓ changed     ${stale[0]} — quick: u1@acme.test on crashy-u1`,
      `✓ changed     ${stale[1]} — quick: u2@acme.test on crashy-u2`,
      'Done (release seats): 2 changed, 0 unchanged, 0 failed.',
    ])
    const left = JSON.parse(ok(await cli(['seats', 'list', '--json', 'id,host'])).stdout) as object
    assert.deepEqual(left, { items: [{ id: active, host: 'extra-u1' }] })
  })
})
