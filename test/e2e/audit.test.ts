import { strict as assert } from 'node:assert'
import { sql } from 'kysely'
import { openStorage } from '../../src/storage/open.js'
import { runCli, type CliResult, type E2eServer } from '../helpers/e2e.js'
import { generateActivationId, issueRouterKeys, provisionAddon, startAcme } from '../helpers/e2e-acme.js'

interface Entry {
  id: string
  actor: string
  action: string
  target: string
  before: unknown
  after: unknown
  requestId: string | null
  jobId: string | null
  seq: number
  hash: string
}

describe('e2e: the audit log', function () {
  let server: E2eServer
  let admin: string
  let leaseA = ''
  let leaseB = ''
  let tokenId = ''
  const cli = (args: string[], token = admin) => runCli(args, { env: server.env(token, 'acme') })
  const op = (args: string[]) => server.asOperator([...args, '--org', 'acme'])
  const ok = (r: CliResult) => {
    assert.equal(r.code, 0, r.stderr)
    return r
  }
  const ndjson = (r: CliResult): Entry[] =>
    r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Entry)

  before(async function () {
    this.timeout(120_000)
    ;({ server, admin } = await startAcme('2026-03-02T09:00:00Z'))
    // One mutation of each kind, of every topic.
    ok(await cli(['orgs', 'update', '--contact-phone', '+1 555 0100']))
    ok(await cli(['orgs', 'users', 'add', 'bob@acme.test', 'carol@acme.test', 'dave@acme.test']))
    ok(await cli(['orgs', 'users', 'set-role', 'carol@acme.test', 'admin']))
    tokenId = JSON.parse(ok(await cli(['orgs', 'tokens', 'create', '--name', 'ci', '--json'])).stdout).id
    ok(await cli(['orgs', 'tokens', 'revoke', tokenId, '--yes']))
    ok(await op(['seats', 'provision', 'cad', '--seats', '5', '--expires', '2027-01-31']))
    ok(await op(['seats', 'update', 'cad', '--add-seats', '2']))
    const out = async (user: string, host: string) =>
      JSON.parse(ok(await cli(['seats', 'checkout', 'cad', '--user', user, '--host', host, '--json'])).stdout)
        .id as string
    leaseA = await out('bob@acme.test', 'ws-1')
    leaseB = await out('carol@acme.test', 'ws-2')
    ok(await cli(['seats', 'checkin', leaseA]))
    ok(await cli(['seats', 'release', leaseB, '--yes']))
    await provisionAddon(server, 'cp', { total: 3, expires: '2027-01-31' })
    ok(await op(['cloud', 'update', 'cp', '--total', '4']))
    ok(await cli(['cloud', 'assign', 'cp', 'bob@acme.test', 'dave@acme.test']))
    ok(await cli(['cloud', 'revoke', 'cp', 'dave@acme.test']))
    ok(await cli(['orgs', 'users', 'remove', 'bob@acme.test', '--yes']))
  })
  after(async () => server.stop())

  it('records every mutation of every topic with actor, target, before and after', async () => {
    const entries = ndjson(ok(await cli(['orgs', 'audit', '--all', '--json']))).reverse()
    const rows = entries.map((e) => [e.action, e.actor, e.target, e.before, e.after])
    const expected = [
      ['org.create', 'operator', 'acme', null, { name: 'ACME' }],
      ['user.add', 'operator', 'alice@acme.test', null, { role: 'admin' }],
      ['org.update', 'alice@acme.test', 'acme', { contactPhone: null }, { contactPhone: '+1 555 0100' }],
      ['user.add.bulk', 'alice@acme.test', 'acme', null, { rows: 3, changed: 3, unchanged: 0, failed: 0 }],
      ['user.add', 'alice@acme.test', 'bob@acme.test', null, { role: 'member' }],
      ['user.add', 'alice@acme.test', 'carol@acme.test', null, { role: 'member' }],
      ['user.add', 'alice@acme.test', 'dave@acme.test', null, { role: 'member' }],
      ['user.set-role', 'alice@acme.test', 'carol@acme.test', { role: 'member' }, { role: 'admin' }],
      [
        'token.create',
        'alice@acme.test',
        tokenId,
        null,
        { user: 'alice@acme.test', readOnly: false, name: 'ci' },
      ],
      ['token.revoke', 'alice@acme.test', tokenId, { user: 'alice@acme.test' }, null],
      [
        'seats.provision',
        'operator',
        'cad',
        { seats: 0 },
        { seats: 5, expiresAt: '2027-02-01T00:00:00.000Z' },
      ],
      [
        'seats.update',
        'operator',
        'cad',
        { seats: 5, used: 0, expiresAt: '2027-02-01T00:00:00.000Z' },
        { seats: 7, used: 0, expiresAt: '2027-02-01T00:00:00.000Z' },
      ],
      [
        'seats.checkout',
        'alice@acme.test',
        `cad/${leaseA}`,
        { used: 0 },
        { used: 1, user: 'bob@acme.test', host: 'ws-1' },
      ],
      [
        'seats.checkout',
        'alice@acme.test',
        `cad/${leaseB}`,
        { used: 1 },
        { used: 2, user: 'carol@acme.test', host: 'ws-2' },
      ],
      [
        'seats.checkin',
        'alice@acme.test',
        `cad/${leaseA}`,
        { used: 2, user: 'bob@acme.test', host: 'ws-1' },
        { used: 1, reason: 'checked in' },
      ],
      [
        'seats.release',
        'alice@acme.test',
        `cad/${leaseB}`,
        { used: 1, user: 'carol@acme.test', host: 'ws-2' },
        { used: 0, reason: 'released by an admin' },
      ],
      [
        'cloud.provision',
        'operator',
        'cp',
        { total: 0 },
        { name: 'Cloud Processing', total: 3, expiresAt: '2027-02-01T00:00:00.000Z' },
      ],
      [
        'cloud.update',
        'operator',
        'cp',
        { name: 'Cloud Processing', total: 3, expiresAt: '2027-02-01T00:00:00.000Z' },
        { name: 'Cloud Processing', total: 4, expiresAt: '2027-02-01T00:00:00.000Z' },
      ],
      ['cloud.assign.bulk', 'alice@acme.test', 'cp', null, { rows: 2, changed: 2, unchanged: 0, failed: 0 }],
      ['cloud.assign', 'alice@acme.test', 'cp/bob@acme.test', { assigned: 0 }, { assigned: 1 }],
      ['cloud.assign', 'alice@acme.test', 'cp/dave@acme.test', { assigned: 1 }, { assigned: 2 }],
      ['cloud.revoke', 'alice@acme.test', 'cp/dave@acme.test', { assigned: 2 }, { assigned: 1 }],
      [
        'cloud.revoke',
        'alice@acme.test',
        'cp/bob@acme.test',
        { assigned: 1 },
        { assigned: 0, reason: 'member removed' },
      ],
      [
        'user.remove',
        'alice@acme.test',
        'bob@acme.test',
        { role: 'member' },
        {
          email: 'bob@acme.test',
          tokensRevoked: 0,
          leasesReleased: [],
          addonsRevoked: ['cp'],
          releases: [
            { topic: 'seats', action: 'released', noun: 'seats', count: 0, items: [] },
            { topic: 'cloud', action: 'revoked', noun: 'add-ons', count: 1, items: ['cp'] },
            { topic: 'tokens', action: 'revoked', noun: 'tokens', count: 0, items: [] },
          ],
        },
      ],
    ]
    assert.deepEqual(rows, expected)
    // In chain order, and every entry carries the request that made it.
    assert.deepEqual(
      entries.map((e) => e.seq),
      entries.map((_, i) => i + 1),
    )
    assert.ok(entries.every((e) => e.requestId !== null && /^[A-Za-z0-9._:-]+$/.test(e.requestId)))
  })

  it('links a bulk job to its rows, and orgs audit show shows the job with them', async () => {
    const entries = ndjson(ok(await cli(['orgs', 'audit', '--action', 'cloud.assign', '--all', '--json'])))
    const job = entries.find((e) => e.action === 'cloud.assign.bulk')!
    const rows = entries.filter((e) => e.action === 'cloud.assign')
    assert.deepEqual(
      rows.map((r) => r.jobId),
      [job.id, job.id],
    )
    assert.ok(rows.every((r) => r.requestId === job.requestId))
    const shown = JSON.parse(ok(await cli(['orgs', 'audit', 'show', job.id, '--json'])).stdout)
    assert.equal(shown.entry.id, job.id)
    assert.equal(shown.job, null)
    assert.deepEqual(
      shown.rows.map((r: Entry) => r.target),
      ['cp/bob@acme.test', 'cp/dave@acme.test'],
    )
    const row = JSON.parse(ok(await cli(['orgs', 'audit', 'show', rows[0]!.id, '--json'])).stdout)
    assert.equal(row.job.id, job.id)
    const text = ok(await cli(['orgs', 'audit', 'show', job.id])).stdout
    assert.match(text, /^Rows of this job \(2\):$/m)
    // Its time as orgs audit's table shows it (off a terminal: to the minute, UTC); ISO in --json only.
    const minute = (shown.entry.at as string).slice(0, 16).replace('T', ' ')
    assert.match(text, new RegExp(`^Time +${minute}Z$`, 'm'))
    const missing = await cli(['orgs', 'audit', 'show', 'ev_nope'])
    assert.equal(missing.code, 5)
  })

  it('filters by actor, target (an end of it) and until', async () => {
    const byOperator = ndjson(ok(await cli(['orgs', 'audit', '--actor', 'operator', '--all', '--json'])))
    assert.deepEqual(byOperator.map((e) => e.action).reverse(), [
      'org.create',
      'user.add',
      'seats.provision',
      'seats.update',
      'cloud.provision',
      'cloud.update',
    ])
    const aboutDave = ndjson(
      ok(await cli(['orgs', 'audit', '--target', 'dave@acme.test', '--all', '--json'])),
    )
    assert.deepEqual(aboutDave.map((e) => `${e.action} ${e.target}`).reverse(), [
      'user.add dave@acme.test',
      'cloud.assign cp/dave@acme.test',
      'cloud.revoke cp/dave@acme.test',
    ])
    const none = ok(await cli(['orgs', 'audit', '--until', '2026-03-01']))
    assert.equal(none.stdout, 'No audit entries.\n')
  })

  it('counts --since and --until durations on the server’s clock, not this machine’s', async () => {
    // The server's clock started at 2026-03-02 09:00, months before this machine's: on it, every
    // entry is from the last hour. Counted here, `--since 1h` would find none and `--until 1h` all.
    const all = ndjson(ok(await cli(['orgs', 'audit', '--all', '--json'])))
    assert.deepEqual(ndjson(ok(await cli(['orgs', 'audit', '--since', '1h', '--all', '--json']))), all)
    assert.equal(ok(await cli(['orgs', 'audit', '--until', '1h'])).stdout, 'No audit entries.\n')
    assert.equal(
      ok(await cli(['orgs', 'audit', '--since', '2h', '--until', '1h'])).stdout,
      'No audit entries.\n',
    )
    // An instant against a duration: compared on the server's clock too, and named by the flag.
    const mixed = await cli(['orgs', 'audit', '--since', '2026-03-02T08:30:00Z', '--until', '1h'])
    assert.equal(mixed.code, 2, mixed.stderr)
    assert.equal(
      mixed.stderr.split('\n')[0],
      "Error: --until: must be after since (2026-03-02T08:30:00.000Z), got '1h'",
    )
    // Further back than the earliest time licctl stores, on the server's clock.
    const early = await cli(['orgs', 'audit', '--since', '25000d'])
    assert.equal(early.code, 2, early.stderr)
    assert.equal(
      early.stderr.split('\n')[0],
      "Error: --since: before 1970-01-01T00:00:00Z, the earliest time licctl stores, got '25000d'",
    )
  })

  it('says when --limit cut the list (on stderr, not with --json), and not when it did not', async () => {
    const all = ndjson(ok(await cli(['orgs', 'audit', '--all', '--json'])))
    const cut = ok(await cli(['orgs', 'audit', '--limit', '2']))
    assert.equal(cut.stdout.trimEnd().split('\n').length, 1 + 2)
    assert.equal(
      cut.stderr,
      'Showing the newest 2 entries; more match: a larger --limit or --all lists them.\n',
    )
    const one = ok(await cli(['orgs', 'audit', '--limit', '1', '--output', 'csv']))
    assert.equal(one.stdout.trimEnd().split('\n').length, 1 + 1)
    assert.equal(
      one.stderr,
      'Showing the newest 1 entry; more match: a larger --limit or --all lists them.\n',
    )
    const json = ok(await cli(['orgs', 'audit', '--limit', '2', '--json']))
    assert.equal((JSON.parse(json.stdout) as { items: unknown[] }).items.length, 2)
    assert.equal(json.stderr, '')
    // Exactly as many as match: nothing was cut.
    const whole = ok(await cli(['orgs', 'audit', '--limit', String(all.length)]))
    assert.equal(whole.stdout.trimEnd().split('\n').length, 1 + all.length)
    assert.equal(whole.stderr, '')
  })

  it('exports CSV with a header and one row per entry', async () => {
    const all = ndjson(ok(await cli(['orgs', 'audit', '--all', '--json'])))
    const csv = ok(await cli(['orgs', 'audit', '--all', '--output', 'csv']))
      .stdout.trimEnd()
      .split('\n')
    assert.equal(csv[0], 'id,at,actor,action,target,before,after,requestId,jobId,seq,hash')
    assert.equal(csv.length, all.length + 1)
    assert.ok(csv[1]!.startsWith(`${all[0]!.id},`))
  })

  it('verify exits 0 on the intact log and prints the head hash; after an entry is altered with SQL it names it and exits 1', async () => {
    const entries = ndjson(ok(await cli(['orgs', 'audit', '--all', '--json'])))
    const good = ok(await cli(['orgs', 'audit', 'verify', '--json']))
    const report = JSON.parse(good.stdout)
    assert.deepEqual(report, {
      org: 'acme',
      intact: true,
      entries: entries.length,
      head: { seq: entries.length, hash: entries[0]!.hash },
      broken: null,
    })
    const victim = entries.find((e) => e.action === 'user.set-role')!
    const storage = await openStorage((server as unknown as { db: { url: string } }).db.url)
    try {
      // A tamperer with the database: the triggers must go first.
      await sql`drop trigger audit_events_no_update`.execute(storage.db)
      await sql`update audit_events set after = ${'{"role":"member"}'} where id = ${victim.id}`.execute(
        storage.db,
      )
    } finally {
      await storage.close()
    }
    const bad = await cli(['orgs', 'audit', 'verify', '--json'])
    assert.equal(bad.code, 1)
    const broken = JSON.parse(bad.stdout)
    assert.deepEqual(broken.broken, {
      id: victim.id,
      seq: victim.seq,
      reason: 'altered',
      message: `entry ${victim.seq} (${victim.id}) was altered: its content no longer matches its hash`,
    })
    // The exit code is the verdict's, whatever the output format (jq-wasm used to reset it to 0).
    const filtered = await cli(['orgs', 'audit', 'verify', '--jq', '.intact'])
    assert.equal(filtered.code, 1, filtered.stderr)
    assert.equal(filtered.stdout, 'false\n')
    const text = await cli(['orgs', 'audit', 'verify'])
    assert.equal(text.code, 1)
    assert.match(text.stdout, /^Chain\s+BROKEN$/m)
    assert.match(text.stdout, new RegExp(`^First mismatch\\s+${victim.id}$`, 'm'))
    // What held is the part before the break, not the log's head: never labelled as the head to keep.
    const lastGood = entries.find((e) => e.seq === victim.seq - 1)!
    assert.doesNotMatch(text.stdout, /^(Head|Entries)\s/m)
    assert.match(text.stdout, new RegExp(`^Verified\\s+${lastGood.seq} entries before the break$`, 'm'))
    assert.match(text.stdout, new RegExp(`^Last good\\s+${lastGood.seq} ${lastGood.hash}$`, 'm'))
  })

  it('records the devices and activations mutations too, each with its actor and its change', async () => {
    const before = ndjson(ok(await cli(['orgs', 'audit', '--all', '--json']))).length
    // Devices: a category and a key (operator), the key added, a device added, licensed, detached.
    ok(await op(['devices', 'categories', 'add', 'router', '--models', 'R-1']))
    const [issued] = await issueRouterKeys(server, 1)
    ok(await cli(['devices', 'keys', 'add', issued!.key, '--accept-terms']))
    ok(await cli(['devices', 'add', 'R-SN-1', '--model', 'R-1']))
    ok(await cli(['devices', 'assign', 'R-SN-1']))
    ok(await cli(['devices', 'detach', 'R-SN-1', '--yes']))
    // Activations: an entitlement (operator), an ID generated, activated, deactivated, returned.
    const id = await generateActivationId(server, admin, {
      product: 'flow',
      seats: 4,
      quantity: 2,
      expires: '2027-01-31',
    })
    ok(await cli(['activations', 'activate', id, '--host', 'lic-1', '--seats', '2']))
    ok(await cli(['activations', 'deactivate', id, '--host', 'lic-1']))
    ok(await cli(['activations', 'return', id, '--yes']))
    const entries = ndjson(ok(await cli(['orgs', 'audit', '--all', '--json'])))
      .reverse()
      .slice(before)
    const seen = entries.map((e) => `${e.action} by ${e.actor}`)
    for (const expected of [
      'devices.keys.add by alice@acme.test',
      'devices.add by alice@acme.test',
      'devices.assign by alice@acme.test',
      'devices.detach by alice@acme.test',
      'activations.provision by operator',
      'activations.generate by alice@acme.test',
      'activations.activate by alice@acme.test',
      'activations.deactivate by alice@acme.test',
      'activations.return by alice@acme.test',
    ])
      assert.ok(seen.includes(expected), `${expected} not in ${seen.join(', ')}`)
    // Every entry of these topics says what changed: a state before or after, never neither.
    for (const e of entries.filter((x) => /^(devices|activations)\./.test(x.action)))
      assert.ok(e.before !== null || e.after !== null, `${e.action} ${e.target} records no change`)
  })
})
