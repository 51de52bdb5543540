import { strict as assert } from 'node:assert'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startAcme, provisionAddon, issueRouterKeys } from '../helpers/e2e-acme.js'
import { E2eServer, ROOT, runCli, type CliResult } from '../helpers/e2e.js'
import { spawnCli } from '../helpers/spawn.js'
import { FaultProxy } from '../fault/proxy.js'
import { daysFromToday } from '../../scripts/lib/dates.js'

type Row = { index: number; target: string; status: string; code?: string; row: number }

describe('e2e: bulk files through cloud assign and revoke', function () {
  let server: E2eServer
  let admin: string
  const members = Array.from({ length: 12 }, (_, i) => `m${String(i).padStart(2, '0')}@acme.test`)
  const cli = (args: string[], opts: { input?: string; env?: Record<string, string> } = {}) =>
    runCli(args, {
      env: { ...server.env(admin, 'acme'), ...opts.env },
      ...(opts.input ? { input: opts.input } : {}),
    })
  const ok = (r: CliResult) => assert.equal(r.code, 0, r.stderr)
  const write = (name: string, text: string | Buffer) => {
    const path = join(server.dir, name)
    writeFileSync(path, text)
    return path
  }
  /** Who holds the add-on, from the server. */
  async function holders(addon: string): Promise<string[]> {
    const res = await cli(['cloud', 'assignments', '--addon', addon, '--json'])
    ok(res)
    return (JSON.parse(res.stdout).items as Array<{ email: string }>).map((a) => a.email)
  }
  const provision = async (key: string, total: number) =>
    ok(
      await server.asOperator([
        'cloud',
        'provision',
        key,
        '--name',
        key.toUpperCase(),
        '--total',
        String(total),
        '--expires',
        daysFromToday(400),
        '--org',
        'acme',
      ]),
    )

  before(async () => {
    server = await E2eServer.start()
    admin = await server.createOrg('acme', 'alice@acme.test')
    const staff = write('staff.csv', 'email,name\n' + members.map((m, i) => `${m},Member ${i}\n`).join(''))
    ok(await cli(['orgs', 'users', 'add', '--file', staff]))
    await provision('cloud-processing', 100)
    await provision('plan', 5)
  })
  after(async () => server.stop())

  const exportCsv = Buffer.from(
    '\uFEFFName,Email,Department\r\n' +
      `"Zero, Mia",${members[0]},"Survey, North"\r\n` +
      `"One ""Bo"" Lee",${members[1]},Ops\r\n` +
      `Two,"${members[2]}","Line one\r\nline two"\r\n`,
  )

  it('assigns from an HR-style CSV: BOM, CRLF, quoted fields with commas, quotes and line breaks', async () => {
    const file = write('export.csv', exportCsv)
    const res = await cli(['cloud', 'assign', 'cloud-processing', '--file', file, '--json'])
    ok(res)
    const doc = JSON.parse(res.stdout) as { results: Row[]; summary: unknown }
    assert.deepEqual(
      doc.results.map((r) => [r.row, r.target, r.status]),
      [
        [2, members[0], 'changed'],
        [3, members[1], 'changed'],
        [4, members[2], 'changed'],
      ],
    )
    assert.deepEqual(doc.summary, { changed: 3, unchanged: 0, failed: 0 })
    assert.deepEqual(await holders('cloud-processing'), members.slice(0, 3))
  })

  it('re-running the same file changes nothing new: every row already-so, exit 0', async () => {
    const res = await cli(['cloud', 'assign', 'cloud-processing', '--file', join(server.dir, 'export.csv')])
    ok(res)
    assert.deepEqual(res.stdout.trimEnd().split('\n'), [
      `= already-so  ${members[0]}`,
      `= already-so  ${members[1]}`,
      `= already-so  ${members[2]}`,
      'Done (assign cloud-processing): 0 changed, 3 unchanged, 0 failed.',
    ])
    assert.deepEqual(await holders('cloud-processing'), members.slice(0, 3))
  })

  it('reads JSON files (objects or plain emails) and CSV on stdin', async () => {
    const objects = write(
      'more.json',
      JSON.stringify([{ Email: members[3] }, { email: members[4], name: 'x' }]),
    )
    ok(await cli(['cloud', 'assign', 'cloud-processing', '--file', objects]))
    const plain = write('plain.json', JSON.stringify({ items: [members[5]] }))
    ok(await cli(['cloud', 'assign', 'cloud-processing', '--file', plain]))
    const piped = await cli(['cloud', 'assign', 'cloud-processing', '--file', '-', '--json'], {
      input: `email\n${members[6]}\n`,
    })
    ok(piped)
    assert.deepEqual(
      (JSON.parse(piped.stdout).results as Row[]).map((r) => [r.row, r.target, r.status]),
      [[2, members[6], 'changed']],
    )
    assert.deepEqual(await holders('cloud-processing'), members.slice(0, 7))
  })

  it('rejects a malformed file whole with the row and column of each error (exit 2) and applies nothing', async () => {
    const file = write(
      'broken.csv',
      `email,name\n${members[7]},A\nnot-an-email,B\n${members[8]},Smith, C\n${members[7]},D\n"${members[9]} ",E\n`,
    )
    const res = await cli(['cloud', 'assign', 'cloud-processing', '--file', file, '--strict'])
    assert.equal(res.code, 2)
    assert.equal(res.stdout, '')
    assert.equal(
      res.stderr.trim(),
      `Error: invalid input, nothing was applied: ${file}: row 3, column email: Invalid email address, got 'not-an-email'; ` +
        `${file}: row 4, column 3: 3 fields, but the header has 2 (quote a field that contains a comma: "Smith, J"); ` +
        `${file}: row 5, column email: ${members[7]} is also in row 2; ` +
        // The cell is quoted: a space kept inside quotes is invisible in a spreadsheet.
        `${file}: row 6, column email: Invalid email address, got '${members[9]} '`,
    )
    const json = await cli(['cloud', 'assign', 'cloud-processing', '--file', file, '--json'])
    assert.equal(json.code, 2)
    assert.equal(json.stdout, '')
    const err = JSON.parse(json.stderr).error
    assert.equal(err.code, 'invalid_input')
    assert.deepEqual(
      err.details.errors.map((e: { row: number; column: string }) => [e.row, e.column]),
      [
        [3, 'email'],
        [4, '3'],
        [6, 'email'],
      ],
      'without --strict the repeated target is no error (it would be reported as a duplicate)',
    )
    assert.deepEqual(await holders('cloud-processing'), members.slice(0, 7), 'nothing was applied')
    const unclosed = write('unclosed.csv', `email,name\n${members[9]},"open\n${members[10]},B\n`)
    const quote = await cli(['cloud', 'assign', 'cloud-processing', '--file', unclosed])
    assert.equal(quote.code, 2)
    assert.match(quote.stderr, /row 2, column name: a quote opened in column name is never closed/)
    assert.deepEqual(await holders('cloud-processing'), members.slice(0, 7))
  })

  it('reports a target named twice as a duplicate of its first row, applies it once, and exits 0', async () => {
    const file = write('twice.csv', `email\n${members[7]}\n${members[8]}\n${members[7]!.toUpperCase()}\n`)
    const res = await cli(['cloud', 'assign', 'cloud-processing', '--file', file])
    ok(res)
    assert.deepEqual(res.stdout.trimEnd().split('\n'), [
      `✓ changed     ${members[7]}`,
      `✓ changed     ${members[8]}`,
      `= duplicate   ${members[7]!.toUpperCase()} — of row 2`,
      'Done (assign cloud-processing): 2 changed, 1 unchanged (1 duplicate), 0 failed.',
    ])
    const json = await cli(['cloud', 'revoke', 'cloud-processing', '--file', file, '--json'])
    ok(json)
    assert.deepEqual(JSON.parse(json.stdout), {
      dryRun: false,
      results: [
        { index: 0, target: members[7], status: 'changed', row: 2 },
        { index: 1, target: members[8], status: 'changed', row: 3 },
        {
          index: 2,
          target: members[7]!.toUpperCase(),
          status: 'duplicate',
          message: 'duplicate of row 2',
          details: { duplicateOf: 2 },
          row: 4,
        },
      ],
      summary: { changed: 2, unchanged: 1, failed: 0 },
    })
    assert.deepEqual(await holders('cloud-processing'), members.slice(0, 7))
  })

  it('reports a repeated argument at its own position, in the order typed, flags among them', async () => {
    // oclif hands back its non-strict arguments sorted by each value's first position: `a b a` came
    // back `a a b`, and the repeat was reported as argument 2.
    const [a, b, c] = [members[9]!, members[10]!, members[11]!]
    const res = await cli(['cloud', 'assign', 'cloud-processing', a, b, '--dry-run', a, c, b, '--json'])
    ok(res)
    const rows = (JSON.parse(res.stdout) as { results: Array<Row & { message?: string }> }).results
    assert.deepEqual(
      rows.map((r) => [r.row, r.target, r.status, r.message]),
      [
        [1, a, 'will-change', undefined],
        [2, b, 'will-change', undefined],
        [3, a, 'duplicate', 'duplicate of argument 1'],
        [4, c, 'will-change', undefined],
        [5, b, 'duplicate', 'duplicate of argument 2'],
      ],
    )
    const strict = await cli(['cloud', 'assign', 'cloud-processing', a, b, a, '--strict', c, b])
    assert.equal(strict.code, 2)
    assert.equal(
      strict.stderr.trim(),
      `Error: invalid input, nothing was applied: argument 3: ${a} is also argument 1; argument 5: ${b} is also argument 2`,
    )
  })

  it('a read-only token plans a bulk job with --dry-run (exit 0) and is refused applying it (exit 4)', async () => {
    const created = await cli(['orgs', 'tokens', 'create', '--read-only', '--name', 'ci-plan', '--json'])
    ok(created)
    const env = server.env((JSON.parse(created.stdout) as { token: string }).token, 'acme')
    const newcomer = 'newcomer@acme.test'
    const plan = await runCli(['orgs', 'users', 'add', newcomer, members[0]!, '--dry-run'], { env })
    ok(plan)
    assert.deepEqual(plan.stdout.trimEnd().split('\n'), [
      `+ will-change ${newcomer}`,
      `= already-so  ${members[0]}`,
      'Dry run (add users): 1 would change, 1 already so, 0 would fail. Nothing was changed.',
    ])
    const apply = await runCli(['orgs', 'users', 'add', newcomer], { env })
    assert.equal(apply.code, 4, apply.stderr)
    assert.match(apply.stderr, /this token is read-only/)
    const users = await cli(['orgs', 'users', 'list', '--json'])
    ok(users)
    assert.ok(!users.stdout.includes(newcomer), 'nothing was added')
  })

  it('a dry run changes nothing and predicts exactly what applying does, across batches and a full pool', async () => {
    ok(await cli(['cloud', 'assign', 'plan', members[0]!, members[1]!]))
    // 5 licenses, 2 taken: 3 free for 6 members, 2 strangers, 2 holders, in batches of 3.
    const emails = [
      members[0],
      'stranger1@acme.test',
      members[2],
      members[3],
      members[1],
      members[4],
      members[5],
      'stranger2@acme.test',
      members[6],
      members[7],
    ]
    const file = write('plan.csv', 'email\n' + emails.join('\n') + '\n')
    const env = { LICCTL_BULK_BATCH_SIZE: '3' }
    const dry = await cli(['cloud', 'assign', 'plan', '--file', file, '--dry-run', '--json'], { env })
    assert.equal(dry.code, 6, dry.stderr)
    assert.deepEqual(await holders('plan'), [members[0], members[1]], 'the dry run changed nothing')
    const planned = JSON.parse(dry.stdout) as { dryRun: boolean; results: Row[]; summary: unknown }
    assert.equal(planned.dryRun, true)
    assert.deepEqual(
      planned.results.map((r) => [r.target, r.status, r.code ?? '']),
      [
        [members[0], 'already-so', ''],
        ['stranger1@acme.test', 'will-fail', 'not_a_member'],
        [members[2], 'will-change', ''],
        [members[3], 'will-change', ''],
        [members[1], 'already-so', ''],
        [members[4], 'will-change', ''],
        [members[5], 'will-fail', 'no_free_license'],
        ['stranger2@acme.test', 'will-fail', 'not_a_member'],
        [members[6], 'will-fail', 'no_free_license'],
        [members[7], 'will-fail', 'no_free_license'],
      ],
    )
    const applied = await cli(['cloud', 'assign', 'plan', '--file', file, '--json'], { env })
    assert.equal(applied.code, 6, applied.stderr)
    const done = JSON.parse(applied.stdout) as { dryRun: boolean; results: Row[]; summary: unknown }
    const past: Record<string, string> = {
      'will-change': 'changed',
      'will-fail': 'failed',
      'already-so': 'already-so',
    }
    assert.deepEqual(
      done.results.map((r) => [r.row, r.target, r.status, r.code ?? '']),
      planned.results.map((r) => [r.row, r.target, past[r.status], r.code ?? '']),
    )
    assert.deepEqual(planned.summary, { changed: 3, unchanged: 2, failed: 5 })
    assert.deepEqual(done.summary, planned.summary)
    assert.deepEqual(await holders('plan'), [members[0], members[1], members[2], members[3], members[4]])
  })

  it('prints the plan for people: future tense, reasons, and a summary that says nothing changed', async () => {
    const res = await cli(['cloud', 'revoke', 'plan', members[0]!, 'stranger1@acme.test', '--dry-run'])
    ok(res)
    assert.deepEqual(res.stdout.trimEnd().split('\n'), [
      `+ will-change ${members[0]}`,
      '= already-so  stranger1@acme.test',
      'Dry run (revoke plan): 1 would change, 1 already so, 0 would fail. Nothing was changed.',
    ])
    assert.equal((await holders('plan')).length, 5)
  })

  it('revokes from a file, then a re-run is all already-so', async () => {
    const file = write('leavers.json', JSON.stringify([members[0], members[2]]))
    const first = await cli(['cloud', 'revoke', 'plan', '--file', file, '--json'])
    ok(first)
    assert.deepEqual(JSON.parse(first.stdout).summary, { changed: 2, unchanged: 0, failed: 0 })
    const again = await cli(['cloud', 'revoke', 'plan', '--file', file, '--json'])
    ok(again)
    assert.deepEqual(JSON.parse(again.stdout).summary, { changed: 0, unchanged: 2, failed: 0 })
    assert.deepEqual(await holders('plan'), [members[1], members[3], members[4]])
  })

  it('fails as fast as any command when the server is never reached (a wrong URL): no minute of waiting', async () => {
    const started = Date.now()
    const r = await runCli(['orgs', 'users', 'add', 'x@acme.test', '--org', 'acme'], {
      env: { LICCTL_URL: 'http://127.0.0.1:1', LICCTL_TOKEN: 'lic_u_' + 'x'.repeat(43) },
    })
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stderr, /cannot reach http:\/\/127\.0\.0\.1:1/)
    assert.doesNotMatch(r.stderr, /unavailable for/)
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`)
  })

  it('refuses targets both as arguments and --file, and no targets at all, with exit 2', async () => {
    const both = await cli(['cloud', 'assign', 'plan', members[0]!, '--file', join(server.dir, 'plan.csv')])
    assert.equal(both.code, 2)
    assert.equal(both.stderr.trim(), 'Error: give targets as arguments or with --file, not both')
    const none = await cli(['cloud', 'assign', 'plan'])
    assert.equal(none.code, 2)
    assert.match(none.stderr, /^Error: no targets given/)
  })

  it('SIGTERM stops a --json job after the batch being applied: a valid document marked incomplete, exit 143', async () => {
    const file = write(
      'terminated.csv',
      'email\n' + Array.from({ length: 1000 }, (_, i) => `term${i}@acme.test\n`).join(''),
    )
    const child = spawnCli(['orgs', 'users', 'add', '--file', file, '--json'], {
      cwd: ROOT,
      env: { ...process.env, ...server.env(admin, 'acme'), LICCTL_BULK_BATCH_SIZE: '5' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (stdout.includes('"status":"changed"') && !child.killed) child.kill('SIGTERM')
    })
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    assert.equal(code, 143, stderr)
    const doc = JSON.parse(stdout) as { results: Row[]; summary: { changed: number }; incomplete?: boolean }
    assert.equal(doc.incomplete, true)
    assert.ok(doc.results.length > 0 && doc.results.length < 1000)
    assert.equal(doc.summary.changed, doc.results.length)
    assert.equal(JSON.parse(stderr.trim()).error.code, 'interrupted')
    const list = await cli(['orgs', 'users', 'list', '--json', 'email'])
    const added = (JSON.parse(list.stdout).items as Array<{ email: string }>).filter((m) =>
      m.email.startsWith('term'),
    )
    assert.equal(added.length, doc.results.length, 'every row applied is reported')
  })

  it('Ctrl-C while the server is silent on a batch: exits 130 within seconds, not at the request timeout, saying how far it got', async () => {
    await provision('silent', 10)
    // The second batch reaches the server, which applies it; its answer never comes back.
    const proxy = await FaultProxy.start(server.url)
    proxy.silentAnswerOf.add(2)
    const targets = members.slice(0, 10)
    const child = spawnCli(['cloud', 'assign', 'silent', ...targets], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...server.env(admin, 'acme'),
        LICCTL_URL: proxy.url,
        LICCTL_BULK_BATCH_SIZE: '5',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    try {
      while (proxy.silenced === 0 || !stdout.includes(targets[4]!))
        await new Promise((r) => setTimeout(r, 20))
      const interruptedAt = Date.now()
      child.kill('SIGINT')
      const code = await Promise.race([
        exited,
        new Promise((r) => setTimeout(() => r('still running'), 8_000)),
      ])
      const took = Date.now() - interruptedAt
      assert.equal(code, 130, `${String(code)} after ${took} ms: ${stderr}`)
      assert.ok(took < 4_000, `exited ${took} ms after Ctrl-C`)
      assert.deepEqual(stdout.split('\n'), [
        ...targets.slice(0, 5).map((t) => `✓ changed     ${t}`),
        'Stopped after 5 of 10 rows: 5 changed, 0 unchanged, 0 failed. Re-run the same command to finish.',
        '',
      ])
      assert.equal(
        stderr,
        'Error: interrupted (SIGINT) after 5 of 10 rows\n' +
          'Hint: the batch after row 5 went unanswered for 2s and was given up: the server applies it whole or not at all; re-run the same command to finish the job (rows already applied report already-so)\n',
      )
    } finally {
      child.kill('SIGKILL')
      await proxy.close()
    }
    // The server had applied the silent batch: re-running finds every row already so.
    const rerun = await cli(['cloud', 'assign', 'silent', ...targets, '--json'])
    ok(rerun)
    assert.deepEqual(JSON.parse(rerun.stdout).summary, { changed: 0, unchanged: 10, failed: 0 })
  })

  it('SIGTERM in a dry run: the plan so far, and a hint that nothing was changed', async () => {
    const file = write(
      'terminated-plan.csv',
      'email\n' + Array.from({ length: 1000 }, (_, i) => `plan${i}@acme.test\n`).join(''),
    )
    const child = spawnCli(['orgs', 'users', 'add', '--file', file, '--dry-run'], {
      cwd: ROOT,
      env: { ...process.env, ...server.env(admin, 'acme'), LICCTL_BULK_BATCH_SIZE: '5', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (stdout.includes('will-change') && !child.killed) child.kill('SIGTERM')
    })
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    assert.equal(code, 143, stderr)
    assert.match(
      stdout,
      /Dry run stopped after \d+ of 1000 rows: \d+ would change, 0 unchanged, 0 would fail\. Nothing was changed\.\n$/,
    )
    assert.match(
      stderr,
      /^Error: interrupted \(SIGTERM\) after \d+ of 1000 rows\nHint: a dry run changes nothing; re-run it to see the whole plan\n$/,
    )
    const list = await cli(['orgs', 'users', 'list', '--json', 'email'])
    assert.ok(
      !(JSON.parse(list.stdout).items as Array<{ email: string }>).some((m) => m.email.startsWith('plan')),
    )
  })
})

describe('e2e: a dry run in several batches predicts the real run row for row', function () {
  this.timeout(180_000)
  let server: E2eServer
  let admin: string
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { env: { ...server.env(admin, 'acme'), ...env } })
  const ok = (r: CliResult) => assert.equal(r.code, 0, r.stderr)
  const member = (i: number) => `m${String(i).padStart(4, '0')}@acme.test`
  const past: Record<string, string> = {
    'will-change': 'changed',
    'will-fail': 'failed',
    'already-so': 'already-so',
    duplicate: 'duplicate',
  }
  type Doc = { dryRun: boolean; results: Row[]; summary: unknown }

  before(async () => {
    server = await E2eServer.start()
    admin = await server.createOrg('acme', 'alice@acme.test')
  })
  after(async () => server.stop())

  it('3,500 rows in 4 batches, with duplicates across batches and a pool that runs out in batch 3', async () => {
    // Every member once, in order; a stranger every 112 rows; every 34th row repeats a row far
    // earlier (often in another batch, sometimes in upper case).
    const rows: string[] = []
    let next = 0
    let strangers = 0
    while (rows.length < 3500) {
      const n = rows.length
      if (n > 0 && n % 34 === 0) {
        const earlier = rows[Math.floor((n * 7) / 11)]!
        rows.push(n % 68 === 0 ? earlier.toUpperCase() : earlier)
      } else if (n % 112 === 5) rows.push(`stranger${strangers++}@acme.test`)
      else rows.push(member(next++))
    }
    const staff = join(server.dir, 'staff.csv')
    writeFileSync(staff, 'email\n' + Array.from({ length: next }, (_, i) => member(i)).join('\n') + '\n')
    ok(await cli(['orgs', 'users', 'add', '--file', staff]))
    ok(
      await server.asOperator([
        'cloud',
        'provision',
        'big',
        '--name',
        'Big',
        '--total',
        '2400',
        '--expires',
        daysFromToday(400),
        '--org',
        'acme',
      ]),
    )
    // 50 members already hold it: 2,350 licenses are free.
    ok(await cli(['cloud', 'assign', 'big', ...Array.from({ length: 50 }, (_, i) => member(i * 60))]))

    const file = join(server.dir, 'big.csv')
    writeFileSync(file, 'email\n' + rows.join('\n') + '\n')

    const dry = await cli(['cloud', 'assign', 'big', '--file', file, '--dry-run', '--json'])
    assert.equal(dry.code, 6, dry.stderr)
    const planned = JSON.parse(dry.stdout) as Doc
    const held = await cli(['cloud', 'list', '--json'])
    assert.equal(JSON.parse(held.stdout).items[0].assigned, 50, 'the dry run changed nothing')

    const applied = await cli(['cloud', 'assign', 'big', '--file', file, '--json'])
    assert.equal(applied.code, 6, applied.stderr)
    const done = JSON.parse(applied.stdout) as Doc

    const outcome = (r: Row) => [r.row, r.target, r.status, r.code ?? '']
    assert.equal(done.results.length, 3500)
    assert.deepEqual(
      done.results.map(outcome),
      planned.results.map((r) => outcome({ ...r, status: past[r.status]! })),
    )
    const duplicates = rows.filter((_, n) => n > 0 && n % 34 === 0).length
    assert.deepEqual(planned.summary, {
      changed: 2350,
      unchanged: 50 + duplicates,
      failed: 3500 - 2350 - 50 - duplicates,
    })
    assert.deepEqual(done.summary, planned.summary)
    // Where the pool ran out: batch 3 (rows sent 2,001 to 3,000) both took licenses and was refused.
    const sent = done.results.filter((r) => r.status !== 'duplicate')
    const batch = (k: number) => sent.slice((k - 1) * 1000, k * 1000)
    const statusesOf = (k: number) => new Set(batch(k).map((r) => r.code ?? r.status))
    assert.deepEqual([...statusesOf(3)].sort(), ['already-so', 'changed', 'no_free_license', 'not_a_member'])
    assert.equal(statusesOf(4).has('changed'), false)
    assert.deepEqual(done.results.filter((r) => r.status === 'duplicate').length, duplicates)
    const after = await cli(['cloud', 'list', '--json'])
    assert.equal(JSON.parse(after.stdout).items[0].assigned, 2400)
  })

  it('a row job too: the last admin removed in a later batch of the plan is refused, as applying refuses it', async () => {
    ok(await cli(['orgs', 'users', 'add', 'bea@acme.test', 'cy@acme.test', '--role', 'admin']))
    const env = { LICCTL_BULK_BATCH_SIZE: '1' }
    const targets = ['bea@acme.test', 'cy@acme.test', 'alice@acme.test']
    const dry = await cli(['orgs', 'users', 'remove', ...targets, '--dry-run', '--json'], env)
    assert.equal(dry.code, 6, dry.stderr)
    const planned = JSON.parse(dry.stdout) as Doc
    assert.deepEqual(
      planned.results.map((r) => [r.target, r.status, r.code ?? '']),
      [
        ['bea@acme.test', 'will-change', ''],
        ['cy@acme.test', 'will-change', ''],
        ['alice@acme.test', 'will-fail', 'last_admin'],
      ],
    )
    const applied = await cli(['orgs', 'users', 'remove', ...targets, '--yes', '--json'], env)
    assert.equal(applied.code, 6, applied.stderr)
    assert.deepEqual(
      (JSON.parse(applied.stdout) as Doc).results.map((r) => [r.target, r.status, r.code ?? '']),
      planned.results.map((r) => [r.target, past[r.status], r.code ?? '']),
    )
  })
})

// Every list the docs say reads back as a bulk --file, in each format it prints: the targets the
// bulk command plans are exactly the listed ones, each by its own column. (seats list → seats
// release, whose rows name a lease and a user, has its own test in seats.test.ts.)
describe('e2e: a list’s output reads back as its bulk command’s --file, in every format', function () {
  this.timeout(180_000)
  let server: E2eServer
  let env: Record<string, string>
  const members = ['m1@acme.test', 'm2@acme.test', 'm3@acme.test']
  const ok = (r: CliResult) => {
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`)
    return r
  }
  const cli = (args: string[]) => runCli(args, { env })

  before(async () => {
    const acme = await startAcme('2026-03-01T09:00:00Z', members)
    server = acme.server
    env = server.env(acme.admin, 'acme')
    await provisionAddon(server, 'cloud-processing', { total: 10, expires: daysFromToday(365) })
    ok(await cli(['cloud', 'assign', 'cloud-processing', ...members]))
    ok(await server.asOperator(['devices', 'categories', 'add', 'router', '--models', 'R-1000']))
    for (const { key } of await issueRouterKeys(server, 3))
      ok(await cli(['devices', 'keys', 'add', key, '--accept-terms']))
    ok(await cli(['devices', 'add', 'R-1', 'R-2', '--model', 'R-1000']))
    ok(await cli(['devices', 'assign', 'R-1', 'R-2']))
  })
  after(async () => server.stop())

  const formats: Array<[string, (field: string) => string[]]> = [
    ['csv', () => ['--output', 'csv']],
    ['tsv', () => ['--output', 'tsv']],
    ['json', () => ['--json']],
    ['csv', (field) => ['--output', 'csv', '--json', field]],
    ['json', (field) => ['--json', field]],
  ]
  const pairs: Array<{ name: string; list: string[]; field: string; bulk: string[][]; targets: string[] }> = [
    {
      name: 'orgs users list → orgs users add, remove',
      list: ['orgs', 'users', 'list'],
      field: 'email',
      bulk: [
        ['orgs', 'users', 'add'],
        ['orgs', 'users', 'remove'],
      ],
      targets: ['alice@acme.test', ...members],
    },
    {
      name: 'cloud assignments → cloud assign, revoke',
      list: ['cloud', 'assignments', '--addon', 'cloud-processing'],
      field: 'email',
      bulk: [
        ['cloud', 'assign', 'cloud-processing'],
        ['cloud', 'revoke', 'cloud-processing'],
      ],
      targets: members,
    },
    {
      name: 'devices list → devices assign, detach',
      list: ['devices', 'list'],
      field: 'serial',
      bulk: [
        ['devices', 'assign'],
        ['devices', 'detach'],
      ],
      targets: ['R-1', 'R-2'],
    },
  ]
  for (const { name, list, field, bulk, targets } of pairs)
    it(name, async () => {
      for (const [n, [ext, flags]] of formats.entries()) {
        const file = join(server.dir, `${list.join('-')}-${n}.${ext}`)
        writeFileSync(file, ok(await cli([...list, ...flags(field)])).stdout)
        for (const command of bulk) {
          // Exit 6 when some rows would fail (the last admin cannot be removed): still every row planned.
          const plan = await cli([...command, '--file', file, '--dry-run', '--json'])
          assert.ok(plan.code === 0 || plan.code === 6, `exit ${plan.code}: ${plan.stderr}`)
          const results = (JSON.parse(plan.stdout) as { results: Row[] }).results
          assert.deepEqual(
            results.map((r) => r.target).sort(),
            [...targets].sort(),
            `${command.join(' ')} --file ${flags(field).join(' ')}`,
          )
        }
      }
    })
})
