#!/usr/bin/env node
// Fail clearly on an old Node: better-sqlite3 13 segfaults on Node 20 instead of throwing.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 22) || (major === 24 && minor < 15) || major === 23) {
  process.stderr.write(`licctl needs Node.js ^22.22.2 or >=24.15.0; this is ${process.version}.\n`)
  process.exit(1)
}
const { enableCompileCache } = await import('node:module')
enableCompileCache?.()
const { execute } = await import('@oclif/core/execute')
await execute({ dir: import.meta.url })
