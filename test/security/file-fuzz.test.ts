import { strict as assert } from 'node:assert'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { DIALECTS } from '../helpers/dialects.js'
import { E2eServer, ROOT, runCli, type CliResult } from '../helpers/e2e.js'
import { recordSecret } from '../helpers/secret-scan.js'
import { daysFromToday } from '../../scripts/lib/dates.js'

/**
 * Hostile CSV and JSON files thrown at every command that takes `--file`, through the real CLI
 * (bin/run.js) against a real server. The commands come from oclif.manifest.json, so a new bulk
 * command is fuzzed as soon as it exists (and fails here if it needs an argument this file does
 * not know). Each command works in an organization of its own, so the commands run side by side.
 *
 * Every run: an exit code of the spec's table (never 1: a crash, a 500 or a bug), no stack trace,
 * no raw control character on stderr or stdout; a refused file (exit 2) names the row and the
 * column, and leaves the organization as it was (audit chain, members, devices, assignments:
 * read through the API); a dry run changes nothing either.
 */

/** Generated files per command and dialect, besides the fixed ones (child processes are costly). */
const RUNS = Number(process.env.LICCTL_FILE_FUZZ_RUNS ?? 2)
/** Commands fuzzed at once. */
const PARALLEL = 3

interface ManifestCommand {
  args: Record<string, { required?: boolean }>
  flags: Record<string, unknown>
}
const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, ManifestCommand>
}
const FILE_COMMANDS = Object.entries(manifest.commands)
  .filter(([, c]) => 'file' in c.flags)
  .map(([id, c]) => ({ id, command: c }))
  .sort((a, b) => a.id.localeCompare(b.id))

/** The required arguments of each `--file` command (everything else comes from the file). */
const REQUIRED_ARGS: Record<string, Record<string, string>> = {
  'cloud:assign': { addon: 'cloud-processing' },
  'cloud:revoke': { addon: 'cloud-processing' },
}

/** The spec's exit codes a file command may end with (4, 7 cannot happen here; 1 is a failure). */
const ALLOWED_EXITS = [0, 2, 3, 5, 6]

// What a terminal must never receive raw: C0 (but the line feed), DEL, C1, bidirectional overrides.
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u
const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m

// Values a real file might carry, so that a hostile row can follow valid ones.
const MEMBERS = ['ann@fuzz.test', 'bob@fuzz.test', 'cy@fuzz.test']
const SERIALS = ['R-0001', 'R-0002', 'R-0003']
const VALID: Record<string, string[]> = {
  email: MEMBERS,
  user: MEMBERS,
  name: ['Ann Lee', 'Okafor, Ana'],
  role: ['member', 'admin'],
  serial: SERIALS,
  category: ['router'],
  model: ['R-1000'],
  site: ['HQ'],
  license: ['R-0001-lic'],
  count: ['1', '2'],
  prefer: ['shortest', 'longest'],
  lease: ['ls_0000000000000000000000000a'],
}
/** Every column any bulk command reads, and one none does. */
const COLUMNS = [...Object.keys(VALID), 'Department']

const SQLISH = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  'Robert"); DROP TABLE organizations;--',
  "ann@fuzz.test'; delete from memberships; --",
  '1; delete from tokens',
  '%27%20OR%201%3D1',
]
const BAD_DATES = [
  '2026-02-30',
  '2026-13-01',
  '9999-99-99T99:99:99Z',
  '0000-00-00',
  '+275760-09-13T00:00:00.001Z',
]
const HUGE = [
  '1e308',
  '-1e308',
  '1e400',
  '9007199254740993',
  '-9223372036854775808',
  '-0',
  'NaN',
  'Infinity',
  '0x10',
]
const NASTY = [
  '\u001b[2J\u001b[31mred',
  '\u0000\u0007\u0008bell',
  '\u202eevil@fuzz.test',
  '\ufeffann@fuzz.test',
  '😀'.repeat(100),
  'a'.repeat(5000),
  'ann@fuzz.test\r\nbob@fuzz.test',
  '   ',
  '"',
  '=cmd|/c calc!A1',
]
const hostileString = fc.oneof(
  fc.constantFrom(...SQLISH, ...BAD_DATES, ...HUGE, ...NASTY),
  fc.string({ unit: 'binary', maxLength: 30 }), // control characters, lone surrogates
  fc.string({ unit: 'grapheme', maxLength: 30 }),
)
const cell = (column: string) =>
  fc.oneof(
    { weight: 2, arbitrary: hostileString },
    { weight: 1, arbitrary: fc.constantFrom(...(VALID[column] ?? ['x'])) },
  )

/** A CSV field as a careless or hostile writer would put it: quoted, raw, or half-quoted. */
function csvField(value: string, style: number): string {
  if (style === 0) return `"${value.replace(/"/g, '""')}"`
  if (style === 1) return value
  return `"${value}` // a quote opened, maybe never closed
}

interface FileCase {
  label: string
  text: string | Buffer
  ext: 'csv' | 'json' | 'txt'
}

const csvCase: fc.Arbitrary<FileCase> = fc
  .record({
    columns: fc.subarray(COLUMNS, { minLength: 1, maxLength: 4 }),
    rows: fc.nat({ max: 4 }),
    seed: fc.array(fc.nat({ max: 2 }), { minLength: 20, maxLength: 20 }),
    bom: fc.boolean(),
    crlf: fc.boolean(),
    upper: fc.boolean(),
  })
  .chain(({ columns, rows, seed, bom, crlf, upper }) =>
    fc.array(fc.tuple(...columns.map(cell)), { minLength: rows, maxLength: rows }).map((cells) => {
      const eol = crlf ? '\r\n' : '\n'
      const header = columns.map((c) => (upper ? c.toUpperCase() : c)).join(',')
      // Mostly quoted properly, sometimes raw or half-quoted.
      const lines = cells.map((r, i) =>
        r
          .map((v, j) => csvField(v, seed[(i * 4 + j) % seed.length]! === 2 && j > 0 ? 2 : seed[j]! % 2))
          .join(','),
      )
      return {
        label: 'generated CSV',
        text: (bom ? '\ufeff' : '') + [header, ...lines].join(eol) + eol,
        ext: 'csv' as const,
      }
    }),
  )

const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -(2 ** 63), -0, 0.1, null, true, false),
  fc.double(),
  fc.jsonValue({ maxDepth: 2 }),
)
const jsonRow = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...COLUMNS), hostileString), jsonValue, { maxKeys: 4 }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ email: fc.constantFrom(...MEMBERS), serial: fc.constantFrom(...SERIALS) }),
  },
  { weight: 1, arbitrary: jsonValue },
)
const jsonCase: fc.Arbitrary<FileCase> = fc.oneof(
  fc
    .tuple(fc.array(jsonRow, { maxLength: 4 }), fc.constantFrom('array', 'items', 'object'))
    .map(([rows, shape]) => ({
      label: `generated JSON (${shape})`,
      text: JSON.stringify(shape === 'array' ? rows : shape === 'items' ? { items: rows } : (rows[0] ?? {})),
      ext: 'json' as const,
    })),
  // Malformed: a valid document cut short or broken at a random place.
  fc
    .tuple(
      fc.array(jsonRow, { minLength: 1, maxLength: 3 }),
      fc.nat(),
      fc.constantFrom('', '}', ',', '\u0000', "'"),
    )
    .map(([rows, at, junk]) => {
      const text = JSON.stringify(rows)
      const cut = at % Math.max(1, text.length - 1)
      return {
        label: 'malformed JSON',
        text: text.slice(0, cut) + junk + text.slice(cut + 1),
        ext: 'json' as const,
      }
    }),
)
const garbageCase: fc.Arbitrary<FileCase> = fc
  .uint8Array({ maxLength: 200 })
  .map((bytes) => ({ label: 'binary garbage', text: Buffer.from(bytes), ext: 'txt' as const }))
const fileCase = fc.oneof(
  { weight: 3, arbitrary: csvCase },
  { weight: 3, arbitrary: jsonCase },
  { weight: 1, arbitrary: garbageCase },
)

/** Valid rows, then a broken one: nothing may be applied (CSV and JSON, every other command). */
const HALF_VALID: FileCase[] = [
  {
    label: 'valid CSV rows, then one with too many fields',
    text: `email,serial,user\n${MEMBERS[0]},${SERIALS[0]},${MEMBERS[0]}\n${MEMBERS[1]},${SERIALS[1]},${MEMBERS[1]}\n${MEMBERS[2]},${SERIALS[2]},x,'; DROP TABLE users; --\n`,
    ext: 'csv',
  },
  {
    label: 'valid JSON rows, then one that is a huge number',
    text: `[{"email":"${MEMBERS[0]}","serial":"${SERIALS[0]}","user":"${MEMBERS[0]}"},{"email":"${MEMBERS[1]}","serial":"${SERIALS[1]}","user":"${MEMBERS[1]}"},1e400]`,
    ext: 'json',
  },
]
/** The fixed nasty cases every command gets (besides one of HALF_VALID). */
const FIXED: FileCase[] = [
  {
    label: 'terminal escapes and a bell in every column',
    text:
      'email,serial,user,lease,name\n' +
      '"\u001b]0;pwned\u0007x@fuzz.test","R-\u001b[2J1","\u0007@fuzz.test","ls_\u001b[31m","\u009b31m"\n',
    ext: 'csv',
  },
  {
    // Accepted by most commands: what comes back (the report) must be as clean as an error.
    label: 'a valid row with terminal escapes in its free-text columns',
    text: `email,serial,user,category,name,site\n${MEMBERS[0]},${SERIALS[0]},${MEMBERS[0]},router,"\u001b[31mAnn\u0007","\u202eHQ\u009b"\n`,
    ext: 'csv',
  },
]
/** Further nasty cases, shared out among the commands: each runs once per dialect. */
const ROTATING: Array<FileCase & { stdin?: boolean; env?: Record<string, string>; json?: boolean }> = [
  {
    label: 'malformed JSON without a position from V8',
    text: '[\n {"email": "ann@fuzz.test"},\n ]',
    ext: 'json',
  },
  {
    label: 'a quote never closed',
    text: 'email,serial\n"ann@fuzz.test,R-0001\nbob@fuzz.test,R-0002\n',
    ext: 'csv',
  },
  {
    label: 'a row over the row limit',
    text: `email,serial,name\nann@fuzz.test,R-0001,"${'x'.repeat(70_000)}"\n`,
    ext: 'csv',
  },
  { label: 'an empty file', text: '', ext: 'csv' },
  { label: 'a header only, with a BOM', text: '\ufeffemail,serial,user\r\n', ext: 'csv' },
  { label: 'JSON that is not an array', text: '{"email": "ann@fuzz.test"}', ext: 'json' },
  { label: 'JSON nested 100,000 deep', text: '['.repeat(100_000), ext: 'json' },
  {
    label: 'JSON rows of wrong types',
    text: '[{"email":42,"serial":{"$ne":null},"user":[1],"count":1e308}]',
    ext: 'json',
  },
  // Found by this test: the header, quoted in --json's details, put DEL and C1 bytes on stderr raw.
  { label: 'a header of DEL and C1 controls', text: '\u007f\u009b31m,\u0085\nx,y\n', ext: 'csv', json: true },
  { label: 'NUL bytes', text: Buffer.from('email\u0000,serial\nann@fuzz.test\u0000,R-0001\n'), ext: 'csv' },
  {
    label: 'standard input over LICCTL_BULK_MAX_INPUT_BYTES',
    text: 'email,serial,user\n' + `${MEMBERS[0]},${SERIALS[0]},${MEMBERS[0]}\n`.repeat(200),
    ext: 'csv',
    stdin: true,
    env: { LICCTL_BULK_MAX_INPUT_BYTES: '1000' },
  },
  {
    label: 'invalid dates and SQL in every column',
    text: `email,serial,user,count\n2026-02-30,"' OR '1'='1",0000-00-00,1e400\n`,
    ext: 'csv',
  },
]

/** The fixed files of the command at `index` in FILE_COMMANDS. */
const fixedCases = (
  index: number,
): Array<FileCase & { stdin?: boolean; env?: Record<string, string>; json?: boolean }> => [
  HALF_VALID[index % HALF_VALID.length]!,
  ...FIXED,
  ...ROTATING.filter((_, j) => j % FILE_COMMANDS.length === index),
]

interface Org {
  slug: string
  token: string
}

for (const dialect of DIALECTS) {
  describe(`fuzz: hostile --file input to every bulk command, real CLI and server, on ${dialect}`, function () {
    this.timeout(600_000)
    let server: E2eServer
    const failures = new Map<string, string>()
    const ran = new Map<string, { runs: number; exits: Map<number, number> }>()

    async function api(token: string, method: string, path: string, body?: unknown): Promise<unknown> {
      const res = await fetch(`${server.url}/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await res.text()
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
      return JSON.parse(text)
    }

    /** An organization of its own per command: members, devices and an add-on to work on. */
    async function orgFor(i: number): Promise<Org> {
      const slug = `fuzz-${i}`
      const created = (await api(server.operatorToken, 'POST', '/orgs', {
        slug,
        name: slug,
        admin: { email: `admin@${slug}.test` },
      })) as { admin: { token: string } }
      const token = created.admin.token
      recordSecret(token, 'token') // made through the API: the CLI never printed it
      await api(token, 'POST', `/orgs/${slug}/users/bulk-add`, { items: MEMBERS.map((email) => ({ email })) })
      await api(server.operatorToken, 'POST', `/orgs/${slug}/cloud/addons`, {
        key: 'cloud-processing',
        name: 'Cloud Processing',
        total: 2,
        expires: daysFromToday(400),
      })
      await api(token, 'POST', `/orgs/${slug}/cloud/addons/cloud-processing/bulk-assign`, {
        items: [{ email: MEMBERS[0] }],
      })
      await api(token, 'POST', `/orgs/${slug}/devices/bulk-add`, {
        items: SERIALS.map((serial) => ({ serial, category: 'router' })),
      })
      return { slug, token }
    }

    /** What a refused file must leave as it was, read through the API. */
    async function fingerprint(org: Org): Promise<string> {
      const [audit, users, devices, assignments] = await Promise.all([
        api(org.token, 'GET', `/orgs/${org.slug}/audit/verify`),
        api(org.token, 'GET', `/orgs/${org.slug}/users?limit=1000`),
        api(org.token, 'GET', `/orgs/${org.slug}/devices?limit=1000`),
        api(org.token, 'GET', `/orgs/${org.slug}/cloud/assignments?limit=1000`),
      ])
      const { entries, head, intact } = audit as { entries: number; head: unknown; intact: boolean }
      assert.ok(intact, `the audit chain of ${org.slug} is broken`)
      return JSON.stringify({
        entries,
        head,
        users: (users as { items: unknown[] }).items,
        devices: (devices as { items: unknown[] }).items,
        assignments: (assignments as { items: unknown[] }).items,
      })
    }

    /** One file through one command, and every check on what came back. */
    async function runCase(
      id: string,
      cmd: ManifestCommand,
      org: Org,
      c: FileCase & { stdin?: boolean; env?: Record<string, string> },
      opts: { json: boolean; dryRun: boolean },
      n: number,
    ): Promise<void> {
      const path = join(server.dir, `${id.replace(/:/g, '-')}-${n}.${c.ext}`)
      writeFileSync(path, c.text)
      const args = Object.entries(cmd.args)
        .filter(([, a]) => a.required)
        .map(([name]) => {
          const value = REQUIRED_ARGS[id]?.[name]
          assert.ok(value, `${id} requires the argument ${name}: add it to REQUIRED_ARGS in this file`)
          return value
        })
      const argv = [
        ...id.split(':'),
        ...args,
        '--file',
        c.stdin ? '-' : path,
        ...('yes' in cmd.flags ? ['--yes'] : []),
        ...(opts.json ? ['--json'] : []),
        ...(opts.dryRun ? ['--dry-run'] : []),
      ]
      const before = await fingerprint(org)
      const r: CliResult = await runCli(argv, {
        env: { ...server.env(org.token, org.slug), ...c.env },
        ...(c.stdin ? { input: c.text.toString() } : {}),
      })
      const stats = ran.get(id)!
      stats.runs++
      stats.exits.set(r.code, (stats.exits.get(r.code) ?? 0) + 1)
      const what = `licctl ${argv.join(' ').replace(path, `<${c.label}>`)} → exit ${r.code}\nfile: ${JSON.stringify(c.text.toString().slice(0, 300))}\nstderr: ${JSON.stringify(r.stderr.slice(0, 800))}\nstdout: ${JSON.stringify(r.stdout.slice(0, 300))}`
      assert.ok(ALLOWED_EXITS.includes(r.code), `an exit code off the spec's table (or a crash): ${what}`)
      assert.doesNotMatch(r.stderr, STACK_LINE, `a stack trace: ${what}`)
      assert.doesNotMatch(r.stderr, RAW_CONTROL, `a raw control character on stderr: ${what}`)
      assert.doesNotMatch(r.stdout, RAW_CONTROL, `a raw control character on stdout: ${what}`)
      if (r.code === 2) {
        const error = opts.json
          ? (
              JSON.parse(r.stderr.trim().split('\n').pop()!) as {
                error: {
                  code: string
                  message: string
                  details?: { errors?: Array<{ row: unknown; column: unknown }> }
                }
              }
            ).error
          : { code: /invalid input/.test(r.stderr) ? 'invalid_input' : 'other', message: r.stderr }
        if (error.code === 'invalid_input') {
          // Each problem names its row (or line) and its column, never `?`.
          assert.match(error.message, /(row|argument) \d+, column [^?:]+:/, `no row and column: ${what}`)
          assert.doesNotMatch(error.message, /column \?/, what)
          for (const e of error.details?.errors ?? []) {
            assert.ok(Number.isInteger(e.row) && (e.row as number) >= 1, `row ${String(e.row)}: ${what}`)
            assert.ok(typeof e.column === 'string' && e.column !== '' && e.column !== '?', what)
          }
        } else if (opts.json) {
          assert.ok(
            ['usage', 'input_too_large'].includes(error.code),
            `unexpected code ${error.code}: ${what}`,
          )
        }
        if (c.stdin) assert.match(r.stderr, /over the limit of 1000 bytes/, what)
        else assert.ok(r.stderr.includes(path), `the error does not name the file: ${what}`)
      }
      if (r.code === 2 || opts.dryRun)
        assert.equal(
          await fingerprint(org),
          before,
          `changed by a ${r.code === 2 ? 'refused file' : 'dry run'}: ${what}`,
        )
    }

    async function fuzzCommand(index: number, id: string, cmd: ManifestCommand): Promise<void> {
      ran.set(id, { runs: 0, exits: new Map() })
      const org = await orgFor(index)
      let n = 0
      for (const [k, c] of fixedCases(index).entries())
        await runCase(id, cmd, org, c, { json: c.json ?? k % 2 === 1, dryRun: k === 1 }, n++)
      await fc.assert(
        fc.asyncProperty(fileCase, fc.boolean(), fc.boolean(), async (c, json, dryRun) =>
          runCase(id, cmd, org, c, { json, dryRun }, n++),
        ),
        // A CLI run costs about a second: report the first failure as found (its seed reproduces it).
        { numRuns: RUNS, endOnFailure: true },
      )
    }

    before(async function () {
      server = await E2eServer.start({ dialect })
      await api(server.operatorToken, 'POST', '/devices/categories', { name: 'router', models: ['R-1000'] })
      const queue = FILE_COMMANDS.map((c, i) => ({ ...c, i }))
      const worker = async () => {
        for (let next = queue.shift(); next; next = queue.shift())
          await fuzzCommand(next.i, next.id, next.command).catch((e: Error) =>
            failures.set(next!.id, e.message + (e.cause instanceof Error ? `\n${e.cause.message}` : '')),
          )
      }
      await Promise.all(Array.from({ length: PARALLEL }, worker))
    })
    after(async () => {
      const lines = [...ran].map(
        ([id, s]) => `${id}: ${s.runs} files, exits ${[...s.exits].map(([c, k]) => `${c}×${k}`).join(' ')}`,
      )
      if (process.env.LICCTL_FILE_FUZZ_REPORT) console.log(lines.join('\n'))
      await server?.stop()
    })

    it('finds the bulk commands in the manifest (every command with a --file flag)', () => {
      assert.deepEqual(
        FILE_COMMANDS.map((c) => c.id),
        [
          'cloud:assign',
          'cloud:revoke',
          'devices:add',
          'devices:assign',
          'devices:detach',
          'devices:remove',
          'orgs:users:add',
          'orgs:users:remove',
          'seats:release',
        ],
      )
    })

    for (const [i, { id }] of FILE_COMMANDS.entries())
      it(`${id.replace(/:/g, ' ')}: ${fixedCases(i).length} fixed and ${RUNS} generated hostile files`, () => {
        const failure = failures.get(id)
        if (failure) assert.fail(failure)
        assert.equal(ran.get(id)?.runs, fixedCases(i).length + RUNS)
      })
  })
}
