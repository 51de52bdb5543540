import { strict as assert } from 'node:assert'
import { relative } from 'node:path'

/**
 * No secret in any log line or error message, over the whole run: every process a test starts goes
 * through test/helpers/spawn.ts (a lint rule keeps it so), which hands each secret it sees and each
 * output it collects to this module; a root-level `after` hook scans them all once every test file
 * has run.
 *
 * - Secrets: every token (`lic_op_…`, `lic_u_…`) and device license key that appears on any CLI's
 *   stdout (where `server init`, `orgs create`, `orgs tokens create` and `devices keys issue`
 *   show them, once); every token a test hands a CLI (LICCTL_TOKEN, an argument, stdin, a typed
 *   answer); every password in a database URL a process is given.
 * - Never allowed to carry one: a server's log (its stderr, JSON lines) and its stdout, a CLI's
 *   stderr (also on a pseudo-terminal, or run by a shell's completion), any other process's stderr;
 *   nor anything shaped like a token, known or not.
 * - A CLI's stdout may show a token once, the first time it is seen (the command that made it);
 *   a later stdout that shows it again leaks it. Device keys are listed on purpose (`devices keys
 *   list`), so only logs and stderr are scanned for them.
 */

/** A token as generateToken makes it (src/domain/tokens.ts): a prefix and 43 base64url characters. */
export const TOKEN_SHAPE = /lic_(?:op|u)_[A-Za-z0-9_-]{20,}/g
/** A device license key (src/domain/license-key.ts): five groups of five Crockford base32 symbols. */
const KEY_SHAPE = /\b[0-9A-HJKMNP-TV-Z]{5}(?:-[0-9A-HJKMNP-TV-Z]{5}){4}\b/g

type SecretKind = 'token' | 'key' | 'password'
/** What produced an output that may carry no secret. */
export type OutputKind = 'server log' | 'stderr'

interface Source {
  kind: OutputKind
  /** What produced it: a command line or a server, and the test file line that started it. */
  label: string
  text: () => string
}

/** A secret as the failure may show it: enough to recognize, not to use. */
const masked = (s: string) => `${s.slice(0, Math.min(10, s.length - 4))}…(${s.length} chars)`

/** One run's secrets and outputs. The run has one (`scan`); the scan's own unit tests make theirs. */
export class SecretScan {
  private readonly secrets = new Map<string, SecretKind>()
  private readonly sources: Source[] = []
  private readonly repeatedOnStdout: Array<{ secret: string; label: string }> = []
  private cliRuns = 0

  recordSecret(value: string, kind: SecretKind): void {
    if (value) this.secrets.set(value, kind)
  }

  /** Learns the tokens and keys a text shows (a CLI's stdout). */
  private learn(text: string): void {
    for (const m of text.matchAll(TOKEN_SHAPE)) this.recordSecret(m[0], 'token')
    for (const m of text.matchAll(KEY_SHAPE)) this.recordSecret(m[0], 'key')
  }

  /**
   * An output that may carry no secret. `text` is read when the run ends: a server's log grows
   * while it runs.
   */
  recordOutput(kind: OutputKind, label: string, text: () => string): void {
    this.sources.push({ kind, label, text })
  }

  /**
   * A finished CLI run: its stdout teaches the secrets it reveals, and may not show a token known
   * before it (on a pseudo-terminal the screen, stdout and stderr together); its stderr is scanned.
   */
  recordCliRun(label: string, stdout: string, stderr: string): void {
    this.cliRuns++
    const known = [...this.secrets].filter(([, kind]) => kind === 'token').map(([s]) => s)
    this.repeatedOnStdout.push(
      ...known.filter((s) => stdout.includes(s)).map((secret) => ({ secret, label })),
    )
    this.learn(stdout)
    this.recordOutput('stderr', label, () => stderr)
  }

  private mask(text: string): string {
    let out = text.replace(TOKEN_SHAPE, (t) => masked(t))
    for (const s of this.secrets.keys()) out = out.split(s).join(masked(s))
    return out
  }

  /** Every place a secret appears where none may: "<source>, line <n>: <what>". */
  findLeaks(): string[] {
    const found: string[] = []
    for (const { kind, label, text } of this.sources) {
      const lines = text().split('\n')
      lines.forEach((line, i) => {
        const hits = new Set<string>()
        for (const [secret, what] of this.secrets)
          if (line.includes(secret)) hits.add(`a ${what} ${masked(secret)}`)
        for (const m of line.matchAll(TOKEN_SHAPE))
          if (!this.secrets.has(m[0])) hits.add(`a token-shaped ${masked(m[0])}`)
        for (const hit of hits) found.push(`${kind} of ${this.mask(label)}, line ${i + 1}: ${hit}`)
      })
    }
    for (const { secret, label } of this.repeatedOnStdout)
      found.push(`stdout of ${this.mask(label)}: shows again a token shown before, ${masked(secret)}`)
    return found
  }

  /** How much the scan covers, for its report. */
  scanned(): { secrets: number; cliRuns: number; serverLogs: number; outputs: number; lines: number } {
    return {
      secrets: this.secrets.size,
      cliRuns: this.cliRuns,
      serverLogs: this.sources.filter((s) => s.kind === 'server log').length,
      outputs: this.sources.length,
      lines: this.sources.reduce((n, s) => n + s.text().split('\n').length, 0),
    }
  }
}

/** The run's scan (test/helpers/spawn.ts records into it). */
export let scan = new SecretScan()

/** Runs `fn` with `own` in the place of the run's scan: for the tests of the scan itself. */
export async function scanInto<T>(own: SecretScan, fn: () => Promise<T>): Promise<T> {
  const run = scan
  scan = own
  try {
    return await fn()
  } finally {
    scan = run
  }
}

export function recordSecret(value: string, kind: SecretKind): void {
  scan.recordSecret(value, kind)
}

/** Where in the test files this was called from (the first frame outside test/helpers). */
export function caller(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(2)
  for (const frame of frames) {
    const m = /(\/[^\s()]+\/test\/(?!helpers\/)[^\s():]+):(\d+)/.exec(frame)
    if (m) return `${relative(process.cwd(), m[1]!)}:${m[2]}`
  }
  return 'unknown caller'
}

// One root-level hook for the whole run (this module is loaded once, by every test file that starts
// a process): it runs after every test file has finished.
if (typeof after === 'function')
  after('no token, key or password in any server log or CLI stderr of this run', function () {
    const leaks = scan.findLeaks()
    const { secrets, cliRuns, serverLogs, outputs, lines } = scan.scanned()
    if (process.env.LICCTL_SECRET_SCAN_REPORT)
      console.log(
        `secret scan: ${secrets} secrets, ${cliRuns} CLI runs, ${serverLogs} server outputs, ` +
          `${outputs} outputs, ${lines} lines, ${leaks.length} leaks`,
      )
    if (leaks.length > 0)
      assert.fail(
        `secrets leaked (${secrets} secrets looked for in ${outputs} outputs):\n${leaks.join('\n')}`,
      )
  })
