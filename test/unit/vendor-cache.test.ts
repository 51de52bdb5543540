import { strict as assert } from 'node:assert'
import {
  globSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT, spawnCli, spawnCliSync } from '../helpers/spawn.js'

/**
 * oclif and zod run as classic scripts whose V8 code cache is written after the command ran
 * (src/cli/vendor.ts, scripts/bundle.js): it then holds the functions the command called, which
 * Node's compile cache never does. What it costs and saves is measured in docs/performance.md; this
 * checks the cache's life: written once, kept while V8 accepts it, replaced when V8 refuses it, and
 * never a reason for a command to fail or to print anything.
 */
describe('cli start-up: the vendor scripts’ code cache', function () {
  let dir: string

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'licctl-vendor-cache-'))))
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    // Node turns its compile cache off when this is set at all, even empty.
    const { NODE_DISABLE_COMPILE_CACHE: _, ...inherited } = process.env
    return {
      ...inherited,
      LICCTL_CONFIG_DIR: join(dir, 'config'),
      LICCTL_DATA_DIR: join(dir, 'data'),
      LICCTL_URL: '',
      LICCTL_TOKEN: '',
      LICCTL_ORG: '',
      NODE_COMPILE_CACHE: join(dir, 'compile-cache'),
      ...extra,
    }
  }

  function run(extra: Record<string, string> = {}) {
    const res = spawnCliSync(['orgs', 'profiles', '--json'], { env: env(extra) })
    assert.equal(res.stderr, '', 'the cache is silent')
    assert.equal(res.status, 0)
    assert.deepEqual((JSON.parse(res.stdout) as { profiles: unknown[] }).profiles, [])
    return res
  }

  /** The oclif script's cache files: Node's compile cache has one folder per Node build. */
  function oclifCaches(): string[] {
    const root = join(dir, 'compile-cache')
    const found: string[] = []
    for (const folder of readdirSync(root, { withFileTypes: true }))
      if (folder.isDirectory())
        for (const file of readdirSync(join(root, folder.name)))
          if (/^licctl-vendor-oclif-[0-9a-f]{12}-[0-9a-z]+$/.test(file))
            found.push(join(root, folder.name, file))
    return found.sort()
  }
  /** The one cache file of the oclif script, if written. */
  function oclifCache(): string | undefined {
    const found = oclifCaches()
    assert.ok(found.length <= 1, `one cache file: ${found.join(', ')}`)
    return found[0]
  }

  it('is written by the first run, beside Node’s own compile cache, readable by its owner only', function () {
    run()
    const file = oclifCache()
    assert.ok(file, 'a cache for the oclif script')
    const { size, mode } = statSync(file)
    assert.ok(size > 10_000, `a cache of the functions that ran, not an empty one (${size} bytes)`)
    assert.equal(mode & 0o777, 0o600)
  })

  it('is kept as it is while V8 accepts it', function () {
    run()
    const file = oclifCache()!
    const before = { bytes: readFileSync(file), mtime: statSync(file).mtimeMs }
    run()
    assert.deepEqual(readFileSync(file), before.bytes)
    assert.equal(statSync(file).mtimeMs, before.mtime, 'not written again')
  })

  for (const [what, spoil] of [
    ['not a cache at all', () => Buffer.alloc(4096, 0x41)],
    ['cut short', (good: Buffer) => good.subarray(0, good.length >> 1)],
  ] as const)
    it(`one V8 refuses (${what}) changes nothing for the command, and is replaced`, function () {
      run()
      const file = oclifCache()!
      const good = readFileSync(file)
      const spoiled = spoil(good)
      writeFileSync(file, spoiled)
      run()
      const now = readFileSync(file)
      assert.notDeepEqual(now, spoiled, 'replaced')
      assert.ok(now.length > 10_000)
      run()
    })

  it('written by eight commands at once, is one V8 accepts (a temporary file each, then a rename)', async function () {
    const runs = Array.from({ length: 8 }, async () => {
      const child = spawnCli(['orgs', 'profiles', '--json'], {
        env: env(),
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      let err = ''
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d))
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
      return { code, out, err }
    })
    for (const { code, out, err } of await Promise.all(runs)) {
      assert.deepEqual([code, err], [0, ''])
      assert.deepEqual((JSON.parse(out) as { profiles: unknown[] }).profiles, [])
    }
    const file = oclifCache()!
    const folder = join(file, '..')
    assert.deepEqual(
      readdirSync(folder).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary file left behind',
    )
    const written = statSync(file).mtimeMs
    run()
    assert.equal(statSync(file).mtimeMs, written, 'accepted by the next run, not written again')
  })

  it('is not used for a script edited in place (same name and length, another modification time)', function () {
    const [script] = globSync('dist/bundle/vendor-oclif-*.js', { cwd: ROOT })
    const path = join(ROOT, script!)
    const { atime, mtime } = statSync(path)
    run()
    const [first] = oclifCaches()
    const before = readFileSync(first!)
    try {
      utimesSync(path, atime, new Date(mtime.getTime() + 60_000))
      run()
      const caches = oclifCaches()
      assert.equal(caches.length, 2, 'a cache of its own for the edited script')
      assert.deepEqual(readFileSync(first!), before, 'the first one untouched')
      const second = caches.find((c) => c !== first)!
      const written = statSync(second).mtimeMs
      run()
      assert.equal(statSync(second).mtimeMs, written, 'then used, not written again')
    } finally {
      utimesSync(path, atime, mtime)
    }
  })

  it('follows Node’s: none when the compile cache is off', function () {
    run({ NODE_DISABLE_COMPILE_CACHE: '1' })
    mkdirSync(join(dir, 'compile-cache'), { recursive: true })
    assert.equal(oclifCache(), undefined)
  })

  it('a cache that cannot be read or written (a folder in its place) changes nothing', function () {
    run()
    const file = oclifCache()!
    rmSync(file)
    mkdirSync(join(file, 'in-the-way'), { recursive: true })
    run()
    run()
    assert.ok(statSync(file).isDirectory())
    assert.deepEqual(
      readdirSync(join(file, '..')).filter((f) => f.endsWith('.tmp')),
      [],
      'the temporary file of a write that failed is removed',
    )
  })
})
