// oclif and zod, loaded as classic scripts with a V8 code cache written after the command ran
// (scripts/bundle.js builds them; docs/performance.md has the figures).
//
// Node's compile cache (`module.enableCompileCache`, which bin/run.js turns on) stores a module's code
// cache when the module is compiled, before any of it runs, so it holds the module's top level and
// nothing of the functions it calls: V8 compiled oclif's and zod's functions anew on every run, a
// fifth of a one-request command's instructions. A classic script's cache can be made after it
// ran (`vm.Script#createCachedData`), and then holds every function compiled so far. Node offers
// that for ES modules only behind a flag, so the two libraries are built as classic scripts, and the
// bundle's ES modules import them through small stand-in modules that call `loadVendor`.
//
// The cache files go beside Node's own compile cache (same directory, same trust), named after the
// script, whose name carries a hash of its content. V8 refuses a cache made by another V8 version or
// with other flags (`cachedDataRejected`); such a cache is written again at exit. V8 checks the
// source only by its length, so the name also carries the script's modification time: a script
// edited in place (same name, same length) does not run the bytecode of what it was, and two
// copies of one build (npm gives every installed file the same time) share one cache.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire, getCompileCacheDir } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Script } from 'node:vm'

/** Scripts whose cache is to be written at exit. */
const pending = new Map<string, { script: Script; cacheFile: string }>()
let exitHookInstalled = false
/** Each script runs once per process, however many stand-in modules ask for it. */
const loaded = new Map<string, unknown>()

function writeCaches(): void {
  for (const { script, cacheFile } of pending.values()) {
    // Another licctl may be writing the same file: a temporary name, then one rename.
    const temporary = `${cacheFile}.${process.pid}.tmp`
    try {
      const data = script.createCachedData()
      mkdirSync(dirname(cacheFile), { recursive: true })
      writeFileSync(temporary, data, { mode: 0o600 })
      renameSync(temporary, cacheFile)
    } catch {
      // A cache is an optimization: a read-only or full disk changes nothing else, and leaves no
      // half-written temporary file behind.
      rmSync(temporary, { force: true })
    }
  }
  pending.clear()
}

/**
 * Runs a vendor script (`(function (require, __filename, __dirname, __licctlImport) { …; return
 * exports })`) once per process, with its code cache when there is one, and returns what it returns.
 */
export function loadVendor(file: URL): unknown {
  const path = fileURLToPath(file)
  if (loaded.has(path)) return loaded.get(path)
  const source = readFileSync(path, 'utf8')
  const cacheDir = getCompileCacheDir?.()
  const stamp = Math.trunc(statSync(path).mtimeMs).toString(36)
  const cacheFile =
    cacheDir === undefined ? undefined : join(cacheDir, `licctl-${basename(path, '.js')}-${stamp}`)
  let cachedData: Buffer | undefined
  if (cacheFile !== undefined)
    try {
      cachedData = readFileSync(cacheFile)
    } catch {
      cachedData = undefined
    }
  const script = new Script(source, {
    filename: path,
    ...(cachedData === undefined ? {} : { cachedData }),
  })
  const body = script.runInThisContext() as (
    require: NodeJS.Require,
    filename: string,
    dir: string,
    importModule: (specifier: string) => Promise<unknown>,
  ) => unknown
  // oclif loads commands and plugins with import() of absolute URLs, which the script calls through
  // this module: an import() in a vm.Script needs Node's experimental vm modules.
  const exported = body(createRequire(file), path, dirname(path), (specifier) => import(specifier))
  loaded.set(path, exported)
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    pending.set(path, { script, cacheFile })
    if (!exitHookInstalled) {
      exitHookInstalled = true
      process.once('exit', writeCaches)
    }
  }
  return exported
}
