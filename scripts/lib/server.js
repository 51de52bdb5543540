// A real `licctl server start` on a free port, for the demo and the benchmarks (not a test helper:
// the tests have their own harness in test/helpers).
import { spawn } from 'node:child_process'

/** Starts `bin server start --db <db> --port 0` and resolves with the process and its URL once it listens. */
export function startServer(bin, db) {
  const proc = spawn(
    process.execPath,
    [bin, 'server', 'start', '--db', db, '--port', '0', '--log-level', 'warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    proc.stderr.on('data', (d) => (err += d))
    proc.stdout.on('data', (d) => {
      out += d
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) resolve({ proc, url: m[1] })
    })
    proc.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)))
  })
}
