import { strict as assert } from 'node:assert'
import { relative } from 'node:path'

/**
 * No secret in any log line or error message, over the whole run: the test harness (runCli,
 * E2eServer, ServerProcess) hands every secret it sees and every output it collects to this
 * module, and a root-level `after` hook scans them all once every test file has run.
 *
 * - Secrets: every token (`lic_op_…`, `lic_u_…`) and device license key that appears on any CLI's
 *   stdout (where `server init`, `orgs create`, `orgs tokens create` and `devices keys issue`
 *   show them, once), and the database password of the test servers.
 * - Never allowed to carry one: a server's log (its stderr, JSON lines) and a CLI's stderr; nor
 *   anything shaped like a token, known or not.
 * - A CLI's stdout may show a token once, the first time it is seen (the command that made it);
 *   a later stdout that shows it again leaks it. Device keys are listed on purpose (`devices keys
 *   list`), so only logs and stderr are scanned for them.
 */

/** A token as generateToken makes it (src/domain/tokens.ts): a prefix and 43 base64url characters. */
export const TOKEN_SHAPE = /lic_(?:op|u)_[A-Za-z0-9_-]{20,}/g
/** A device license key (src/domain/license-key.ts): five groups of five Crockford base32 symbols. */
const KEY_SHAPE = /\b[0-9A-HJKMNP-TV-Z]{5}(?:-[0-9A-HJKMNP-TV-Z]{5}){4}\b/g

type Kind = 'server log' | 'stderr' | 'stdout'

interface Source {
  kind: Kind
  /** What produced it: a command line or a server, and the test file line that started it. */
  label: string
  text: () => string
}

const secrets = new Map<string, 'token' | 'key' | 'password'>()
const sources: Source[] = []

/** Where in the test files this was called from (the first frame outside test/helpers). */
export function caller(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(2)
  for (const frame of frames) {
    const m = /(\/[^\s()]+\/test\/(?!helpers\/)[^\s():]+):(\d+)/.exec(frame)
    if (m) return `${relative(process.cwd(), m[1]!)}:${m[2]}`
  }
  return 'unknown caller'
}

export function recordSecret(value: string, kind: 'token' | 'key' | 'password'): void {
  if (value) secrets.set(value, kind)
}

/** Learns the tokens and keys a text shows (a CLI's stdout). */
function learn(text: string): void {
  for (const m of text.matchAll(TOKEN_SHAPE)) recordSecret(m[0], 'token')
  for (const m of text.matchAll(KEY_SHAPE)) recordSecret(m[0], 'key')
}

/** A finished CLI run: its stdout teaches the secrets it reveals; stdout and stderr are scanned. */
export function recordCliRun(args: readonly string[], stdout: string, stderr: string, from: string): void {
  // Tokens already known before this command must not be on its stdout.
  const known = [...secrets].filter(([, kind]) => kind === 'token').map(([s]) => s)
  const shown = known.filter((s) => stdout.includes(s))
  const label = `licctl ${args.join(' ')} (${from})`
  if (shown.length > 0) sources.push({ kind: 'stdout', label, text: () => stdout })
  learn(stdout)
  sources.push({ kind: 'stderr', label, text: () => stderr })
  repeatedOnStdout.push(...shown.map((s) => ({ secret: s, label })))
}
const repeatedOnStdout: Array<{ secret: string; label: string }> = []

/** A server process's log, read when the run ends (it grows while the server runs). */
export function recordServerLog(label: string, text: () => string): void {
  sources.push({ kind: 'server log', label, text })
}

/** A secret as the failure may show it: enough to recognize, not to use. */
const masked = (s: string) => `${s.slice(0, Math.min(10, s.length - 4))}…(${s.length} chars)`
const mask = (text: string) => {
  let out = text.replace(TOKEN_SHAPE, (t) => masked(t))
  for (const s of secrets.keys()) out = out.split(s).join(masked(s))
  return out
}

/** Every place a secret appears where none may: "<source>, line <n>: <what>". */
export function findLeaks(): string[] {
  const found: string[] = []
  for (const { kind, label, text } of sources) {
    if (kind === 'stdout') continue // judged below: only a repeat is a leak
    const lines = text().split('\n')
    lines.forEach((line, i) => {
      const hits = new Set<string>()
      for (const [secret, what] of secrets) if (line.includes(secret)) hits.add(`a ${what} ${masked(secret)}`)
      for (const m of line.matchAll(TOKEN_SHAPE))
        if (!secrets.has(m[0])) hits.add(`a token-shaped ${masked(m[0])}`)
      for (const hit of hits) found.push(`${kind} of ${mask(label)}, line ${i + 1}: ${hit}`)
    })
  }
  for (const { secret, label } of repeatedOnStdout)
    found.push(`stdout of ${mask(label)}: shows again a token shown before, ${masked(secret)}`)
  return found
}

/** How much the scan covers, for its report. */
export function scanned(): { secrets: number; sources: number; lines: number } {
  return {
    secrets: secrets.size,
    sources: sources.length,
    lines: sources.reduce((n, s) => n + s.text().split('\n').length, 0),
  }
}

// One root-level hook for the whole run (this module is loaded once, by every test file that starts
// a CLI or a server): it runs after every test file has finished.
if (typeof after === 'function')
  after('no token, key or password in any server log or CLI stderr of this run', function () {
    const leaks = findLeaks()
    const { secrets: n, sources: m, lines } = scanned()
    if (process.env.LICCTL_SECRET_SCAN_REPORT)
      console.log(`secret scan: ${n} secrets, ${m} outputs, ${lines} lines, ${leaks.length} leaks`)
    if (leaks.length > 0)
      assert.fail(`secrets leaked (${n} secrets looked for in ${m} outputs):\n${leaks.join('\n')}`)
  })
