import { strict as assert } from 'node:assert'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { E2eServer, runCli } from '../helpers/e2e.js'
import { CliStderrCopy, spawnProcessSync } from '../helpers/spawn.js'

/** Whether a shell is installed here (CI may lack zsh and fish: only those checks are skipped). */
function has(shell: string): boolean {
  return spawnProcessSync(shell, ['-c', 'exit 0']).status === 0
}

/**
 * Shell completion: @oclif/plugin-autocomplete's bash and zsh scripts, licctl's fish script, and
 * the values only the user's machine knows (profile names, organization slugs) from
 * `licctl __complete`. Each shell that is installed runs its script for real.
 */
describe('e2e: shell completion (bash, zsh, fish) with profile names and organization slugs', function () {
  this.timeout(120_000)
  let server: E2eServer
  /** Environment for the CLI and the shells: profiles, cache and a `licctl` on PATH. */
  let env: Record<string, string>
  let cache: string
  let functions: string
  /** The shells send the CLI's stderr to /dev/null: the `licctl` on PATH copies it for the scan. */
  let stderr: CliStderrCopy

  before(async () => {
    stderr = new CliStderrCopy()
    server = await E2eServer.start()
    await server.createOrg('acme')
    await server.createOrg('globex')
    const config = join(server.dir, 'completion-config')
    cache = join(server.dir, 'completion-cache')
    functions = join(cache, 'autocomplete/functions')
    mkdirSync(config, { recursive: true })
    writeFileSync(
      join(config, 'profiles.json'),
      JSON.stringify({
        current: 'operator',
        profiles: {
          acme: { url: server.url, org: 'acme', token: 'lic_u_notUsedHere' },
          operator: { url: server.url, token: server.operatorToken },
          // Edited by hand: nothing the shell would misread reaches it.
          'two words': { url: server.url, org: 'x\u001b[2Jy', token: 'lic_u_x' },
        },
      }),
    )
    const bin = join(server.dir, 'bin')
    mkdirSync(bin)
    const argv = stderr.argv.map((a) => `'${a}'`).join(' ')
    writeFileSync(join(bin, 'licctl'), `#!/bin/sh\nexec ${argv} "$@"\n`)
    chmodSync(join(bin, 'licctl'), 0o755)
    env = {
      LICCTL_CONFIG_DIR: config,
      LICCTL_CACHE_DIR: cache,
      PATH: `${bin}:${process.env.PATH}`,
      NO_COLOR: '1',
      ...stderr.env,
    }
    const create = await runCli(['autocomplete', 'create'], { env })
    assert.equal(create.code, 0, create.stderr)
  })
  after(async () => {
    stderr?.take(['__complete', '(each run by bash, zsh and fish)'])
    await server.stop()
  })

  describe('licctl __complete: the values, answered without loading oclif', function () {
    it('profiles: the local profiles by name', async () => {
      const res = await runCli(['__complete', 'profiles'], { env })
      assert.equal(res.code, 0, res.stderr)
      assert.equal(res.stdout, 'acme\noperator\n')
      assert.equal(res.stderr, '')
    })

    it('orgs: the profiles’ organizations, and those `orgs list` and `orgs create` showed on this server', async () => {
      const before = await runCli(['__complete', 'orgs'], { env })
      assert.equal(before.stdout, 'acme\n', 'only the profile’s organization is known so far')
      const list = await runCli(['orgs', 'list', '--json'], { env })
      assert.equal(list.code, 0, list.stderr)
      const after = await runCli(['__complete', 'orgs'], { env })
      assert.equal(after.stdout, 'acme\nglobex\n')
      const created = await runCli(['orgs', 'create', 'initech', '--name', 'Initech'], { env })
      assert.equal(created.code, 0, created.stderr)
      assert.equal((await runCli(['__complete', 'orgs'], { env })).stdout, 'acme\nglobex\ninitech\n')
      // Another server's organizations are not this one's.
      const elsewhere = await runCli(['__complete', 'orgs'], {
        env: { ...env, LICCTL_URL: 'http://127.0.0.1:9', LICCTL_TOKEN: 'lic_u_x' },
      })
      assert.equal(elsewhere.stdout, 'acme\n')
      assert.equal(readFileSync(join(cache, 'orgs.json'), 'utf8').includes(new URL(server.url).origin), true)
    })

    it('an unknown kind exits 2 and prints nothing; no profile file prints nothing', async () => {
      const bad = await runCli(['__complete', 'users'], { env })
      assert.equal(bad.code, 2)
      assert.equal(bad.stdout, '')
      const none = await runCli(['__complete', 'profiles'], {
        env: { ...env, LICCTL_CONFIG_DIR: join(server.dir, 'nothing-here') },
      })
      assert.equal(none.code, 0)
      assert.equal(none.stdout, '')
    })
  })

  describe('the scripts', function () {
    it('bash: the plugin’s commands and flags, and the values after --org, --profile and for orgs use', () => {
      const bash = readFileSync(join(functions, 'bash/licctl.bash'), 'utf8')
      assert.match(
        bash,
        /^seats:provision --json --jq --org --profile --seats --expires --lease-ttl --max-roaming$/m,
      )
      assert.match(bash, /^orgs:users:list --json --jq --org --profile --output --role$/m)
      assert.match(bash, /^ {4}--org\) kind=orgs ;;$/m)
      assert.match(bash, /^ {4}--profile\) kind=profiles ;;$/m)
      assert.match(bash, /^ {6}orgs:use\|orgs:logout\) kind=profiles ;;$/m)
      assert.match(bash, /\$\(licctl __complete "\$kind" 2>\/dev\/null\)/)
      assert.match(bash, /^complete -F __licctl_values licctl$/m)
      const syntax = spawnProcessSync('bash', ['-n', join(functions, 'bash/licctl.bash')])
      assert.equal(syntax.status, 0, syntax.stderr)
    })

    it('zsh: the plugin’s commands and flags, wrapped by the values', function () {
      const zsh = readFileSync(join(functions, 'zsh/_licctl'), 'utf8')
      assert.match(zsh, /^#compdef licctl$/m)
      assert.match(zsh, /"provision\[Provision a seat pool for an organization \(operator\)\]"/)
      assert.match(zsh, /values=\(\$\{\(f\)"\$\(licctl __complete \$kind 2>\/dev\/null\)"\}\)/)
      assert.ok(
        zsh.trimEnd().endsWith('_licctl "$@"'),
        'the first load runs the wrapper, not the plugin’s function',
      )
      if (!has('zsh')) return this.skip()
      const syntax = spawnProcessSync('zsh', ['-n', join(functions, 'zsh/_licctl')])
      assert.equal(syntax.status, 0, syntax.stderr)
    })

    it('fish: every command, its flags with their options, and the values', function () {
      const fish = readFileSync(join(functions, 'fish/licctl.fish'), 'utf8')
      assert.match(
        fish,
        /^complete -c licctl -n '__licctl_arg "orgs:users" 1' -a 'list' -d 'List the organization’s members'$/m,
      )
      assert.match(
        fish,
        /^complete -c licctl -n '__licctl_at orgs:users:list' -l role -x -a 'admin member' -d /m,
      )
      assert.match(fish, /^complete -c licctl -n '__licctl_at seats:provision' -l seats -r -F -d /m)
      assert.match(
        fish,
        /^complete -c licctl -n '__licctl_at seats:list' -l org -x -a '\(licctl __complete orgs 2>\/dev\/null\)' -d /m,
      )
      assert.match(
        fish,
        /^complete -c licctl -n '__licctl_arg orgs:use 1' -a '\(licctl __complete profiles 2>\/dev\/null\)' -d 'profile'$/m,
      )
      if (!has('fish')) return this.skip()
      const syntax = spawnProcessSync('fish', ['-n', join(functions, 'fish/licctl.fish')])
      assert.equal(syntax.status, 0, syntax.stderr)
    })

    it('`autocomplete fish` builds the cache and says how to load it; `autocomplete script fish` prints that line', async () => {
      const own = join(server.dir, 'fish-cache')
      const res = await runCli(['autocomplete', 'fish'], { env: { ...env, LICCTL_CACHE_DIR: own } })
      assert.equal(res.code, 0, res.stderr)
      assert.match(res.stdout, /licctl autocomplete script fish >> ~\/\.config\/fish\/config\.fish/)
      const script = await runCli(['autocomplete', 'script', 'fish'], {
        env: { ...env, LICCTL_CACHE_DIR: own },
      })
      assert.equal(
        script.stdout,
        `set -gx LICCTL_AC_FISH_SETUP_PATH '${own}/autocomplete/fish_setup'; and test -f $LICCTL_AC_FISH_SETUP_PATH; and source $LICCTL_AC_FISH_SETUP_PATH; # licctl autocomplete setup\n`,
      )
      assert.equal(
        readFileSync(join(own, 'autocomplete/fish_setup'), 'utf8'),
        `source '${own}/autocomplete/functions/fish/licctl.fish'\n`,
      )
      const bash = await runCli(['autocomplete', 'script', 'bash'], {
        env: { ...env, LICCTL_CACHE_DIR: own },
      })
      assert.match(bash.stdout, /LICCTL_AC_BASH_SETUP_PATH=.*bash_setup/)
    })

    it('`autocomplete` and `autocomplete script` take the shell in any case, as every argument with values does', async () => {
      const own = { ...env, LICCTL_CACHE_DIR: join(server.dir, 'any-case-cache') }
      const lower = await runCli(['autocomplete', 'script', 'bash'], { env: own })
      const upper = await runCli(['autocomplete', 'script', 'BASH'], { env: own })
      assert.equal(upper.code, 0, upper.stderr)
      assert.equal(upper.stdout, lower.stdout)
      const index = await runCli(['autocomplete', 'Zsh'], { env: own })
      assert.equal(index.code, 0, index.stderr)
      assert.match(index.stdout, /Setup Instructions for LICCTL CLI Autocomplete ---/)
      assert.match(index.stdout, /\.zshrc/)
    })
  })

  // What a TAB offers, in each shell, for: the command line typed so far (the last word is the
  // one being completed).
  const CASES: Array<[string[], string[]]> = [
    [
      ['licctl', 'orgs', 'use', ''],
      ['acme', 'operator'],
    ],
    [['licctl', 'orgs', 'logout', 'o'], ['operator']],
    [['licctl', 'seats', 'list', '--org', 'g'], ['globex']],
    [['licctl', 'seats', 'provision', 'cad', '--profile', 'o'], ['operator']],
    [['licctl', 'orgs', 'show', 'a'], ['acme']],
  ]

  describe('in the shells, for real', function () {
    // The operator's listing, remembered for --org (acme is also a profile's organization).
    before(async () => {
      const list = await runCli(['orgs', 'list'], { env })
      assert.equal(list.code, 0, list.stderr)
    })

    it('bash: the wrapper offers the values, and leaves commands and flags to the plugin', function () {
      const script = join(functions, 'bash/licctl.bash')
      const lines = [...CASES, [['licctl', 'seats', 'list', '--or'], ['--org']] as [string[], string[]]].map(
        ([words]) =>
          `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); __licctl_values; echo "\${COMPREPLY[*]}"`,
      )
      // `--org=gl<TAB>`: bash splits the word at '='.
      lines.push(
        `COMP_WORDS=(licctl seats list --org = gl); COMP_CWORD=5; COMPREPLY=(); __licctl_values; echo "\${COMPREPLY[*]}"`,
      )
      const res = spawnProcessSync('bash', ['-c', `source '${script}'\n${lines.join('\n')}`], {
        env: { ...process.env, ...env },
      })
      assert.equal(res.status, 0, res.stderr)
      assert.deepEqual(res.stdout.split('\n').slice(0, -1), [
        ...CASES.map(([, want]) => want.join(' ')),
        '--org',
        'globex',
      ])
    })

    it('zsh: the wrapper offers the values through compadd, and calls the plugin’s function otherwise', function () {
      if (!has('zsh')) return this.skip()
      // The completion system's builtins, stubbed: what the wrapper would add, or that it deferred.
      const stubs = `
compadd() { local typed=\${words[CURRENT]#--*=}; [[ $1 == -a ]] && print -r -- \${(M)\${(P)2}:#$typed*} }
compset() { : }
_arguments() { print -r -- plugin }
_values() { : }
t() { words=("$@"); CURRENT=$#; _licctl }
words=(licctl orgs use ''); CURRENT=4
source '${join(functions, 'zsh/_licctl')}'
`
      const lines = [
        ...CASES.slice(1).map(([words]) => `t ${words.map((w) => `'${w}'`).join(' ')}`),
        `t licctl seats list --org=gl`,
        `t licctl seats list --or`,
      ]
      const res = spawnProcessSync('zsh', ['-f', '-c', stubs + lines.join('\n')], {
        env: { ...process.env, ...env },
      })
      assert.equal(res.status, 0, res.stderr)
      assert.deepEqual(res.stdout.split('\n').slice(0, -1), [
        ...CASES.map(([, want]) => want.join(' ')),
        'globex',
        'plugin',
      ])
    })

    it('fish: complete -C gives commands, flags and the values', function () {
      if (!has('fish')) return this.skip()
      const cases: Array<[string, string[]]> = [
        ...CASES.map(([words, want]): [string, string[]] => [words.join(' '), want]),
        ['licctl orgs u', ['update', 'use', 'users']],
        ['licctl orgs users list --role ', ['admin', 'member']],
        ['licctl seats list --org=g', ['--org=globex']],
        ['licctl orgs show acme ', []],
      ]
      const script = cases.map(([line]) => `complete -C '${line}'; echo '=='`).join('\n')
      const res = spawnProcessSync(
        'fish',
        ['--no-config', '-c', `source '${join(functions, 'fish/licctl.fish')}'\n${script}`],
        { env: { ...process.env, ...env } },
      )
      assert.equal(res.status, 0, res.stderr)
      const answers = res.stdout
        .split('==\n')
        .slice(0, -1)
        .map((block) =>
          block
            .split('\n')
            .filter(Boolean)
            .map((l) => l.split('\t')[0]!),
        )
      assert.deepEqual(
        answers,
        cases.map(([, want]) => want),
      )
    })
  })
})
