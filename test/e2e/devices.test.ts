import { strict as assert } from 'node:assert'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { issueKey, keySymbols, withCheckSymbols, ALPHABET } from '../../src/domain/license-key.js'
import { E2eServer, jsonError, runCli, type CliResult } from '../helpers/e2e.js'
import { runInPty } from '../helpers/pty.js'
import { issueKeysArgs, issuedKeys } from '../../scripts/lib/device-keys.js'

interface BulkDoc {
  dryRun: boolean
  results: Array<{
    row: number
    target: string
    status: string
    code?: string
    details?: Record<string, unknown>
  }>
  summary: { changed: number; unchanged: number; failed: number }
}

// The real server (started with --clock at the chosen instants) and the real CLI.
describe('e2e: devices', function () {
  this.timeout(180_000)
  let server: E2eServer
  let admin: string
  let globex: string
  /** Server URLs by the day their clock starts on (processes on the same database). */
  const on: Record<string, string> = {}

  const as = (token: string, args: string[], opts: { url?: string; org?: string; input?: string } = {}) =>
    runCli(args, {
      env: { ...server.env(token, opts.org ?? 'acme'), ...(opts.url ? { LICCTL_URL: opts.url } : {}) },
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    })
  const ok = (r: CliResult) => {
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`)
    return r
  }
  const json = <T>(r: CliResult): T => JSON.parse(ok(r).stdout) as T
  const issue = async (category: string, term: string, count: number) =>
    issuedKeys(ok(await server.asOperator(issueKeysArgs({ category, term, count }))).stdout)[0]!.key

  before(async () => {
    server = await E2eServer.start({ clock: '2024-01-31T10:00:00Z' })
    on['2024-01-31'] = server.url
    on['2024-03-06'] = await server.listen('2024-03-06T10:00:00Z')
    on['2024-03-07'] = await server.listen('2024-03-07T10:00:00Z')
    admin = await server.createOrg('acme', 'ann@acme.test')
    globex = await server.createOrg('globex', 'gus@globex.test')
    ok(await server.asOperator(['devices', 'categories', 'add', 'router', '--models', 'R-1000,R-2000']))
    ok(await server.asOperator(['devices', 'categories', 'add', 'access-point', '--models', 'AP-10']))
  })
  after(async () => server.stop())

  it('refuses --models with an empty name (exit 2) rather than adding a category with no models', async () => {
    const r = await server.asOperator(['devices', 'categories', 'add', 'sw2', '--models', ',,', '--json'])
    assert.deepEqual(
      [r.code, jsonError(r).message],
      [2, "--models: expected names separated by commas, with none empty, got ',,'"],
    )
    const list = await server.asOperator(['devices', 'categories', 'list', '--json'])
    assert.ok(!list.stdout.includes('"sw2"'), list.stdout)
  })

  it('catches a mistyped key without any request (exit 2, naming the group)', async () => {
    const key = await issue('access-point', '1y', 1)
    const s = keySymbols(key)
    s[7] = (s[7]! + 1) % 32 // one character of group 2
    const typo = [0, 5, 10, 15, 20]
      .map((g) =>
        s
          .slice(g, g + 5)
          .map((v) => ALPHABET[v])
          .join(''),
      )
      .join('-')
    // a server URL nothing listens on: any request would fail with exit 1
    const r = await runCli(['devices', 'keys', 'add', typo, '--accept-terms'], {
      env: { LICCTL_URL: 'http://127.0.0.1:9', LICCTL_TOKEN: admin, LICCTL_ORG: 'acme' },
    })
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, /key looks mistyped: check group 2/)
    const swapped = key.slice(0, 1) + key[2] + key[1] + key.slice(3)
    if (key[1] !== key[2]) {
      const r2 = await runCli(['devices', 'keys', 'add', swapped, '--accept-terms', '--json'], {
        env: { LICCTL_URL: 'http://127.0.0.1:9', LICCTL_TOKEN: admin, LICCTL_ORG: 'acme' },
      })
      assert.equal(r2.code, 2)
      assert.equal(jsonError(r2).code, 'key_mistyped')
    }
  })

  it('refuses a forged key, the terms not accepted, a key added twice and by another org', async () => {
    const forged = await as(admin, [
      'devices',
      'keys',
      'add',
      issueKey('someone-elses-secret').key,
      '--accept-terms',
      '--json',
    ])
    assert.equal(forged.code, 3)
    assert.equal(jsonError(forged).code, 'invalid_key')
    const real = await issue('access-point', '1y', 1)
    const altered = keySymbols(real)
    altered[15] = (altered[15]! + 3) % 32 // the tag, with the check characters made right again
    const alteredRes = await as(admin, [
      'devices',
      'keys',
      'add',
      withCheckSymbols(altered),
      '--accept-terms',
      '--json',
    ])
    assert.deepEqual([alteredRes.code, jsonError(alteredRes).code], [3, 'invalid_key'])
    const noTerms = await as(admin, ['devices', 'keys', 'add', real, '--json'])
    assert.deepEqual([noTerms.code, jsonError(noTerms).code], [3, 'terms_not_accepted'])
    const added = json<{ serial: string; count: number; addedBy: string }>(
      await as(admin, ['devices', 'keys', 'add', real, '--accept-terms', '--json']),
    )
    assert.deepEqual([added.count, added.addedBy], [1, 'ann@acme.test'])
    const twice = await as(admin, ['devices', 'keys', 'add', real, '--accept-terms'])
    assert.equal(twice.code, 3)
    assert.match(twice.stderr, /already added to 'acme' by ann@acme\.test at 2024-01-31T1\d:\d\d/)
    const other = await as(globex, ['devices', 'keys', 'add', real, '--accept-terms', '--json'], {
      org: 'globex',
    })
    assert.deepEqual([other.code, jsonError(other).code], [3, 'key_already_added'])
    const keys = json<{ items: Array<{ serial: string; state: string }> }>(
      await as(admin, ['devices', 'keys', 'list', '--json']),
    )
    assert.deepEqual(
      keys.items.map((k) => [k.serial, k.state]),
      [[added.serial, 'available']],
    )
  })

  it('runs the worked example: assign 2024-01-31, detach 2024-03-06 (327 days back), reassign 2024-03-07', async () => {
    ok(await as(admin, ['devices', 'add', 'AP-A', 'AP-B', '--model', 'AP-10']))
    const a = json<BulkDoc>(
      await as(admin, ['devices', 'assign', 'AP-A', '--json'], { url: on['2024-01-31']! }),
    )
    assert.equal(a.results[0]!.details!.validUntil, '2025-01-30')
    assert.equal(a.results[0]!.details!.addedDays, 365)
    // destructive: refused off a terminal without --yes
    const noYes = await as(admin, ['devices', 'detach', 'AP-A'], { url: on['2024-03-06']! })
    assert.equal(noYes.code, 2)
    assert.match(noYes.stderr, /--yes/)
    const plan = json<BulkDoc>(
      await as(admin, ['devices', 'detach', 'AP-A', '--dry-run', '--json'], { url: on['2024-03-06']! }),
    )
    assert.deepEqual(
      [
        plan.results[0]!.status,
        plan.results[0]!.details!.returnedDays,
        plan.results[0]!.details!.validUntilIfReassignedTomorrow,
        // No name: the license is named when the days go back, and a dry run's would never exist.
        plan.results[0]!.details!.returnedLicense,
      ],
      ['will-change', 327, '2025-01-28', null],
    )
    const d = json<BulkDoc>(
      await as(admin, ['devices', 'detach', 'AP-A', '--yes', '--json'], { url: on['2024-03-06']! }),
    )
    assert.deepEqual(
      {
        returnedDays: d.results[0]!.details!.returnedDays,
        lostDays: d.results[0]!.details!.lostDays,
        usedDays: d.results[0]!.details!.usedDays,
      },
      { returnedDays: 327, lostDays: 2, usedDays: 36 },
    )
    const r = json<BulkDoc>(
      await as(admin, ['devices', 'assign', 'AP-B', '--json'], { url: on['2024-03-07']! }),
    )
    assert.deepEqual(r.results[0]!.details, {
      licenses: [d.results[0]!.details!.returnedLicense],
      addedDays: 327,
      validUntil: '2025-01-28',
    })
    const shown = json<{ validUntil: string; licensed: boolean }>(
      await as(admin, ['devices', 'show', 'AP-B', '--json'], { url: on['2024-03-07']! }),
    )
    assert.deepEqual([shown.licensed, shown.validUntil], [true, '2025-01-28'])
  })

  it('refuses a license of the wrong category (exit 3, naming the category)', async () => {
    const key = await issue('router', '3y', 1)
    ok(await as(admin, ['devices', 'keys', 'add', key, '--accept-terms']))
    ok(await as(admin, ['devices', 'add', 'AP-C', '--category', 'access-point']))
    const pool = json<{ licenses: Array<{ name: string; category: string }> }>(
      await as(admin, ['devices', 'pool', '--json']),
    )
    const routerLicense = pool.licenses.find((l) => l.category === 'router')!.name
    const wrong = await as(admin, ['devices', 'assign', 'AP-C', '--license', routerLicense, '--json'])
    assert.equal(wrong.code, 3, wrong.stderr)
    const doc = JSON.parse(wrong.stdout) as BulkDoc
    assert.equal(doc.results[0]!.code, 'wrong_category')
    // a named license is one license: --count beside it is refused, never ignored
    const both = await as(admin, [
      'devices',
      'assign',
      'AP-C',
      '--license',
      routerLicense,
      '--count',
      '3',
      '--json',
    ])
    assert.equal(both.code, 2, both.stderr)
    assert.equal(jsonError(both).message, '--count and --license cannot be used together')
    const none = await as(admin, ['devices', 'assign', 'AP-C'])
    assert.equal(none.code, 3)
    assert.match(none.stdout + none.stderr, /no free license of category 'access-point'/)
  })

  it('devices add, then remove, SN-1 and sn-1 as two devices: a serial in another case is no duplicate', async () => {
    // In no particular order: oclif hands a repeated argument over right after its first.
    const outcome = (r: CliResult) =>
      (JSON.parse(r.stdout) as BulkDoc).results.map((x) => `${x.target} ${x.status}`).sort()
    const added = await as(admin, [
      'devices',
      'add',
      'CASE-1',
      'case-1',
      'CASE-1',
      '--model',
      'AP-10',
      '--json',
    ])
    assert.equal(added.code, 0, added.stderr)
    assert.deepEqual(outcome(added), ['CASE-1 changed', 'CASE-1 duplicate', 'case-1 changed'])
    const listed = json<{ items: Array<{ serial: string }> }>(await as(admin, ['devices', 'list', '--json']))
    assert.deepEqual(
      listed.items.map((d) => d.serial).filter((s) => s.toLowerCase() === 'case-1'),
      ['CASE-1', 'case-1'],
    )
    const removed = await as(admin, ['devices', 'remove', 'case-1', 'CASE-1', '--yes', '--json'])
    assert.equal(removed.code, 0, removed.stderr)
    assert.deepEqual(outcome(removed), ['CASE-1 changed', 'case-1 changed'])
  })

  it('refuses a serial with a space before or after it (exit 2, naming it), in an argument or a quoted cell: nothing is added', async () => {
    const spaced = await as(admin, ['devices', 'add', 'SP-1 ', '--model', 'AP-10'])
    assert.equal(spaced.code, 2, spaced.stderr)
    assert.match(spaced.stderr, /starts or ends with a space: serials are taken as typed/)
    const shown = await as(admin, ['devices', 'show', ' SP-1'])
    assert.equal(shown.code, 2, shown.stderr)
    assert.match(shown.stderr, /starts or ends with a space: serials are taken as typed/)
    const file = join(server.dir, 'spaced-serials.csv')
    writeFileSync(file, 'serial,model\nSP-2,AP-10\n" SP-3",AP-10\n')
    const fromFile = await as(admin, ['devices', 'add', '--file', file])
    assert.equal(fromFile.code, 2, fromFile.stderr)
    assert.match(
      fromFile.stderr,
      /row 3, column serial: starts or ends with a space: serials are taken as typed/,
    )
    const listed = json<{ items: Array<{ serial: string }> }>(await as(admin, ['devices', 'list', '--json']))
    assert.deepEqual(
      listed.items.map((d) => d.serial).filter((s) => s.startsWith('SP-')),
      [],
    )
  })

  it('transfers a key to an org the caller is admin of, with the token from their profile, and refuses the rest', async () => {
    const initech = await server.createOrg('initech', 'ann@acme.test')
    const key = await issue('router', '1y', 2)
    ok(await as(admin, ['devices', 'keys', 'add', key, '--accept-terms']))
    // To its own organization: the refusal names the flag.
    const same = await as(admin, ['devices', 'transfer', '--to', 'acme', '--key', key, '--json'])
    assert.deepEqual(
      [same.code, jsonError(same)],
      [
        2,
        {
          code: 'validation_failed',
          message: "--to: the licenses are already in 'acme'; name another organization",
        },
      ],
    )
    const noProfile = await as(admin, ['devices', 'transfer', '--to', 'initech', '--key', key, '--json'])
    assert.deepEqual([noProfile.code, jsonError(noProfile).code], [4, 'not_logged_in'])
    ok(
      await runCli(['orgs', 'login', '--url', server.url, '--org', 'initech', '--with-token'], {
        env: { LICCTL_CONFIG_DIR: join(server.dir, 'config') },
        input: initech,
      }),
    )
    // That login made initech's profile current: a transfer that names no source (docs/devices.md's
    // next line, run from that profile) is from initech to initech, and the refusal says where
    // initech came from. With the source named (LICCTL_ORG, above) there is nothing to add.
    const fromCurrent = await runCli(['devices', 'transfer', '--to', 'initech', '--key', key], {
      env: { LICCTL_CONFIG_DIR: join(server.dir, 'config') },
    })
    assert.deepEqual(
      [fromCurrent.code, fromCurrent.stderr],
      [
        2,
        "Error: --to: the licenses are already in 'initech'; name another organization\n" +
          "Hint: 'initech' is the current profile's organization (`orgs login` and `orgs use` change it): name the one the licenses are in with --org <slug>\n",
      ],
    )
    // one license of the key assigned: the key is refused, the other license moves alone
    ok(await as(admin, ['devices', 'add', 'R-X', '--model', 'R-1000']))
    const serial = key.replace(/-/g, '').slice(0, 12)
    ok(await as(admin, ['devices', 'assign', 'R-X', '--license', `${serial}-1`]))
    const whole = await as(admin, ['devices', 'transfer', '--to', 'initech', '--key', key, '--json'])
    assert.deepEqual([whole.code, jsonError(whole).code], [3, 'license_assigned'])
    const assigned = await as(admin, [
      'devices',
      'transfer',
      '--to',
      'initech',
      '--license',
      `${serial}-1`,
      '--json',
    ])
    assert.deepEqual([assigned.code, jsonError(assigned).code], [3, 'license_assigned'])
    const moved = json<{ licenses: string[]; to: string }>(
      await as(admin, ['devices', 'transfer', '--to', 'initech', '--license', `${serial}-2`, '--json']),
    )
    assert.deepEqual(moved, {
      from: 'acme',
      to: 'initech',
      key: null,
      licenses: [`${serial}-2`],
      already: [],
      changed: true,
    })
    const theirs = json<{ licenses: Array<{ name: string }> }>(
      await as(initech, ['devices', 'pool', '--json'], { org: 'initech' }),
    )
    assert.deepEqual(
      theirs.licenses.map((l) => l.name),
      [`${serial}-2`],
    )
    // A whole key by its serial, as `devices keys list` shows it (the full key is printed once, at issue)
    const key2 = await issue('router', '1y', 1)
    ok(await as(admin, ['devices', 'keys', 'add', key2, '--accept-terms']))
    const serial2 = key2.replace(/-/g, '').slice(0, 12)
    const listed = json<{ items: Array<{ serial: string }> }>(
      await as(admin, ['devices', 'keys', 'list', '--json']),
    )
    assert.ok(
      listed.items.some((k) => k.serial === serial2),
      JSON.stringify(listed),
    )
    const bySerial = json<{ key: string | null; licenses: string[] }>(
      await as(admin, ['devices', 'transfer', '--to', 'initech', '--key', serial2.toLowerCase(), '--json']),
    )
    assert.deepEqual([bySerial.key, bySerial.licenses], [serial2, [`${serial2}-1`]])
    // The human line counts in words: one license, or three licenses
    const key3 = await issue('router', '1y', 3)
    ok(await as(admin, ['devices', 'keys', 'add', key3, '--accept-terms']))
    const serial3 = key3.replace(/-/g, '').slice(0, 12)
    const three = ok(await as(admin, ['devices', 'transfer', '--to', 'initech', '--key', serial3]))
    assert.equal(
      three.stdout,
      `Transferred 3 licenses (key ${serial3}) from acme to initech: ${serial3}-1, ${serial3}-2, ${serial3}-3\n`,
    )
    // Re-running an applied transfer is already so (a script re-run after a dropped connection): exit 0
    const threeAgain = ok(await as(admin, ['devices', 'transfer', '--to', 'initech', '--key', serial3]))
    assert.equal(
      threeAgain.stdout,
      `Key ${serial3} is already in initech: nothing changed (${serial3}-1, ${serial3}-2, ${serial3}-3).\n`,
    )
    const movedAgain = json<{ licenses: string[]; already: string[]; changed: boolean }>(
      await as(admin, ['devices', 'transfer', '--to', 'initech', '--license', `${serial}-2`, '--json']),
    )
    assert.deepEqual(
      [movedAgain.changed, movedAgain.licenses, movedAgain.already],
      [false, [], [`${serial}-2`]],
    )
    // What cannot apply still fails: a license assigned here is neither moved nor already there
    const stillAssigned = await as(admin, [
      'devices',
      'transfer',
      '--to',
      'initech',
      '--license',
      `${serial}-1`,
      '--json',
    ])
    assert.deepEqual([stillAssigned.code, jsonError(stillAssigned).code], [3, 'license_assigned'])
    const mistyped = await as(admin, [
      'devices',
      'transfer',
      '--to',
      'initech',
      '--key',
      'NOT-A-KEY',
      '--json',
    ])
    assert.deepEqual([mistyped.code, jsonError(mistyped).code], [2, 'key_mistyped'])
    assert.match(jsonError(mistyped).message, /^--key: /)
    // gus is not a member of acme: his token acts for globex, so naming acme is refused (exit 4)
    const foreign = await as(
      globex,
      ['devices', 'transfer', '--to', 'initech', '--license', `${serial}-2`, '--json'],
      { org: 'acme' },
    )
    assert.deepEqual([foreign.code, jsonError(foreign).code], [4, 'wrong_organization'])
  })

  it('never sends the target profile’s token to another server than the profile’s', async () => {
    const umbrella = await server.createOrg('umbrella', 'ann@acme.test')
    const key = await issue('router', '1y', 1)
    ok(await as(admin, ['devices', 'keys', 'add', key, '--accept-terms']))
    // ann's profile for umbrella is for another server (here another process on the same database,
    // which would accept the token: only the CLI can refuse to send it there).
    const other = on['2024-03-07']!
    ok(
      await runCli(['orgs', 'login', '--url', other, '--org', 'umbrella', '--with-token'], {
        env: { LICCTL_CONFIG_DIR: join(server.dir, 'config') },
        input: umbrella,
      }),
    )
    const r = await as(admin, ['devices', 'transfer', '--to', 'umbrella', '--key', key, '--json'])
    assert.equal(r.code, 4, r.stdout + r.stderr)
    assert.deepEqual(jsonError(r), {
      code: 'not_logged_in',
      message: `profile 'umbrella' is for ${other}, not ${server.url}: its token is only ever sent to its own server`,
    })
    const pool = json<{ licenses: unknown[] }>(
      await as(umbrella, ['devices', 'pool', '--json'], { org: 'umbrella' }),
    )
    assert.deepEqual(pool.licenses, [])
  })

  it('adds devices from another organization’s `devices list --output csv`, model and category both', async () => {
    ok(
      await as(admin, ['devices', 'add', 'RT-COPY-1', '--model', 'R-2000', '--name', 'Edge', '--site', 'HQ']),
    )
    const list = ok(await as(admin, ['devices', 'list', '--output', 'csv'])).stdout
    const file = join(server.dir, 'acme-devices.csv')
    writeFileSync(file, list)
    const added = json<BulkDoc>(
      await as(globex, ['devices', 'add', '--file', file, '--json'], { org: 'globex' }),
    )
    assert.equal(added.summary.failed, 0, JSON.stringify(added.results))
    assert.equal(added.summary.changed, list.trim().split('\n').length - 1)
    const copy = json<{ model: string; category: string; name: string; site: string }>(
      await as(globex, ['devices', 'show', 'RT-COPY-1', '--json'], { org: 'globex' }),
    )
    assert.deepEqual([copy.model, copy.category, copy.name, copy.site], ['R-2000', 'router', 'Edge', 'HQ'])
    // A model of another category than the row names is refused, naming both.
    const mismatch = join(server.dir, 'mismatch.csv')
    writeFileSync(mismatch, 'serial,category,model\nAP-ODD,access-point,R-1000\n')
    const bad = await as(globex, ['devices', 'add', '--file', mismatch, '--json'], { org: 'globex' })
    assert.equal(bad.code, 3, bad.stderr)
    const row = (JSON.parse(bad.stdout) as BulkDoc).results[0]!
    assert.deepEqual([row.status, row.code], ['failed', 'wrong_category'])
  })

  it('bulk assign --file over 2,000 devices: the dry run equals the run, and a re-run changes nothing', async () => {
    const serials = Array.from({ length: 2000 }, (_, i) => `FLEET-${String(i).padStart(4, '0')}`)
    const devices = join(server.dir, 'fleet.csv')
    writeFileSync(devices, `serial,model,site\n${serials.map((s) => `${s},S-48,Depot`).join('\n')}\n`)
    ok(await server.asOperator(['devices', 'categories', 'add', 'switch', '--models', 'S-48']))
    ok(await as(admin, ['devices', 'add', '--file', devices]))
    for (const term of ['1y', '5y']) {
      const key = await issue('switch', term, 1100)
      ok(await as(admin, ['devices', 'keys', 'add', key, '--accept-terms']))
    }
    const file = join(server.dir, 'assign.csv')
    writeFileSync(file, `serial\n${serials.join('\n')}\n`)
    const dry = json<BulkDoc>(await as(admin, ['devices', 'assign', '--file', file, '--dry-run', '--json']))
    const run = json<BulkDoc>(await as(admin, ['devices', 'assign', '--file', file, '--json']))
    assert.deepEqual(dry.summary, { changed: 2000, unchanged: 0, failed: 0 })
    assert.deepEqual(run.summary, dry.summary)
    const plan = (d: BulkDoc) =>
      d.results.map((r) => [
        r.row,
        r.target,
        r.status.replace('will-change', 'changed'),
        r.details?.validUntil,
      ])
    assert.deepEqual(plan(dry), plan(run))
    // shortest first: 1,100 one-year licenses, then 900 five-year ones
    const until = run.results.map((r) => r.details!.validUntil)
    assert.equal(until.filter((u) => u === '2025-01-30').length, 1100)
    assert.equal(until.filter((u) => u === '2029-01-29').length, 900)
    const again = json<BulkDoc>(await as(admin, ['devices', 'assign', '--file', file, '--json']))
    assert.deepEqual(again.summary, { changed: 0, unchanged: 2000, failed: 0 })
    const pool = json<{ groups: Array<{ category: string; term: string; count: number }> }>(
      await as(admin, ['devices', 'pool', '--json']),
    )
    assert.deepEqual(
      pool.groups.filter((g) => g.category === 'switch').map((g) => [g.term, g.count]),
      [['5y', 200]],
    )
  })

  it('on a terminal: shows the terms and asks; the detach prompt shows the preview', async () => {
    const key = await issue('access-point', '1y', 1)
    const declined = await runInPty(['devices', 'keys', 'add', key], {
      env: server.env(admin, 'acme'),
      answers: [{ after: /accept the license terms\?/, type: 'n\r' }],
    })
    assert.equal(declined.code, 3, declined.stdout)
    assert.match(declined.stdout, /License terms for device licenses/)
    assert.match(declined.stdout, /the license terms were not accepted/)
    const accepted = await runInPty(['devices', 'keys', 'add', key], {
      env: server.env(admin, 'acme'),
      answers: [{ after: /accept the license terms\?/, type: 'y\r' }],
    })
    assert.equal(accepted.code, 0, accepted.stdout)
    // AP-B holds 327 days from 2024-03-07; detaching that same day returns 324
    const no = await runInPty(['devices', 'detach', 'AP-B'], {
      env: { ...server.env(admin, 'acme'), LICCTL_URL: on['2024-03-07']! },
      answers: [{ after: /Detach the licenses of these devices\?/, type: 'n\r' }],
    })
    assert.equal(no.code, 2, no.stdout)
    assert.match(
      no.stdout,
      /AP-B: 1 of 327 days used, 324 days go back to the pool as one license, 2 lost \(detaching tomorrow: 323 days would go back\); reassigned tomorrow, valid until 2025-01-26/,
    )
    const still = json<{ licensed: boolean }>(
      await as(admin, ['devices', 'show', 'AP-B', '--json'], { url: on['2024-03-07']! }),
    )
    assert.equal(still.licensed, true)
  })
})
