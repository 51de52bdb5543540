import { strict as assert } from 'node:assert'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT, runCli } from '../helpers/e2e.js'
import { spawnProcessSync } from '../helpers/spawn.js'

/** `key=value` lines of an INI-style unit file, by section (repeated keys keep every value). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {}
  let section = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[(\w+)\]$/.exec(line)
    if (header) {
      section = header[1]!
      out[section] ??= {}
      continue
    }
    const eq = line.indexOf('=')
    assert.ok(eq > 0 && section, `not a key=value line in a section: ${line}`)
    ;(out[section]![line.slice(0, eq)] ??= []).push(line.slice(eq + 1))
  }
  return out
}

const hasSystemdAnalyze = spawnProcessSync('systemd-analyze', ['--version']).status === 0

describe('deployment files', function () {
  this.timeout(30_000)

  describe('deploy/licctl.service', () => {
    const text = readFileSync(join(ROOT, 'deploy/licctl.service'), 'utf8')
    const unit = parseUnit(text)

    it('starts the server, stops it with SIGTERM given more than its 10 s grace, restarts it on failure', () => {
      assert.deepEqual(Object.keys(unit), ['Unit', 'Service', 'Install'])
      const s = unit.Service!
      assert.match(s.ExecStart![0]!, /^\/usr\/bin\/licctl server start --host 127\.0\.0\.1 --port 8080$/)
      assert.deepEqual(s.KillSignal, ['SIGTERM'])
      assert.ok(Number(s.TimeoutStopSec![0]) > 10)
      assert.deepEqual(s.Restart, ['on-failure'])
      assert.deepEqual(s.User, ['licctl'])
      assert.deepEqual(s.StateDirectory, ['licctl'])
      assert.deepEqual(s.ReadWritePaths, ['/var/lib/licctl'])
      assert.deepEqual(unit.Install!.WantedBy, ['multi-user.target'])
    })

    it(`passes systemd-analyze verify${hasSystemdAnalyze ? '' : ' (skipped: no systemd-analyze here)'}`, function () {
      if (!hasSystemdAnalyze) return this.skip()
      // verify wants the binary and the user to exist: check a copy pointing at what this machine has.
      const dir = mkdtempSync(join(tmpdir(), 'licctl-unit-'))
      try {
        const copy = join(dir, 'licctl.service')
        writeFileSync(
          copy,
          text
            .replace(
              /^ExecStart=\/usr\/bin\/licctl /m,
              `ExecStart=${process.execPath} ${join(ROOT, 'bin/run.js')} `,
            )
            .replace(/^User=licctl$/m, 'User=root')
            .replace(/^Group=licctl$/m, 'Group=root'),
        )
        const res = spawnProcessSync('systemd-analyze', ['verify', copy])
        assert.equal(res.status, 0, res.stderr)
        assert.equal(res.stderr.trim(), '', 'no warnings')
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })

  describe('Dockerfile', () => {
    const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    const instructions = text
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))

    it('runs the server on a supported Node, as a non-root user, with a health check on /v1/health', () => {
      const from = instructions.filter((l) => l.startsWith('FROM '))
      assert.ok(
        from.every((l) => /^FROM node:24-/.test(l)),
        from.join('; '),
      )
      assert.ok(instructions.includes('USER node'))
      assert.ok(instructions.includes('STOPSIGNAL SIGTERM'))
      assert.ok(instructions.includes('EXPOSE 8080'))
      assert.ok(instructions.some((l) => l.startsWith('HEALTHCHECK ') && l.includes('/v1/health')))
      assert.ok(instructions.includes('ENTRYPOINT ["licctl"]'))
      assert.ok(
        instructions.includes('CMD ["server", "start", "--host", "0.0.0.0", "--port", "8080", "--migrate"]'),
      )
    })

    it('copies into the build stage every script `npm run build` runs, past .dockerignore', () => {
      const pjson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        scripts: { build: string }
      }
      const scripts = [...pjson.scripts.build.matchAll(/node (scripts\/\S+\.js)/g)].map((m) => m[1]!)
      assert.ok(scripts.includes('scripts/bundle.js'), pjson.scripts.build)
      const build = instructions.indexOf('RUN npm run build && npm prune --omit=dev --no-audit --no-fund')
      assert.ok(build > 0, 'the build stage runs npm run build')
      const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')
      for (const script of scripts) {
        const copy = instructions.findIndex((l) => l.startsWith('COPY ') && l.split(' ')[1] === script)
        assert.ok(copy >= 0 && copy < build, `COPY ${script} before npm run build`)
        assert.ok(ignore.includes(`!${script}`), `.dockerignore lets ${script} through`)
      }
    })

    it('uses only flags `server start` has', async () => {
      const help = await runCli(['server', 'start', '--help'])
      assert.equal(help.code, 0)
      for (const flag of ['--host', '--port', '--migrate', '--db'])
        assert.ok(help.stdout.includes(flag), flag)
    })

    it('is built by CI only where Docker runs', () => {
      const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8')
      assert.match(ci, /docker info >\/dev\/null 2>&1/)
      assert.match(ci, /docker build/)
      // The guard itself: without a daemon, the step is skipped, not failed.
      const syntax = spawnProcessSync('bash', ['-n', join(ROOT, '.ci/run')])
      assert.equal(syntax.status, 0, syntax.stderr)
    })
  })
})
