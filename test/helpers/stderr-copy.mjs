// Loaded with `node --import` into a CLI whose stderr the test harness cannot read (on a
// pseudo-terminal, or run by a shell's completion): appends everything written to process.stderr to
// the file LICCTL_TEST_STDERR_COPY, for the secret scan (test/helpers/spawn.ts, CliStderrCopy).
// stderr itself is left as it is (a terminal stays a terminal).
import { appendFileSync } from 'node:fs'

const file = process.env.LICCTL_TEST_STDERR_COPY
if (file) {
  const write = process.stderr.write
  process.stderr.write = function (chunk, ...rest) {
    appendFileSync(file, chunk, typeof rest[0] === 'string' ? rest[0] : undefined)
    return write.call(this, chunk, ...rest)
  }
}
