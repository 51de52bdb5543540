import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { ROOT, runCli } from '../helpers/e2e.js'
import { runInPty } from '../helpers/pty.js'
import { SecretScan, scanInto } from '../helpers/secret-scan.js'
import { CliStderrCopy, learnInputs, spawnCli, spawnCliSync, spawnProcessSync } from '../helpers/spawn.js'

/**
 * The whole run's secret scan: what it calls a leak, and that every way a test starts the CLI or a
 * server hands it the output. Each test records into a scan of its own (scanInto), so the leaks it
 * makes on purpose do not fail the run's.
 */
describe('the secret scan', function () {
  this.timeout(60_000)
  const token = (c: string) => `lic_u_${c.repeat(43)}`
  const KEY = 'A1B2C-D3E4F-G5H6J-K7M8N-P9Q0R'

  describe('what is a leak', function () {
    it('a token on stderr or in a server log, named by the output, its line and the secret masked', () => {
      const scan = new SecretScan()
      scan.recordCliRun('licctl orgs create acme (test/x.test.ts:1)', `{"token":"${token('B')}"}\n`, '')
      scan.recordCliRun('licctl orgs show (test/x.test.ts:2)', '', `fine\nError: bad ${token('B')}\n`)
      scan.recordOutput(
        'server log',
        'licctl server start (test/x.test.ts:3)',
        () => `{"msg":"${token('B')}"}`,
      )
      assert.deepEqual(scan.findLeaks(), [
        'stderr of licctl orgs show (test/x.test.ts:2), line 2: a token lic_u_BBBB…(49 chars)',
        'server log of licctl server start (test/x.test.ts:3), line 1: a token lic_u_BBBB…(49 chars)',
      ])
    })

    it('a CLI’s stdout may show a token once, the first time; showing it again leaks it', () => {
      const scan = new SecretScan()
      scan.recordCliRun('licctl orgs tokens create (a)', token('C'), '')
      assert.deepEqual(scan.findLeaks(), [])
      scan.recordCliRun(`licctl orgs show ${token('C')} (b)`, `here: ${token('C')}`, '')
      assert.deepEqual(scan.findLeaks(), [
        'stdout of licctl orgs show lic_u_CCCC…(49 chars) (b): shows again a token shown before, lic_u_CCCC…(49 chars)',
      ])
    })

    it('anything token-shaped on stderr, known or not; a device key on stderr but not on stdout', () => {
      const scan = new SecretScan()
      scan.recordCliRun('licctl devices keys issue (a)', `${KEY}\n`, '')
      scan.recordCliRun('licctl devices keys list (b)', `${KEY}\n`, `${token('D')} ${KEY}\n`)
      assert.deepEqual(scan.findLeaks(), [
        'stderr of licctl devices keys list (b), line 1: a key A1B2C-D3E4…(29 chars)',
        'stderr of licctl devices keys list (b), line 1: a token-shaped lic_u_DDDD…(49 chars)',
      ])
    })

    it('learns a database URL’s password and the tokens a test hands a process', async () => {
      const scan = new SecretScan()
      await scanInto(scan, async () =>
        learnInputs(['postgres://u:pw-0123456789@127.0.0.1/db', `x${token('E')}`, undefined]),
      )
      scan.recordOutput('stderr', 'x', () => `pw-0123456789 lic_u_EEEE`)
      scan.recordOutput('stderr', 'y', () => token('E'))
      assert.deepEqual(scan.findLeaks(), [
        'stderr of x, line 1: a password pw-012345…(13 chars)',
        'stderr of y, line 1: a token lic_u_EEEE…(49 chars)',
      ])
    })
  })

  // The CLI is given a token as its command and made to leak it: a module loaded first
  // (NODE_OPTIONS=--import) writes its last argument to stderr. (oclif's own "command … not found"
  // leaked it for real until the hook redacted it.)
  describe('every way a test starts the CLI or a server hands its output to the scan', function () {
    const leaky = token('A')
    const leakyEnv = {
      NODE_OPTIONS: `--import=${join(ROOT, 'test/fixtures/stderr-last-arg.mjs')}`,
    }
    const leak = (line = '\\d+') =>
      new RegExp(
        `^stderr of licctl lic_u_AAAA…\\(49 chars\\) \\(test/unit/secret-scan\\.test\\.ts:\\d+\\), line ${line}: a token lic_u_AAAA…\\(49 chars\\)$`,
      )
    const leaksOf = async (run: () => Promise<unknown>) => {
      const scan = new SecretScan()
      await scanInto(scan, run)
      return scan.findLeaks()
    }

    it('runCli', async () => {
      const leaks = await leaksOf(() => runCli([leaky], { env: leakyEnv }))
      assert.equal(leaks.length, 1, leaks.join('\n'))
      assert.match(leaks[0]!, leak('1'))
    })

    it('spawnCli, the output read by the test itself', async () => {
      const leaks = await leaksOf(
        () =>
          new Promise((done) =>
            spawnCli([leaky], {
              stdio: ['ignore', 'ignore', 'pipe'],
              env: { ...process.env, ...leakyEnv },
            }).once('close', done),
          ),
      )
      assert.equal(leaks.length, 1, leaks.join('\n'))
      assert.match(leaks[0]!, leak('1'))
    })

    it('spawnCliSync', async () => {
      const leaks = await leaksOf(async () => spawnCliSync([leaky], { env: { ...process.env, ...leakyEnv } }))
      assert.equal(leaks.length, 1, leaks.join('\n'))
      assert.match(leaks[0]!, leak('1'))
    })

    it('runInPty: stderr, copied off the terminal; the screen may not show a token it was given', async () => {
      const leaks = await leaksOf(() => runInPty([leaky], { env: leakyEnv }))
      assert.ok(
        leaks.some((l) => leak('1').test(l)),
        leaks.join('\n'),
      )
      assert.ok(leaks.some((l) => /^stdout of licctl lic_u_AAAA.*: shows again a token shown before/.test(l)))
    })

    it('CliStderrCopy: the CLI run by a shell that sends its stderr to /dev/null', async () => {
      const leaks = await leaksOf(async () => {
        const copy = new CliStderrCopy()
        const command = [...copy.argv, leaky].map((a) => `'${a}'`).join(' ')
        const shell = spawnProcessSync('sh', ['-c', `${command} 2>/dev/null`], {
          env: { ...process.env, ...copy.env, ...leakyEnv },
        })
        assert.equal(shell.stderr, '')
        copy.take([leaky])
      })
      assert.equal(leaks.length, 1, leaks.join('\n'))
      assert.match(leaks[0]!, leak('1'))
    })

    it('a server’s log (stderr) and stdout, read when the run ends', async () => {
      // The token written by a module the server process loads first (no server of ours logs one);
      // it is known: it was on the command line.
      const hook = `data:text/javascript,process.stderr.write(${JSON.stringify(`${leaky}\n`)})`
      const leaks = await leaksOf(
        () =>
          new Promise((done) =>
            spawnCli(['server', 'start', '--db', '/nonexistent/licctl.sqlite'], {
              nodeArgs: ['--import', hook],
              stdio: ['ignore', 'pipe', 'pipe'],
            }).once('close', done),
          ),
      )
      assert.deepEqual(
        leaks.map((l) => l.replace(/:\d+\)/, ':N)')),
        [
          'server log of licctl server start --db /nonexistent/licctl.sqlite (test/unit/secret-scan.test.ts:N), line 1: a token lic_u_AAAA…(49 chars)',
        ],
      )
    })
  })
})
