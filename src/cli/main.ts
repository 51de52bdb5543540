// What bin/run.js loads to run a command (after answering `--version` and `__complete` itself):
// the bundle's entry (scripts/bundle.js), so that the stdout guard is the same module instance as
// the one the commands use.
export { execute } from '@oclif/core/execute'
export { dropOutputWhenStdoutCloses } from './stdout.js'
