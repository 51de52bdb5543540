import {
  spawn,
  spawnSync,
  type ChildProcess,
  type ChildProcessWithoutNullStreams,
  type SpawnOptions,
  type SpawnOptionsWithoutStdio,
  type SpawnSyncOptionsWithStringEncoding,
  type SpawnSyncReturns,
} from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { caller, scan, TOKEN_SHAPE } from './secret-scan.js'

export const ROOT = resolve(import.meta.dirname, '../..')
export const BIN = join(ROOT, 'bin/run.js')

/**
 * The one place tests start processes (the lint rule on test/ in eslint.config.js keeps it so;
 * test/unit/spawn-guard.test.ts proves the rule fires). Every child's output goes to the run's
 * secret scan (test/helpers/secret-scan.ts), judged by what the child is:
 *
 * - a CLI run (`node [node options] bin/run.js …`): its stdout teaches the scan the secrets it shows
 *   and may not show a known token again; its stderr may carry none;
 * - a server (`bin/run.js server start …`): its log (stderr) and its stdout may carry none, read
 *   when the run ends (they grow while it runs);
 * - anything else (`script`, a shell, a linter, a race client): its stderr may carry none.
 *
 * What a test hands a child is learned first: a token in an argument, in the environment or on
 * stdin, and the password of a database URL.
 */

/** Registers the secrets in what a test hands a process: arguments, environment values, stdin. */
export function learnInputs(values: readonly (string | undefined)[]): void {
  for (const value of values) {
    if (!value) continue
    for (const m of value.matchAll(TOKEN_SHAPE)) scan.recordSecret(m[0], 'token')
    if (/^postgres(?:ql)?:\/\//i.test(value)) {
      const password = decodeURIComponent(URL.canParse(value) ? new URL(value).password : '')
      // A shorter one is a placeholder (`postgres://u:p@h/d`) that every other line would contain.
      if (password.length >= 8) scan.recordSecret(password, 'password')
    }
  }
}

/** What a process is, for the scan: the CLI's arguments if it runs bin/run.js. */
function cliArgsOf(file: string, args: readonly string[]): string[] | undefined {
  const at = args.indexOf(BIN)
  return file === process.execPath && at >= 0 ? args.slice(at + 1) : undefined
}

const labelOf = (file: string, args: readonly string[], from: string) => {
  const cli = cliArgsOf(file, args)
  const line = cli ? `licctl ${cli.join(' ')}` : `${basename(file)} ${args.join(' ')}`
  return `${line.length > 300 ? `${line.slice(0, 300)}…` : line} (${from})`
}

const isServer = (cli: string[] | undefined) => cli?.[0] === 'server' && cli[1] === 'start'

/** Hands a child's output to the scan by what the child is (a CLI run's once it has ended). */
function record(cli: string[] | undefined, label: string, stdout: () => string, stderr: () => string): void {
  if (isServer(cli)) {
    scan.recordOutput('server log', label, stderr)
    scan.recordOutput('server log', `${label}, stdout`, stdout)
  } else if (cli) scan.recordCliRun(label, stdout(), stderr())
  else scan.recordOutput('stderr', label, stderr)
}

/** Hands a child's output to the scan (the streams are read as they come; null when not piped). */
function watch(child: ChildProcess, file: string, args: readonly string[], from: string): void {
  const cli = cliArgsOf(file, args)
  const label = labelOf(file, args, from)
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const output = () =>
    record(
      cli,
      label,
      () => stdout,
      () => stderr,
    )
  // A CLI run is judged whole, once it has ended; a server's log is read when the run ends.
  if (cli && !isServer(cli)) child.once('close', output)
  else output()
}

/** child_process.spawn, its output scanned. */
export function spawnProcess(
  file: string,
  args: readonly string[],
  opts?: SpawnOptionsWithoutStdio,
): ChildProcessWithoutNullStreams
export function spawnProcess(file: string, args: readonly string[], opts: SpawnOptions): ChildProcess
export function spawnProcess(file: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  const from = caller()
  learnInputs([...args, ...Object.values(opts.env ?? {})])
  const child = spawn(file, args, opts)
  watch(child, file, args, from)
  return child
}

/** child_process.spawnSync (stdout and stderr as strings), its output scanned. */
export function spawnProcessSync(
  file: string,
  args: readonly string[],
  opts: Omit<SpawnSyncOptionsWithStringEncoding, 'encoding'> = {},
): SpawnSyncReturns<string> {
  const from = caller()
  learnInputs([...args, ...Object.values(opts.env ?? {}), typeof opts.input === 'string' ? opts.input : ''])
  const res = spawnSync(file, args, { ...opts, encoding: 'utf8' })
  record(
    cliArgsOf(file, args),
    labelOf(file, args, from),
    () => res.stdout ?? '',
    () => res.stderr ?? '',
  )
  return res
}

export interface ProcessResult {
  code: number
  stdout: string
  stderr: string
  /** When the last chunk of stdout or stderr arrived, and when the process exited (`Date.now()`). */
  lastOutputAt?: number
  exitedAt?: number
}

/** Runs a process to its end, `input` on its stdin; its output scanned. */
export function runProcess(
  file: string,
  args: readonly string[],
  opts: Omit<SpawnOptions, 'stdio'> & { input?: string } = {},
): Promise<ProcessResult> {
  const { input, ...rest } = opts
  learnInputs([input])
  return new Promise((resolvePromise, reject) => {
    const child = spawnProcess(file, args, { ...rest, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let lastOutputAt = Date.now()
    let exitedAt = 0
    child.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), (lastOutputAt = Date.now())))
    child.stderr.on('data', (d: Buffer) => ((stderr += d.toString()), (lastOutputAt = Date.now())))
    child.on('error', reject)
    child.on('exit', () => (exitedAt = Date.now()))
    child.on('close', (code) =>
      resolvePromise({ code: code ?? -1, stdout, stderr, lastOutputAt, exitedAt: exitedAt || Date.now() }),
    )
    // A child that exits without reading its stdin (`id`, `pg_ctl`) closes the pipe first: EPIPE
    // there is no failure of the run, and unheard it would be an uncaught exception.
    child.stdin.on('error', () => {})
    child.stdin.end(input ?? '')
  })
}

/** The CLI (bin/run.js on this Node, after `nodeArgs`), its output scanned. */
export function spawnCli(
  args: readonly string[],
  opts: SpawnOptions & { nodeArgs?: readonly string[] } = {},
): ChildProcess {
  const { nodeArgs = [], ...rest } = opts
  return spawnProcess(process.execPath, [...nodeArgs, BIN, ...args], rest)
}

/** The CLI, synchronously (stdout and stderr as strings), its output scanned. */
export function spawnCliSync(
  args: readonly string[],
  opts: Omit<SpawnSyncOptionsWithStringEncoding, 'encoding'> & { nodeArgs?: readonly string[] } = {},
): SpawnSyncReturns<string> {
  const { nodeArgs = [], ...rest } = opts
  return spawnProcessSync(process.execPath, [...nodeArgs, BIN, ...args], rest)
}

/** Loaded with `node --import`: copies what the CLI writes to stderr into a file. */
const STDERR_COPY_HOOK = join(ROOT, 'test/helpers/stderr-copy.mjs')

/**
 * The CLI run where the harness cannot read its stderr (on a pseudo-terminal, where stdout and
 * stderr are one screen; by a shell's completion, which sends it to /dev/null): `argv` starts the
 * CLI with a hook that appends its stderr to a file of its own, `env` names the file (stderr itself
 * stays what it was, a terminal or /dev/null), and `take()` hands what was copied to the scan.
 */
export class CliStderrCopy {
  readonly argv = [process.execPath, '--import', STDERR_COPY_HOOK, BIN]
  readonly env: Record<string, string>
  private readonly dir = mkdtempSync(join(tmpdir(), 'licctl-stderr-'))
  private readonly file = join(this.dir, 'stderr')
  private readonly from = caller()

  constructor() {
    this.env = { LICCTL_TEST_STDERR_COPY: this.file }
  }

  /**
   * Scans what was copied, as the CLI run `args` with `screen` as its stdout (empty when it was not
   * seen), and removes the copy; returns the copied stderr.
   */
  take(args: readonly string[], screen = ''): string {
    let stderr = ''
    try {
      stderr = readFileSync(this.file, 'utf8')
    } catch {
      // nothing written to stderr
    }
    rmSync(this.dir, { recursive: true, force: true })
    scan.recordCliRun(`licctl ${args.join(' ')} (${this.from})`, screen, stderr)
    return stderr
  }
}
