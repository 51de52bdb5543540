#!/usr/bin/env -S node --import tsx/esm --no-warnings
// Runs the TypeScript sources (tsx), never dist/: oclif would otherwise take its command list and
// help from the oclif.manifest.json that `npm run build` writes. No top-level await: tsx parses
// this file as CommonJS.
import { execute } from '@oclif/core'

const root = new URL('..', import.meta.url).pathname
execute({ development: true, loadOptions: { root, ignoreManifest: true } }).catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`)
  process.exitCode = 1
})
