#!/usr/bin/env -S node --import tsx/esm --no-warnings
// Runs the TypeScript sources. oclif reads oclif.manifest.json when it exists, which would run dist/:
// `npm run build` writes one, so dev mode ignores it through development: true.
const { execute } = await import('@oclif/core')
await execute({ development: true, dir: import.meta.url })
