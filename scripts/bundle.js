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
import { existsSync, globSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

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
const packageOf = (specifier) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]
/** Server-side layers, loaded from dist/ as they are (see above). */
const SERVER_SIDE = /^(server|storage)\//

/** @type {import('esbuild').Plugin} */
const placement = {
  name: 'licctl-placement',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { external: true }
      return bundled.has(packageOf(args.path)) ? undefined : { external: true }
    })
    // oclif sorts each plugin's commands with localeCompare, whose first call builds ICU's collator:
    // 10–40 ms of every command's start-up, for ids that are ASCII (lower case, digits, '-', ':'),
    // which sort the same by code unit. The build fails if the line changes in a new oclif.
    b.onLoad({ filter: /@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8')
      const sort = '.sort((a, b) => a.id.localeCompare(b.id));'
      if (!source.includes(sort))
        throw new Error(`scripts/bundle.js: ${args.path} no longer sorts as expected`)
      return {
        contents: source.replace(sort, '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));'),
        loader: 'js',
      }
    })
    b.onResolve({ filter: /^\./ }, (args) => {
      const inDist = relative(dist, resolve(args.resolveDir, args.path)).split(sep).join('/')
      if (!inDist.startsWith('..') && SERVER_SIDE.test(inDist))
        return { path: `#dist/${inDist}`, external: true }
      return undefined
    })
  },
}

rmSync(outdir, { recursive: true, force: true })
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
})

const contents = {}
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (!file.endsWith('.js')) continue
  const held = new Set()
  for (const input of Object.keys(output.inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)
    if (pkg) held.add(pkg[1])
    const contract = /dist\/contract\/([\w-]+)\.js$/.exec(input)
    if (contract) held.add(`contract:${contract[1]}`)
  }
  contents[relative(outdir, join(root, file)).split(sep).join('/')] = [...held].sort()
}
writeFileSync(join(outdir, 'contents.json'), JSON.stringify(contents, null, 1) + '\n')
