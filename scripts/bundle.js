#!/usr/bin/env node
// The command line's start-up bundle (issue 12), written by `npm run build` after tsc:
//   dist/bundle/cli/main.js           what bin/run.js loads: oclif's execute and the stdout guard
//   dist/bundle/commands/**.js        one entry per command (package.json oclif.commands)
//   dist/bundle/hooks/…, cli/help.js  the hook and the help class oclif loads
//   dist/bundle/chunk-*.js            code shared between them, split so each command loads only
//                                     what it imports; a dynamic import() stays a chunk of its own
//   dist/bundle/contents.json         which packages and contracts each file holds (for the
//                                     start-up test, which can no longer see them resolved)
// Loading a few large files instead of some 250 modules roughly halves what a command spends in
// Node's module loader (docs/performance.md). @oclif/core and zod (with their dependencies) and
// our CLI code are bundled; every other package stays in node_modules and is loaded as before, on
// first use. The server and storage layers are never bundled: the commands that run them in this
// process (`server start|init|migrate`) import dist/server and dist/storage through the package's
// `#dist/*` import map, so the server has one copy of every module, the same as when it is run
// from dist/ directly.
import { build } from 'esbuild'
import { createHash } from 'node:crypto'
import { existsSync, globSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire, isBuiltin } from 'node:module'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Script } from 'node:vm'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const outdir = join(dist, 'bundle')

/** The packages bundled: these, and what they depend on (not their optional peers: typescript). */
const BUNDLED_ROOTS = ['@oclif/core', 'zod']
const bundled = new Set()
function addWithDependencies(name, from) {
  if (bundled.has(name)) return
  bundled.add(name)
  // A dependency is installed beside its dependent's folder or higher up, as Node looks for it.
  let dir = from
  while (!existsSync(join(dir, 'node_modules', name, 'package.json'))) {
    if (dir === root) throw new Error(`scripts/bundle.js: ${name} is not installed (npm ci)`)
    dir = dirname(dir)
  }
  const pkgDir = join(dir, 'node_modules', name)
  const pjson = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
  for (const dep of Object.keys(pjson.dependencies ?? {})) addWithDependencies(dep, pkgDir)
}
for (const name of BUNDLED_ROOTS) addWithDependencies(name, root)
// Required by @oclif/core only inside its engines check, which bin/run.js switches off: bundled, it
// would sit in a chunk every command loads.
bundled.delete('semver')
/** The package an esbuild input comes from (`node_modules/@oclif/core/lib/…` → `@oclif/core`), if any. */
const packageOfInput = (input) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1]
const packageOf = (specifier) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]
/** Server-side layers, loaded from dist/ as they are (see above). */
const SERVER_SIDE = /^(server|storage)\//

/**
 * Node's modules that @oclif/core requires at the top of modules every command loads, but uses only
 * on some paths: child_process (a Windows shell lookup), perf_hooks (OCLIF_PERFORMANCE) and readline
 * (reading flags from stdin). Each is required on first use instead (see LAZY_BUILTIN).
 */
const LAZY_BUILTINS = new Set(['child_process', 'perf_hooks', 'readline'])
/** Source patches of bundled packages: each fails the build if its text is no longer there. */
function patched(path, source, patches, suffix = '') {
  for (const [from, to] of patches) {
    if (!source.includes(from)) throw new Error(`scripts/bundle.js: ${path} no longer holds ${from}`)
    source = source.replace(from, to)
  }
  // Appended, so that a module's "use strict" stays its first statement (a function is hoisted).
  return { contents: source + '\n' + suffix, loader: 'js' }
}

/**
 * oclif's modules that every command loads but only some paths use: each `require` listed is made
 * lazy (the module is loaded on the first read of one of its exports). Help (with its formatter,
 * ejs and wrap-ansi) is for --help and errors that show it; tinyglobby finds commands where there is
 * no manifest; main.js's two calls on every run go to help/util, where they are defined.
 */
const LAZY_REQUIRES = [
  [
    /@oclif[\\/]core[\\/]lib[\\/]main\.js$/,
    ['./help'],
    {
      getHelpFlagAdditions: 'require("./help/util").getHelpFlagAdditions',
      normalizeArgv: 'require("./help/util").normalizeArgv',
    },
  ],
  [/@oclif[\\/]core[\\/]lib[\\/]index\.js$/, ['./help']],
  [/@oclif[\\/]core[\\/]lib[\\/]flags\.js$/, ['./help']],
  [/@oclif[\\/]core[\\/]lib[\\/]errors[\\/]handle\.js$/, ['../help/index', 'clean-stack']],
  [/@oclif[\\/]core[\\/]lib[\\/]help[\\/]util\.js$/, ['ejs']],
  [/@oclif[\\/]core[\\/]lib[\\/]config[\\/]config\.js$/, ['ejs']],
  // An error's rendering (wrap-ansi loads string-width, strip-ansi and ansi-styles).
  [
    /@oclif[\\/]core[\\/]lib[\\/]errors[\\/]errors[\\/]cli\.js$/,
    ['clean-stack', 'indent-string', 'wrap-ansi'],
  ],
]
/**
 * A module's stand-in that loads it on the first read of one of its properties (`direct` names
 * properties answered otherwise), as source: appended to a patched module, and the body of the
 * lazy Node modules' stand-ins.
 */
const LAZY_HELPER = `function __licctlLazy(load, direct = {}) {
  let real
  const get = () => (real ??= load())
  return new Proxy({}, {
    get: (_, key) => (Object.hasOwn(direct, key) ? direct[key]() : get()[key]),
    has: (_, key) => key in get(),
    ownKeys: () => Reflect.ownKeys(get()),
    getOwnPropertyDescriptor: (_, key) => {
      const found = Reflect.getOwnPropertyDescriptor(get(), key)
      return found && { ...found, configurable: true }
    },
    set: (_, key, value) => ((get()[key] = value), true),
  })
}
`
/** A Node module required on first use (LAZY_BUILTINS); not an ES module, whatever is asked. */
const LAZY_BUILTIN = (name) =>
  `${LAZY_HELPER}module.exports = __licctlLazy(() => require(${JSON.stringify(`node:${name}`)}), { __esModule: () => undefined })\n`
/** `const x = require("spec");` (or `__importDefault(require("spec"))`) made lazy, in one module's source. */
function lazyRequires(path, source, specs, direct = {}) {
  const patches = specs.map((spec) => {
    const statement = new RegExp(
      `(const|var) (\\w+) = (__importDefault\\()?require\\(${JSON.stringify(spec).replace(/[./]/g, (c) => `\\${c}`)}\\)\\)?;`,
    )
    const found = statement.exec(source)
    if (!found) throw new Error(`scripts/bundle.js: ${path} no longer requires ${spec} as expected`)
    const loader = found[0].slice(found[0].indexOf('=') + 2, -1)
    const shortcuts = Object.entries(direct)
      .map(([key, expression]) => `${key}: () => ${expression}`)
      .join(', ')
    return [found[0], `${found[1]} ${found[2]} = __licctlLazy(() => ${loader}, { ${shortcuts} });`]
  })
  return patched(path, source, patches, LAZY_HELPER)
}

/** @type {import('esbuild').Plugin} */
const placement = {
  name: 'licctl-placement',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (shimmed && args.namespace === 'file' && Object.hasOwn(VENDOR_OF, args.path))
        return { path: args.path, namespace: 'licctl-vendor-shim' }
      if (isBuiltin(args.path)) {
        const name = args.path.replace(/^node:/, '')
        // The stand-ins below require the module itself.
        if (args.namespace !== 'file') return { external: true }
        if (args.kind === 'require-call' && LAZY_BUILTINS.has(name))
          return { path: name, namespace: 'licctl-lazy-builtin' }
        // An ES import of a Node module builds its ES facade, which reads every export: importing
        // node:process creates stdin and loads the diagnostic report, node:fs loads fs/promises
        // and its streams (2–6 ms each). Required instead, only what is used is touched.
        // (Not an import(): its namespace would hold only a default export.)
        if (args.kind === 'import-statement') return { path: name, namespace: 'licctl-builtin' }
        return { external: true }
      }
      return bundled.has(packageOf(args.path)) ? undefined : { external: true }
    })
    b.onLoad({ filter: /.*/, namespace: 'licctl-vendor-shim' }, (args) => ({
      contents: vendorShim(args.path),
      loader: 'js',
      resolveDir: dist,
    }))
    b.onLoad({ filter: /.*/, namespace: 'licctl-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(`node:${args.path}`)})`,
      loader: 'js',
    }))
    b.onLoad({ filter: /.*/, namespace: 'licctl-lazy-builtin' }, (args) => ({
      contents: LAZY_BUILTIN(args.path),
      loader: 'js',
    }))
    for (const [filter, specs, direct] of LAZY_REQUIRES)
      b.onLoad({ filter }, (args) => lazyRequires(args.path, readFileSync(args.path, 'utf8'), specs, direct))
    // oclif finds the platform through wsl-utils, which loads a PowerShell helper and
    // child_process to re-export is-wsl's answer: ask is-wsl.
    b.onLoad({ filter: /@oclif[\\/]core[\\/]lib[\\/]util[\\/]os\.js$/ }, (args) =>
      patched(args.path, readFileSync(args.path, 'utf8'), [
        ["return (await import('wsl-utils')).isWsl ?", "return (await import('is-wsl')).default ?"],
      ]),
    )
    // oclif matches each dependency against each `oclif.plugins` entry with minimatch, compiling the
    // pattern anew every time; ours are names, not patterns: compared as strings.
    b.onLoad({ filter: /@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin-loader\.js$/ }, (args) =>
      patched(args.path, readFileSync(args.path, 'utf8'), [
        [
          'patterns.some((w) => (0, minimatch_1.minimatch)(p, w))',
          'patterns.some((w) => (/[*?[\\]{}()!+@]/.test(w.replace(/^@/, "")) ? (0, minimatch_1.minimatch)(p, w) : p === w))',
        ],
      ]),
    )
    // oclif sorts each plugin's commands with localeCompare, whose first call builds ICU's collator:
    // 10–40 ms of every command's start-up, for ids that are ASCII (lower case, digits, '-', ':'),
    // which sort the same by code unit. The build fails if the line changes in a new oclif.
    // (Its tinyglobby, for finding commands without a manifest, is required lazily as well.)
    b.onLoad({ filter: /@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/ }, (args) => {
      const sort = '.sort((a, b) => a.id.localeCompare(b.id));'
      const lazy = lazyRequires(args.path, readFileSync(args.path, 'utf8'), ['tinyglobby'])
      return patched(args.path, lazy.contents, [
        [sort, '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));'],
      ])
    })
    b.onResolve({ filter: /^\./ }, (args) => {
      const inDist = relative(dist, resolve(args.resolveDir, args.path)).split(sep).join('/')
      if (!inDist.startsWith('..') && SERVER_SIDE.test(inDist))
        return { path: `#dist/${inDist}`, external: true }
      return undefined
    })
  },
}

/**
 * oclif and zod, each one classic script (src/cli/vendor.ts says why): the specifiers our code
 * imports, and under which name of the script's exports each one is.
 */
const VENDORS = {
  oclif: {
    '@oclif/core': 'core',
    '@oclif/core/errors': 'errors',
    '@oclif/core/execute': 'execute',
    '@oclif/core/help': 'help',
  },
  zod: { zod: 'zod' },
}
/**
 * What the command line uses of zod, read off tsc's output (`import * as z from 'zod'`, then
 * `z.object`…): zod's index exports every locale too, 600 kB that `export *` would keep. A name
 * missed here fails the build (esbuild's import-is-undefined, made an error below).
 */
function zodNamesUsed() {
  const names = new Set()
  for (const file of globSync('**/*.js', { cwd: dist })) {
    if (file.startsWith('bundle/') || SERVER_SIDE.test(file)) continue
    const source = readFileSync(join(dist, file), 'utf8')
    for (const [, ns] of source.matchAll(/import \* as (\w+) from 'zod'/g))
      for (const [, name] of source.matchAll(new RegExp(`\\b${ns}\\.(\\w+)`, 'g'))) names.add(name)
    for (const [, list] of source.matchAll(/import \{([^}]*)\} from 'zod'/g))
      for (const item of list.split(',')) if (item.trim()) names.add(item.trim().split(/\s+as\s+/)[0])
  }
  return [...names].sort()
}
/** Specifier → vendor script name. */
const VENDOR_OF = Object.fromEntries(
  Object.entries(VENDORS).flatMap(([name, specifiers]) => Object.keys(specifiers).map((s) => [s, name])),
)
/** Vendor name → { file (its name in the bundle, with a hash of its content), exports, packages }. */
const vendors = {}
/** While the vendor scripts are built, oclif and zod are bundled into them, not shimmed. */
let shimmed = false

rmSync(outdir, { recursive: true, force: true })
for (const [name, specifiers] of Object.entries(VENDORS)) {
  const entry =
    name === 'zod'
      ? `import * as z from 'zod'\nexport const zod = { ${zodNamesUsed()
          .map((n) => `${n}: z.${n}`)
          .join(', ')} }`
      : Object.entries(specifiers)
          .map(([specifier, key]) => `export * as ${key} from ${JSON.stringify(specifier)}`)
          .join('\n')
  const built = await build({
    stdin: { contents: entry, resolveDir: root, sourcefile: `vendor-${name}.js` },
    bundle: true,
    write: false,
    format: 'iife',
    globalName: '__licctlVendor',
    platform: 'node',
    target: 'node22',
    plugins: [placement],
    metafile: true,
    logLevel: 'warning',
  })
  // A dynamic import() in a vm.Script needs Node's experimental vm modules: each goes through the
  // loader's own import() (src/cli/vendor.ts) instead. "import()" in a message is left alone.
  let imports = 0
  const text = built.outputFiles[0].text.replace(/\bimport\((?!\))/g, () => (imports++, '__licctlImport('))
  if (/\bimport\((?!\)")/.test(text))
    throw new Error(`scripts/bundle.js: vendor-${name} holds an import() that was not redirected`)
  if (name === 'oclif' && imports < 4)
    throw new Error(
      `scripts/bundle.js: only ${imports} import() found in oclif: has it changed how it loads commands?`,
    )
  // A function expression: vm.Script's completion value, called with what a CommonJS module has.
  const code = `(function (require, __filename, __dirname, __licctlImport) {\n${text}return __licctlVendor\n})\n`
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 12)
  const file = `vendor-${name}-${hash}.js`
  const path = join(outdir, file)
  mkdirSync(outdir, { recursive: true })
  writeFileSync(path, code)
  // The names each specifier exports, read off the script itself.
  const exported = new Script(code, { filename: path }).runInThisContext()(
    createRequire(pathToFileURL(path)),
    path,
    outdir,
  )
  const packages = new Set(Object.keys(built.metafile.inputs).map(packageOfInput).filter(Boolean))
  vendors[name] = {
    file,
    packages: [...packages].sort(),
    exports: Object.fromEntries(Object.values(specifiers).map((key) => [key, Object.keys(exported[key])])),
  }
}
shimmed = true

/** Where a stand-in finds its script, relative to the file it lands in: written in after the build. */
const VENDOR_DIR = '@licctl-vendor-dir/'
/** The stand-in ES module for one vendored specifier: the script's exports under their names. */
function vendorShim(specifier) {
  const name = VENDOR_OF[specifier]
  const { file, exports } = vendors[name]
  const names = exports[VENDORS[name][specifier]]
  const loader = JSON.stringify(join(dist, 'cli/vendor.js'))
  return [
    `import { loadVendor } from ${loader}`,
    `const v = loadVendor(new URL(${JSON.stringify(`${VENDOR_DIR}${file}`)}, import.meta.url))[${JSON.stringify(VENDORS[name][specifier])}]`,
    ...names.map((n, i) => `const e${i} = v[${JSON.stringify(n)}]`),
    `export { ${names.map((n, i) => `e${i} as ${n}`).join(', ')} }`,
  ].join('\n')
}

const result = await build({
  entryPoints: [
    join(dist, 'cli/main.js'),
    join(dist, 'cli/help.js'),
    join(dist, 'hooks/command-not-found.js'),
    ...globSync('commands/**/*.js', { cwd: dist }).map((file) => join(dist, file)),
  ],
  outdir,
  outbase: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  plugins: [placement],
  // @oclif/core is CommonJS: its require() of Node's modules and its dynamic require() need one.
  banner: {
    js: "import { createRequire as __licctlRequire } from 'node:module'; const require = __licctlRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: 'warning',
  logOverride: { 'import-is-undefined': 'error' },
})

/**
 * Each CommonJS module esbuild wraps (oclif's, ~130) becomes a parenthesized function expression,
 * which V8 compiles with the file instead of on its first call: so its code is in Node's compile
 * cache, written when the file is compiled, and a command stops compiling oclif anew on every run
 * (`orgs show --json` −6 to −9 ms, interleaved runs, docs/performance.md).
 */
function compiledWithTheFile(file) {
  const lines = readFileSync(file, 'utf8').split('\n')
  let wrapped = 0
  for (let i = 0; i < lines.length; i++) {
    if (!/^var \w+ = __commonJS\(\{$/.test(lines[i])) continue
    const head = /^ {2}("[^"]+")\(([\w, ]*)\) \{$/.exec(lines[i + 1] ?? '')
    if (!head) throw new Error(`scripts/bundle.js: ${file}:${i + 2}: not esbuild's CommonJS wrapper`)
    let end = i + 2
    while (end < lines.length && !(lines[end] === '  }' && lines[end + 1] === '});')) end++
    if (end >= lines.length) throw new Error(`scripts/bundle.js: ${file}:${i + 1}: wrapper without its end`)
    lines[i + 1] = `  ${head[1]}: (function (${head[2]}) {`
    lines[end] = '  })'
    wrapped++
  }
  if (wrapped > 0) writeFileSync(file, lines.join('\n'))
  return wrapped
}
// Each stand-in's script, relative to the file the stand-in landed in.
for (const file of Object.keys(result.metafile.outputs)) {
  if (!file.endsWith('.js')) continue
  const path = join(root, file)
  const source = readFileSync(path, 'utf8')
  if (!source.includes(VENDOR_DIR)) continue
  const up = relative(dirname(path), outdir).split(sep).join('/')
  writeFileSync(path, source.replaceAll(VENDOR_DIR, up === '' ? './' : `${up}/`))
}
let wrappedModules = 0
for (const file of Object.keys(result.metafile.outputs))
  if (file.endsWith('.js')) wrappedModules += compiledWithTheFile(join(root, file))
if (wrappedModules < 5)
  throw new Error(
    `scripts/bundle.js: only ${wrappedModules} CommonJS wrappers found: has esbuild's output changed?`,
  )

const contents = {}
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (!file.endsWith('.js')) continue
  const held = new Set()
  for (const input of Object.keys(output.inputs)) {
    const shim = /^licctl-vendor-shim:(.+)$/.exec(input)
    if (shim) for (const pkg of vendors[VENDOR_OF[shim[1]]].packages) held.add(pkg)
    const pkg = packageOfInput(input)
    if (pkg) held.add(pkg)
    const contract = /dist\/contract\/([\w-]+)\.js$/.exec(input)
    if (contract) held.add(`contract:${contract[1]}`)
  }
  contents[relative(outdir, join(root, file)).split(sep).join('/')] = [...held].sort()
}
writeFileSync(join(outdir, 'contents.json'), JSON.stringify(contents, null, 1) + '\n')
