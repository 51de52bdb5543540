import { Flags } from '@oclif/core'
import { ListCommand } from '../../cli/base-command.js'
import { quote, UsageError } from '../../cli/errors.js'
import { windowFlag, type NumberSchema } from '../../cli/flag-values.js'
import type { LicctlClient } from '../../client/index.js'
import type { ExpiryCheckOutput, ExpiryItem, ExpiryReport } from '../../contract/expiry.js'
import {
  failWithinSurelyLonger,
  failWithinTooLong,
  windowSurelyTooLate,
} from '../../domain/expiry-fail-within.js'
import { parseDuration } from '../../domain/duration.js'
import { byUrgency } from '../../domain/expiry-order.js'

/** The window flags are checked by the contract's duration (longer than zero, within licctl's times). */
const duration = async () => (await import('../../contract/expiry.js')).duration

/** Exit code when something fails the check (SPEC §2). */
const EXIT_FOUND = 7

export default class ExpiryCheck extends ListCommand<typeof ExpiryCheck> {
  static override summary = 'Report what has expired or expires within a window; exit 7 when anything fails'
  static override description = `Covers every kind of license the server knows (seat pools, add-on pools, API tokens, and the kinds other topics register). Exit 7 when anything expires within the window or has expired, 0 when nothing does: \`licctl expiry check --within 14d\` is a CI step as it stands. With --fail-within, items beyond it are warnings (exit 0). Windows in days count the organization's calendar days: 30d covers everything valid through the 30th day from today. Pools at or above --capacity used are reported as warnings (failing with --fail-on-capacity). An expired item fails the check until someone acts on it (a token revoked, a pool renewed; device pool licenses that lapsed unassigned are written off with \`devices keys retire\`, which the output hints). A read-only token is enough (see docs/ci.md).`
  static override examples = [
    '<%= config.bin %> expiry check',
    '<%= config.bin %> expiry check --within 30d --fail-within 7d',
    '<%= config.bin %> expiry check --kind token --exclude-expired --json',
    '<%= config.bin %> expiry check --format github',
    '<%= config.bin %> expiry check --all-orgs --capacity 95% --fail-on-capacity',
  ]
  static override flags = {
    within: windowFlag({ description: 'the window: 30d, 2w, 12h', default: '30d', schema: duration }),
    'fail-within': windowFlag({
      description: 'only items within this (or expired) fail; the rest of the window are warnings',
      schema: duration,
    }),
    kind: Flags.string({
      description:
        'only these kinds (seat-pool, addon-pool, token, device-license, …), comma-separated or repeated',
      multiple: true,
      delimiter: ',',
    }),
    'include-expired': Flags.boolean({
      description: 'report what has already expired (the default)',
      exclusive: ['exclude-expired'],
    }),
    'exclude-expired': Flags.boolean({
      description: 'leave out what has already expired',
      exclusive: ['include-expired'],
    }),
    'all-orgs': Flags.boolean({
      description: 'every organization the operator token sees, or every profile; a failing one is reported',
      default: false,
      // --org names one organization: with a member's profile, --all-orgs would check that one alone
      // and report "nothing expires" for the others, never looked at (a CI job passing wrongly).
      exclusive: ['org'],
    }),
    capacity: Flags.string({
      description: 'report pools at or above this use (90%; 0 turns it off)',
      default: '90%',
    }),
    'fail-on-capacity': Flags.boolean({
      description: 'pools at capacity fail the check too',
      default: false,
    }),
    format: Flags.option({
      description: 'table (terminal), or GitHub Actions annotations',
      options: ['table', 'github'] as const,
      default: 'table',
    })(),
  }

  /** Flags that cannot go together are refused before the profile is read or a request sent. */
  protected override async validate(): Promise<void> {
    const f = this.flags
    if (f.format === 'github') {
      const other = this.delimitedFormat
        ? `--output ${this.delimitedFormat}`
        : f.jq !== undefined
          ? '--jq'
          : f.json
            ? '--json'
            : undefined
      if (other)
        throw new UsageError(`--format github and ${other} cannot be used together`, {
          hint: 'GitHub annotations are text for the Actions log; the exit code is the same with either',
        })
    }
    // A warn level surely longer than the window, in any time zone (60d1h against 30d), before any
    // request; only a mix within about a day of it (2d against 40h) is the server's to judge.
    const late = windowSurelyTooLate(f.within, Date.now())
    if (late !== null) throw new UsageError(`--within: ${late}`, { code: 'validation_failed' })
    const failWithin = f['fail-within']
    if (failWithin !== undefined && failWithinSurelyLonger(f.within, failWithin))
      throw new UsageError(`--fail-within: ${failWithinTooLong(f.within, failWithin)}`, {
        code: 'validation_failed',
      })
  }

  async run(): Promise<ExpiryCheckOutput> {
    const f = this.flags
    const { capacityPercent } = await import('../../contract/expiry.js')
    const capacity = parseCapacity(f.capacity, capacityPercent)
    const query = {
      within: f.within,
      ...(f['fail-within'] !== undefined ? { failWithin: f['fail-within'] } : {}),
      ...(f.kind?.length ? { kind: f.kind.map((k) => k.trim()).join(',') } : {}),
      expired: f['exclude-expired'] ? ('exclude' as const) : ('include' as const),
      capacity,
      failOnCapacity: f['fail-on-capacity'] ? ('true' as const) : ('false' as const),
    }
    const { targetsOf } = await import('../../cli/expiry-targets.js')
    const reports: Array<{ report: ExpiryReport; profile: string | null }> = []
    const errors: ExpiryCheckOutput['errors'] = []
    if (!f['all-orgs']) {
      const client = await this.client()
      const org = await this.org()
      reports.push({ report: await checkWith(client, org, query), profile: null })
    } else {
      const current = await this.client()
      // No connection: fail as checking one organization does (a bad flag first, else why there is
      // none), not as each profile failing on its own (exit 1).
      if (!this.connected) await checkWith(current, await this.org(), query)
      const opened: LicctlClient[] = []
      try {
        const { namedProfile } = await import('../../cli/connection.js')
        const named = namedProfile((this.flags as { profile?: string }).profile)
        for await (const target of targetsOf(current, (this.flags as { org?: string }).org, opened, named)) {
          if ('error' in target) {
            errors.push(target.error)
            continue
          }
          try {
            reports.push({
              report: await checkWith(target.client, target.org, query),
              profile: target.profile,
            })
          } catch (err) {
            const e = err as { code?: string; message: string }
            errors.push({
              profile: target.profile,
              org: target.org,
              code: e.code ?? 'unexpected',
              message: e.message,
            })
          }
        }
      } finally {
        await Promise.all(opened.map((c) => c.close()))
      }
      if (reports.length === 0 && errors.length === 0) errors.push(noTargets())
    }
    const output = merge(reports, errors, query)
    const { renderExpiry, githubAnnotations, githubError, summaryLine, remedyHints } =
      await import('../../cli/expiry-view.js')
    const human = !this.jsonEnabled() && !this.delimitedFormat
    if (f.format === 'github' && human) process.stdout.write(githubAnnotations(output.items))
    // With no organization checked there is no table to print: "nothing expires" would be untrue.
    else if (reports.length > 0 || !human) this.say(renderExpiry(output.items))
    this.note(summaryLine(output))
    // What clears an expired item when the server knows (e.g. lapsed pool licenses); annotations carry it.
    if (human && f.format === 'table') for (const hint of remedyHints(output.items)) this.note(hint)
    for (const e of errors) {
      const why = `could not check ${e.profile ?? e.org ?? 'a profile'}: ${e.message}`
      this.note(why)
      if (f.format === 'github' && human) process.stdout.write(githubError('expiry check failed', why))
    }
    const failing = output.summary.failing + output.summary.expired > 0
    process.exitCode = failing ? EXIT_FOUND : errors.length > 0 ? 1 : 0
    return output
  }

  /** With --format github a check that could not run is an annotation too, not only stderr's line. */
  protected override async catch(err: Error): Promise<void> {
    await super.catch(err)
    const format = (this.flags as { format?: string } | undefined)?.format
    if (format !== 'github' || this.jsonEnabled() || this.delimitedFormat) return
    const { failureOf } = await import('../../cli/errors.js')
    const { githubError } = await import('../../cli/expiry-view.js')
    process.stdout.write(githubError('expiry check failed', failureOf(err).message))
  }
}

async function checkWith(
  client: LicctlClient,
  org: string,
  query: Record<string, unknown>,
): Promise<ExpiryReport> {
  return client.expiry.check({ org }, query)
}

/** A percentage within the contract's bounds of `capacity`. */
function parseCapacity(text: string, bounds: NumberSchema): number {
  const [min, max] = [bounds.minValue ?? 0, bounds.maxValue ?? 100]
  const m = /^(\d{1,3})%?$/.exec(text.trim())
  const n = m ? Number(m[1]) : NaN
  if (!(n >= min && n <= max))
    throw new UsageError(`--capacity: expected a percentage from ${min}% to ${max}%, got ${quote(text)}`)
  return n
}

function noTargets(): ExpiryCheckOutput['errors'][number] {
  return { profile: null, org: null, code: 'not_logged_in', message: 'no profile or token to check' }
}

function merge(
  reports: Array<{ report: ExpiryReport; profile: string | null }>,
  errors: ExpiryCheckOutput['errors'],
  asked: { within: string; failWithin?: string; capacity: number },
): ExpiryCheckOutput {
  // One list in the server's order, across organizations too (each report comes sorted alone).
  const items: ExpiryItem[] = reports.flatMap((r) => r.report.items).sort(byUrgency)
  const byKind: Record<string, number> = {}
  for (const i of items) byKind[i.kind] = (byKind[i.kind] ?? 0) + 1
  const count = (s: ExpiryItem['severity']) => items.filter((i) => i.severity === s).length
  const first = reports[0]?.report
  const nowMs = Date.now()
  const now = new Date(nowMs).toISOString()
  // No server answered, so none said on which calendar day the window ends: the window asked for,
  // its ends the durations' length after the time of the check (no organization's calendar to round
  // them by), not the time of the check itself.
  const end = (duration: string) => new Date(nowMs + (parseDuration(duration) ?? 0)).toISOString()
  return {
    checkedAt: first?.checkedAt ?? now,
    window: first?.window ?? {
      within: asked.within,
      until: end(asked.within),
      failWithin: asked.failWithin ?? null,
      failUntil: asked.failWithin === undefined ? null : end(asked.failWithin),
      capacity: asked.capacity,
    },
    orgs: reports.map((r) => ({ org: r.report.org, profile: r.profile })),
    items,
    summary: {
      total: items.length,
      expired: count('expired'),
      failing: count('failing'),
      warning: count('warning'),
      byKind,
    },
    errors,
  }
}
