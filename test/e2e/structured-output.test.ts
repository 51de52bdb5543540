import { strict as assert } from 'node:assert'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { jsonError, runCli, type CliResult, type E2eServer } from '../helpers/e2e.js'
import { generateActivationId, issueRouterKeys, provisionAddon, startAcme } from '../helpers/e2e-acme.js'

/** The server's clock: 2026-01-15 10:00 UTC. */
const CLOCK = '2026-01-15T10:00:00Z'

type Doc = Record<string, unknown>

/**
 * `--json a,b`, `--jq` and `--output csv|tsv` on every kind of command: lists, the expiry check
 * (whose exit code is its result), bulk commands (whose exit code is their rows'), and the streamed
 * audit log. The exit code never depends on the output format, and no output flag is dropped.
 */
describe('e2e: structured output (--json fields, --jq, --output) on every command', function () {
  this.timeout(180_000)
  let server: E2eServer
  let admin: string
  let env: Record<string, string>
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runCli(args, { env: { ...env, NO_COLOR: '1', ...extra } })
  const ok = (r: CliResult) => {
    assert.equal(r.code, 0, r.stderr)
    return r
  }
  const json = (r: CliResult) => JSON.parse(r.stdout) as Doc

  before(async function () {
    this.timeout(120_000)
    ;({ server, admin } = await startAcme(CLOCK, ['bob@acme.test', 'carol@acme.test']))
    env = server.env(admin, 'acme')
    const op = (args: string[], url?: string) =>
      server.asOperator([...args, '--org', 'acme'], url ? { env: { LICCTL_URL: url } } : {})
    // Expired by now, so provisioned before: by a server process whose clock reads then.
    const then = await server.listen('2026-01-05T10:00:00Z')
    ok(await op(['seats', 'provision', 'lapsed', '--seats', '2', '--expires', '2026-01-10'], then))
    ok(await op(['seats', 'provision', 'soon', '--seats', '2', '--expires', '2026-01-17']))
    ok(await op(['seats', 'provision', 'far', '--seats', '2', '--expires', '2027-06-30']))
    // One license for two members: assigning to both has one row fail (exit 6).
    await provisionAddon(server, 'cp', { total: 1, expires: '2027-01-31' })
    const id = await generateActivationId(server, admin, {
      product: 'sim',
      seats: 10,
      quantity: 4,
      expires: '2027-01-31',
    })
    ok(await cli(['activations', 'activate', id, '--host', 'lic-a', '--seats', '2']))
    ok(await cli(['activations', 'return', id, '--force', '--yes']))
    ok(await server.asOperator(['devices', 'categories', 'add', 'router', '--models', 'R-1000']))
    ok(await cli(['devices', 'keys', 'add', (await issueRouterKeys(server, 1))[0]!.key, '--accept-terms']))
  })
  after(async () => server?.stop())

  describe('expiry check exits 7 whatever the output format', function () {
    const check = ['expiry', 'check', '--within', '3d', '--capacity', '0']
    for (const flags of [
      [],
      ['--json'],
      ['--json', 'name,severity'],
      ['--jq', '.items|length'],
      ['--json', 'name', '--jq', '.items[0].name'],
      ['--format', 'github'],
      ['--output', 'csv'],
      ['--output', 'tsv', '--json', 'kind,name'],
    ])
      it(flags.join(' ') || '(a table)', async () => {
        const r = await cli([...check, ...flags])
        assert.equal(r.code, 7, r.stderr)
        // The table has the expired pool's remedy as a hint under it; the other formats carry it inside.
        const hint =
          flags.length === 0
            ? "Hint: seat pool 'lapsed' has expired: if it is not to be renewed, `licctl seats retire lapsed` retires it and clears it from the check\n"
            : ''
        assert.equal(r.stderr, `expiry check: 1 expired, 1 failing within 3d in acme\n${hint}`)
      })

    it('--jq prints the filter’s result and nothing else', async () => {
      const r = await cli([...check, '--jq', '.items|length'])
      assert.equal(r.stdout, '2\n')
    })

    it('exits 0 through --jq and --output when nothing fails', async () => {
      for (const flags of [
        ['--jq', '.items|length'],
        ['--output', 'csv'],
      ]) {
        const r = await cli(['expiry', 'check', '--within', '1d', '--exclude-expired', ...flags])
        assert.equal(r.code, 0, `${flags.join(' ')}: ${r.stderr}`)
      }
    })
  })

  describe('bulk commands apply --json fields and --jq to the document they print', function () {
    it('cloud assign --jq .summary prints the summary, and exits 6 as with --json', async () => {
      const r = await cli(['cloud', 'assign', 'cp', 'bob@acme.test', 'carol@acme.test', '--jq', '.summary'])
      assert.equal(r.code, 6, r.stderr)
      assert.deepEqual(JSON.parse(r.stdout), { changed: 1, unchanged: 0, failed: 1 })
      const again = await cli(['cloud', 'assign', 'cp', 'bob@acme.test', 'carol@acme.test', '--json'])
      assert.equal(again.code, 6)
    })

    it('--json --jq and --json a,b --jq filter the same document', async () => {
      const args = ['cloud', 'assign', 'cp', 'bob@acme.test', 'carol@acme.test']
      const changed = await cli([...args, '--json', '--jq', '.summary.unchanged'])
      assert.equal(changed.code, 6, changed.stderr)
      assert.equal(changed.stdout, '1\n')
      const statuses = await cli([...args, '--json', 'target,status', '--jq', '.results[]|.status'])
      assert.equal(statuses.stdout, 'already-so\nfailed\n')
    })

    it('--json a,b keeps those fields of each result row', async () => {
      const r = await cli([
        'cloud',
        'assign',
        'cp',
        'bob@acme.test',
        'carol@acme.test',
        '--json',
        'target,status',
      ])
      assert.equal(r.code, 6, r.stderr)
      assert.deepEqual(json(r), {
        dryRun: false,
        results: [
          { target: 'bob@acme.test', status: 'already-so' },
          { target: 'carol@acme.test', status: 'failed' },
        ],
        summary: { changed: 0, unchanged: 1, failed: 1 },
      })
    })

    it('an unknown field is refused before anything is applied (exit 2)', async () => {
      const r = await cli(['orgs', 'users', 'add', 'erin@acme.test', '--json', 'target,sttaus'])
      assert.equal(r.code, 2)
      assert.equal(r.stdout, '')
      assert.match(jsonError(r).message, /^--json: unknown field 'sttaus'; available: index, target, status,/)
      const members = await cli(['orgs', 'users', 'list', '--jq', '[.items[].email]|join(",")'])
      assert.equal(members.stdout, 'alice@acme.test,bob@acme.test,carol@acme.test\n')
    })

    it('a --jq filter that does not compile is refused before anything is applied (exit 2)', async () => {
      const r = await cli(['orgs', 'users', 'add', 'erin@acme.test', '--jq', '.summary | ('])
      assert.equal(r.code, 2)
      assert.equal(r.stdout, '')
      assert.match(jsonError(r).message, /^--jq: syntax error/)
      const members = await cli(['orgs', 'users', 'list', '--jq', '[.items[].email]|join(",")'])
      assert.equal(members.stdout, 'alice@acme.test,bob@acme.test,carol@acme.test\n')
    })

    for (const args of [
      ['orgs', 'users', 'add', 'dave@acme.test', '--dry-run'],
      ['seats', 'release', '--user', 'bob@acme.test', '--dry-run'],
      ['seats', 'release', '--stale'],
      ['devices', 'assign', 'no-such-device', '--dry-run'],
      ['devices', 'detach', 'no-such-device', '--dry-run'],
      ['cloud', 'revoke', 'cp', 'carol@acme.test', '--dry-run'],
    ])
      it(`${args.join(' ')}: --jq .summary is the summary of --json, with its exit code`, async () => {
        const whole = await cli([...args, '--json'])
        const filtered = await cli([...args, '--jq', '.summary'])
        assert.equal(filtered.code, whole.code, filtered.stderr)
        assert.deepEqual(JSON.parse(filtered.stdout), json(whole).summary)
        const rows = await cli([...args, '--json', 'target'])
        assert.equal(rows.code, whole.code, rows.stderr)
        assert.deepEqual(
          (json(rows).results as Doc[]).map((r) => Object.keys(r)),
          (json(whole).results as Doc[]).map(() => ['target']),
        )
      })
  })

  describe('orgs audit --all applies --json fields and --jq to each streamed entry', function () {
    it('--json a,b: NDJSON of those fields', async () => {
      const all = ok(await cli(['orgs', 'audit', '--all', '--json']))
        .stdout.trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Doc)
      const some = ok(await cli(['orgs', 'audit', '--all', '--json', 'action,actor']))
      assert.deepEqual(
        some.stdout
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as Doc),
        all.map((e) => ({ action: e.action, actor: e.actor })),
      )
    })

    it('--jq runs on each entry, as gh api --paginate --jq does', async () => {
      const all = ok(await cli(['orgs', 'audit', '--all', '--json']))
        .stdout.trimEnd()
        .split('\n')
      const actions = ok(await cli(['orgs', 'audit', '--all', '--jq', '.action']))
      assert.equal(actions.stdout, all.map((l) => `${(JSON.parse(l) as Doc).action}\n`).join(''))
      const bad = await cli(['orgs', 'audit', '--all', '--json', 'action,actr'])
      assert.equal(bad.code, 2)
      assert.equal(bad.stdout, '')
    })

    it('--output csv|tsv --json a,b streams those columns', async () => {
      const all = ok(await cli(['orgs', 'audit', '--all', '--json']))
        .stdout.trimEnd()
        .split('\n')
      const tsv = ok(await cli(['orgs', 'audit', '--all', '--output', 'tsv', '--json', 'seq,action']))
      const lines = tsv.stdout.trimEnd().split('\n')
      assert.equal(lines[0], 'seq\taction')
      assert.equal(lines.length, all.length + 1)
      const first = JSON.parse(all[0]!) as Doc
      assert.equal(lines[1], `${first.seq}\t${first.action}`)
    })
  })

  describe('conflicting output flags are a usage error naming both', function () {
    for (const [args, message] of [
      [['orgs', 'users', 'list', '--jq', '.items|length', '--output', 'csv'], '--jq and --output csv'],
      [['orgs', 'users', 'list', '--json', '--output', 'tsv'], '--json and --output tsv'],
      [['orgs', 'audit', '--all', '--jq', '.action', '--output', 'csv'], '--jq and --output csv'],
      [['expiry', 'check', '--output', 'csv', '--jq', '.items'], '--jq and --output csv'],
      [['expiry', 'check', '--format', 'github', '--json'], '--format github and --json'],
      [['expiry', 'check', '--format', 'github', '--output', 'csv'], '--format github and --output csv'],
      [['activations', 'orphans', '--clear', 'lic-a', '--output', 'csv'], '--clear and --output csv'],
    ] as const)
      it(args.join(' '), async () => {
        const r = await cli([...args])
        assert.equal(r.code, 2, r.stderr)
        assert.equal(r.stdout, '')
        const error = r.stderr.startsWith('{') ? jsonError(r).message : r.stderr.split('\n')[0]!
        assert.ok(error.includes(message), error)
      })

    it('nothing was cleared by the refused --clear', async () => {
      const r = ok(await cli(['activations', 'orphans', '--jq', '.items|length']))
      assert.equal(r.stdout, '1\n')
    })
  })

  describe('--output csv|tsv on every list command, with the fields of --json', function () {
    /** The list's rows as its CSV cells would show them: a list of words joined with ;, other nested values as JSON. */
    const cells = (rows: Doc[]) =>
      rows.map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [
            k,
            v === null
              ? ''
              : Array.isArray(v) && v.every((e) => typeof e === 'string')
                ? v.join(';')
                : typeof v === 'object'
                  ? JSON.stringify(v)
                  : String(v),
          ]),
        ),
      )

    it('devices categories list --output csv: a category’s models in one cell, joined with ;', async () => {
      const add = ['devices', 'categories', 'add', 'switch', '--models', 'S-48,S-24 PoE']
      ok(await server.asOperator([...add, '--description', 'Switches']))
      const r = ok(await cli(['devices', 'categories', 'list', '--output', 'csv', '--json', 'name,models']))
      assert.equal(r.stdout, 'name,models\nrouter,R-1000\nswitch,S-48;S-24 PoE\n')
    })

    for (const [args, list] of [
      [['activations', 'list'], 'items'],
      [['activations', 'entitlements'], 'items'],
      [['activations', 'orphans'], 'items'],
      [['devices', 'pool'], 'licenses'],
      [['devices', 'categories', 'list'], 'items'],
      [['expiry', 'check', '--within', '3d'], 'items'],
      [['orgs', 'audit'], 'items'],
      [['orgs', 'users', 'list'], 'items'],
    ] as const)
      it(`${args.join(' ')} --output csv|tsv`, async () => {
        const doc = json(await cli([...args, '--json']))
        const rows = doc[list] as Doc[]
        assert.ok(rows.length > 0, `${args.join(' ')} lists something`)
        for (const format of ['csv', 'tsv']) {
          const r = await cli([...args, '--output', format])
          assert.ok(r.code === 0 || r.code === 7, r.stderr)
          const parsed = parse(r.stdout, { columns: true, delimiter: format === 'tsv' ? '\t' : ',' }) as Doc[]
          assert.deepEqual(parsed, cells(rows))
        }
        const field = Object.keys(rows[0]!)[1]!
        const one = await cli([...args, '--output', 'csv', '--json', field])
        assert.equal(one.stdout.split('\n')[0], field)
      })

    it('orgs profiles --output csv, and --json a,b selects fields of each profile', async () => {
      const config = { LICCTL_CONFIG_DIR: join(server.dir, 'profiles-config') }
      ok(
        await runCli(['orgs', 'login', '--url', server.url, '--org', 'acme', '--with-token'], {
          env: { ...config, NO_COLOR: '1' },
          input: admin,
        }),
      )
      const r = ok(await runCli(['orgs', 'profiles', '--output', 'csv'], { env: config }))
      const lines = r.stdout.trimEnd().split('\n')
      assert.equal(lines[0], 'name,current,url,org,hasToken')
      assert.equal(lines[1], `acme,true,${server.url},acme,true`)
      const some = ok(await runCli(['orgs', 'profiles', '--json', 'name,current'], { env: config }))
      assert.deepEqual((json(some).profiles as Doc[])[0], { name: 'acme', current: true })
    })
  })

  // Last: the other tests' lists do not expect this member.
  describe('--output csv|tsv: a name that is a spreadsheet formula (OWASP CSV injection)', function () {
    const formula = '=HYPERLINK("http://evil","x")'

    it('is listed with a quote in front, and the list reads back as a bulk --file with the name as it is', async () => {
      const people = join(server.dir, 'formula-people.json')
      writeFileSync(people, JSON.stringify([{ email: 'eve@acme.test', name: formula }]))
      ok(await cli(['orgs', 'users', 'add', '--file', people]))
      const csv = ok(await cli(['orgs', 'users', 'list', '--output', 'csv', '--json', 'email,name,role']))
      assert.ok(
        csv.stdout.includes(`\neve@acme.test,"'=HYPERLINK(""http://evil"",""x"")",member\n`),
        csv.stdout,
      )
      const tsv = ok(await cli(['orgs', 'users', 'list', '--output', 'tsv']))
      assert.match(tsv.stdout, /\neve@acme\.test\t"'=HYPERLINK\(""http:\/\/evil"",""x""\)"\tmember\t/)
      // Into another organization: each row's name is the one on record. Read as `'=HYPERLINK(…)`,
      // eve's row would say the name on record is not the one given.
      const globex = server.env(await server.createOrg('globex', 'gina@globex.test'), 'globex')
      for (const [ext, out] of [
        ['csv', csv],
        ['tsv', tsv],
      ] as const) {
        const file = join(server.dir, `formula-export.${ext}`)
        writeFileSync(file, out.stdout)
        const plan = await runCli(['orgs', 'users', 'add', '--file', file, '--dry-run', '--json'], {
          env: globex,
        })
        assert.equal(plan.code, 0, plan.stderr)
        const results = (json(plan) as { results: Doc[] }).results
        const eve = results.find((r) => r.target === 'eve@acme.test')
        assert.deepEqual(eve, { ...eve, status: 'will-change', details: { role: 'member' } }, ext)
        assert.ok(
          results.every((r) => !('nameGiven' in ((r.details as Doc | undefined) ?? {}))),
          JSON.stringify(results),
        )
      }
      const file = join(server.dir, 'formula-export.csv')
      ok(await runCli(['orgs', 'users', 'add', '--file', file], { env: globex }))
      const listed = json(
        ok(await runCli(['orgs', 'users', 'list', '--json', 'email,name'], { env: globex })),
      )
      assert.deepEqual(
        (listed.items as Doc[]).find((r) => r.email === 'eve@acme.test'),
        { email: 'eve@acme.test', name: formula },
      )
    })
  })
})
