import { strict as assert } from 'node:assert'
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resolveConnection } from '../../src/cli/connection.js'
import envPaths from 'env-paths'
import { Profiles } from '../../src/cli/profiles.js'
import type { CliError } from '../../src/cli/errors.js'
import { restoreEnv } from '../helpers/env.js'

const OP = 'lic_op_operatorSecretOperatorSecret000000000'
const ACME = 'lic_u_acmeSecretAcmeSecretAcmeSecret00000000'

describe('profiles', function () {
  let dir: string
  const saved = { ...process.env }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'licctl-profiles-'))
    for (const k of ['LICCTL_URL', 'LICCTL_TOKEN', 'LICCTL_ORG', 'LICCTL_PROFILE']) delete process.env[k]
    process.env.LICCTL_CONFIG_DIR = dir
  })
  afterEach(() => {
    restoreEnv(saved)
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps the file at mode 0600, re-applied on every write', () => {
    const store = new Profiles(dir)
    store.save({ url: 'http://a.test', token: OP })
    assert.equal(store.path, join(dir, 'profiles.json'))
    assert.equal(statSync(store.path).mode & 0o777, 0o600)
    chmodSync(store.path, 0o644)
    store.save({ url: 'http://a.test', org: 'acme', token: ACME })
    assert.equal(statSync(store.path).mode & 0o777, 0o600)
  })

  it('reads without conf the very file conf writes: the same default location, and defaults when absent', () => {
    delete process.env.LICCTL_CONFIG_DIR
    // conf's own rule (conf 16): <env-paths(projectName, {suffix: projectSuffix}).config>/<configName>.json
    assert.equal(new Profiles().path, join(envPaths('licctl', { suffix: '' }).config, 'profiles.json'))
    const fresh = new Profiles(join(dir, 'nothing-here'))
    assert.deepEqual(fresh.all(), {})
    assert.equal(fresh.current(), undefined)
  })

  it('knows no profile by a name every object inherits (__proto__, constructor, toString)', () => {
    const store = new Profiles(dir)
    store.save({ url: 'http://a.test', org: 'acme', token: ACME })
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      assert.equal(store.get(name), undefined, name)
      assert.equal(store.remove(name), false, name)
    }
    assert.equal(store.currentName(), 'acme')
    assert.deepEqual(Object.keys(store.all()), ['acme'])
    // An organization may be called `constructor` (a valid slug): its profile is then found.
    store.save({ url: 'http://a.test', org: 'constructor', token: ACME }, false)
    assert.equal(store.get('constructor')?.org, 'constructor')
  })

  it('names profiles by organization (or operator), makes the newest current, and falls back on removal', () => {
    const store = new Profiles(dir)
    assert.equal(store.save({ url: 'http://a.test', token: OP }), 'operator')
    assert.equal(store.save({ url: 'http://a.test', org: 'acme', token: ACME }), 'acme')
    assert.equal(store.currentName(), 'acme')
    assert.equal(store.save({ url: 'http://b.test', org: 'globex', token: ACME }, false), 'globex')
    assert.equal(store.currentName(), 'acme')
    store.use('operator')
    assert.equal(store.current()?.token, OP)
    assert.equal(store.remove('operator'), true)
    assert.equal(store.currentName(), 'acme')
    assert.equal(store.remove('nope'), false)
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(store.path, 'utf8')).profiles), ['acme', 'globex'])
  })

  describe('a broken profiles file is refused naming the file, and never overwritten', () => {
    const broken = (why: string) => ({
      code: 'invalid_profiles',
      exitCode: 1,
      message: `the profiles file ${join(dir, 'profiles.json')} is ${why}`,
    })
    const refusal = (fn: () => unknown) => {
      try {
        fn()
      } catch (err) {
        const e = err as CliError
        return { code: e.code, exitCode: e.exitCode, message: e.message }
      }
      return assert.fail('expected a refusal')
    }
    for (const [text, why] of [
      ['{bad', 'not valid JSON (at line 1 column 2)'],
      [
        `{"profiles":{"acme":{"url":"http://a.test","token":"${ACME}"}}`,
        'not valid JSON (at line 1 column 100)',
      ],
      ['[]', 'not a JSON object'],
      ['{"profiles":null}', 'broken: "profiles" is not an object'],
      [
        '{"current":"acme","profiles":{"acme":{"url":"http://a.test"}}}',
        'broken: profile \'acme\' needs a "url" and a "token"',
      ],
      ['{"current":7,"profiles":{}}', 'broken: "current" is not a profile name'],
    ] as const) {
      it(text, () => {
        writeFileSync(join(dir, 'profiles.json'), text)
        const store = new Profiles(dir)
        assert.deepEqual(
          refusal(() => store.all()),
          broken(why),
        )
        assert.deepEqual(
          refusal(() => store.current()),
          broken(why),
        )
        assert.deepEqual(
          refusal(() => resolveConnection(undefined)),
          broken(why),
        )
        // `orgs login` refuses too: saving over it would lose every other profile's token.
        assert.deepEqual(
          refusal(() => store.save({ url: 'http://a.test', token: OP })),
          broken(why),
        )
        assert.deepEqual(
          refusal(() => store.use('acme')),
          broken(why),
        )
        assert.equal(readFileSync(join(dir, 'profiles.json'), 'utf8'), text)
        // The token in a broken file is never quoted back.
        assert.ok(!JSON.stringify(refusal(() => store.all())).includes(ACME))
      })
    }
  })

  it('with profiles but no current one (it names a profile that is gone), says so instead of "no profile"', () => {
    writeFileSync(
      join(dir, 'profiles.json'),
      JSON.stringify({
        current: 'gone',
        profiles: { acme: { url: 'http://a.test', org: 'acme', token: ACME } },
      }),
    )
    assert.throws(
      () => resolveConnection(undefined),
      (err: unknown) =>
        (err as CliError).exitCode === 4 &&
        (err as CliError).message === "no current profile: the current one, 'gone', does not exist" &&
        (err as CliError).hint ===
          'pick one with `licctl orgs use <profile>` (known profiles: acme), or pass --profile',
    )
    // The profile an --org names is still found.
    assert.equal(resolveConnection('acme').token, ACME)
  })

  it('says which file it cannot save, and why, when the config directory cannot be written', () => {
    // A file where the directory should be: ENOTDIR (as root, file modes would not stop the write).
    writeFileSync(join(dir, 'not-a-dir'), '')
    const store = new Profiles(join(dir, 'not-a-dir', 'licctl'))
    assert.throws(
      () => store.save({ url: 'http://a.test', token: OP }),
      (err: unknown) =>
        (err as CliError).code === 'profiles_not_writable' &&
        (err as CliError).exitCode === 1 &&
        (err as CliError).message ===
          `cannot save profiles in ${join(dir, 'not-a-dir', 'licctl', 'profiles.json')}: a part of that path is a file, not a directory`,
    )
  })

  describe('resolveConnection', () => {
    beforeEach(() => {
      const store = new Profiles(dir)
      store.save({ url: 'http://op.test', token: OP })
      store.save({ url: 'http://acme.test', org: 'acme', token: ACME }, false)
    })

    it('uses the current profile', () => {
      assert.deepEqual(resolveConnection(undefined), {
        url: 'http://op.test',
        token: OP,
        org: undefined,
        profile: 'operator',
      })
    })

    it('--org picks that organization’s profile', () => {
      assert.deepEqual(resolveConnection('acme'), {
        url: 'http://acme.test',
        token: ACME,
        org: 'acme',
        profile: 'acme',
      })
    })

    it('--org without a profile acts on that organization with the current profile (the operator’s case)', () => {
      assert.deepEqual(resolveConnection('globex'), {
        url: 'http://op.test',
        token: OP,
        org: 'globex',
        profile: 'operator',
      })
    })

    it('--profile picks the server and token, whatever --org names; the organization stays --org’s', () => {
      new Profiles(dir).use('acme')
      assert.deepEqual(resolveConnection('acme', 'operator'), {
        url: 'http://op.test',
        token: OP,
        org: 'acme',
        profile: 'operator',
      })
      assert.deepEqual(resolveConnection(undefined, 'operator'), {
        url: 'http://op.test',
        token: OP,
        org: undefined,
        profile: 'operator',
      })
      assert.deepEqual(resolveConnection(undefined, 'acme'), {
        url: 'http://acme.test',
        token: ACME,
        org: 'acme',
        profile: 'acme',
      })
      process.env.LICCTL_PROFILE = 'operator'
      assert.equal(resolveConnection('acme').token, OP)
      assert.equal(resolveConnection('acme', 'acme').token, ACME, 'the flag wins over LICCTL_PROFILE')
      process.env.LICCTL_TOKEN = 'lic_u_fromTheEnvironment000000000000000000'
      // The token is the environment's, not the profile's (a refusal's hint names LICCTL_TOKEN).
      assert.deepEqual(resolveConnection('acme'), {
        url: 'http://op.test',
        token: 'lic_u_fromTheEnvironment000000000000000000',
        org: 'acme',
        profile: undefined,
      })
    })

    it('--profile naming no profile is not found (5), and is refused when the variables replace every profile (2)', () => {
      assert.throws(
        () => resolveConnection('acme', 'acm'),
        (err: CliError) =>
          err.code === 'not_found' &&
          err.exitCode === 5 &&
          err.message === "--profile: no profile named 'acm'" &&
          err.hint === 'known profiles: operator, acme; create one with `licctl orgs login`',
      )
      process.env.LICCTL_PROFILE = 'acm'
      assert.throws(
        () => resolveConnection('acme'),
        (err: CliError) => err.exitCode === 5 && err.message === "LICCTL_PROFILE: no profile named 'acm'",
      )
      process.env.LICCTL_URL = 'http://ci.test'
      process.env.LICCTL_TOKEN = 'lic_u_fromTheEnvironment000000000000000000'
      assert.throws(
        () => resolveConnection('acme', 'operator'),
        (err: CliError) =>
          err.exitCode === 2 &&
          err.message ===
            "--profile 'operator' cannot be used while LICCTL_URL and LICCTL_TOKEN are set: they replace every profile",
      )
    })

    it('LICCTL_ORG picks a profile like --org, and the flag wins over it', () => {
      process.env.LICCTL_ORG = 'acme'
      assert.equal(resolveConnection(undefined).token, ACME)
      assert.equal(resolveConnection('globex').org, 'globex')
    })

    it('treats empty LICCTL_* variables as unset', () => {
      process.env.LICCTL_URL = ''
      process.env.LICCTL_TOKEN = ''
      process.env.LICCTL_ORG = ''
      new Profiles(dir).use('acme')
      assert.deepEqual(resolveConnection(undefined), {
        url: 'http://acme.test',
        token: ACME,
        org: 'acme',
        profile: 'acme',
      })
    })

    it('LICCTL_URL and LICCTL_TOKEN override every profile', () => {
      process.env.LICCTL_URL = 'http://ci.test'
      process.env.LICCTL_TOKEN = 'lic_u_fromTheEnvironment000000000000000000'
      process.env.LICCTL_ORG = 'acme'
      assert.deepEqual(resolveConnection(undefined), {
        url: 'http://ci.test',
        token: 'lic_u_fromTheEnvironment000000000000000000',
        org: 'acme',
        profile: undefined,
      })
    })

    it('LICCTL_TOKEN alone keeps the profile’s server', () => {
      process.env.LICCTL_TOKEN = 'lic_u_fromTheEnvironment000000000000000000'
      assert.equal(resolveConnection('acme').url, 'http://acme.test')
    })

    it('never sends a profile’s token to another server named by LICCTL_URL alone', () => {
      process.env.LICCTL_URL = 'http://elsewhere.test'
      assert.throws(
        () => resolveConnection(undefined),
        (err: CliError) =>
          err.exitCode === 4 &&
          err.message ===
            "LICCTL_URL is set without LICCTL_TOKEN, and profile 'operator' is for http://op.test",
      )
      process.env.LICCTL_URL = 'http://op.test/'
      assert.equal(resolveConnection(undefined).token, OP)
    })

    it('says a variable is set but empty, rather than not set, when that is why nothing works', () => {
      process.env.LICCTL_URL = 'http://elsewhere.test'
      process.env.LICCTL_TOKEN = ''
      assert.throws(
        () => resolveConnection(undefined),
        (err: CliError) =>
          err.exitCode === 4 &&
          err.message ===
            "LICCTL_URL is set but LICCTL_TOKEN is empty, and profile 'operator' is for http://op.test",
      )
      rmSync(join(dir, 'profiles.json'))
      const cases: Array<[string | undefined, string | undefined, string]> = [
        ['http://ci.test', '', 'LICCTL_URL is set but LICCTL_TOKEN is empty, and there is no profile'],
        ['', 'lic_u_x', 'LICCTL_TOKEN is set but LICCTL_URL is empty, and there is no profile'],
        [undefined, '', 'no profile, LICCTL_TOKEN is set but empty, and LICCTL_URL is not set'],
        ['', undefined, 'no profile, LICCTL_URL is set but empty, and LICCTL_TOKEN is not set'],
        ['', '', 'no profile, and LICCTL_URL and LICCTL_TOKEN are set but empty'],
        ['http://ci.test', undefined, 'LICCTL_URL is set but LICCTL_TOKEN is not, and there is no profile'],
        [undefined, undefined, 'no profile, and neither LICCTL_URL nor LICCTL_TOKEN is set'],
      ]
      for (const [url, token, message] of cases) {
        for (const [name, value] of [
          ['LICCTL_URL', url],
          ['LICCTL_TOKEN', token],
        ] as const)
          if (value === undefined) delete process.env[name]
          else process.env[name] = value
        assert.throws(
          () => resolveConnection(undefined),
          (err: CliError) =>
            err.code === 'not_logged_in' && err.exitCode === 4 && err.message === `not logged in: ${message}`,
          `${url} ${token}`,
        )
      }
    })

    it('says how to log in when nothing is configured (exit 4)', () => {
      rmSync(join(dir, 'profiles.json'))
      assert.throws(
        () => resolveConnection(undefined),
        (err: CliError) => err.code === 'not_logged_in' && err.exitCode === 4 && /orgs login/.test(err.hint!),
      )
    })
  })
})
