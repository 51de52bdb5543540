import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../../cli/base-command.js'
import { bulkFlags, bulkSource } from '../../cli/bulk-flags.js'
import type { BulkSource, BulkSpec } from '../../cli/bulk/index.js'
import { durationFlag } from '../../cli/flag-values.js'
import { UsageError } from '../../cli/errors.js'
import { releaseItem, type ReleaseItem, type ReleaseOptions } from '../../contract/seats.js'
import { counted } from '../../domain/plural.js'

export default class SeatsRelease extends ApiCommand<typeof SeatsRelease> {
  static override summary = 'Release seats: by lease, by user, every stale lease, or from a file (admins)'
  static override description = `The seat is free at once; releasing never stops the user checking out again later (to do that, remove them: \`licctl orgs users remove\`).
Leases with a recent heartbeat look in use: the command lists them and asks on a terminal, and needs --yes elsewhere (past 1,000 rows they are not looked for first: the question counts the rows, and off a terminal a lease in use is left alone, its row failing with lease_active). Roaming (offline-borrowed) leases are released only with --include-roaming. Files are CSV, TSV or JSON with a "lease" column (or "id": \`seats list\` output reads back) or a "user" column; a row with both releases its lease only.`
  static override examples = [
    '<%= config.bin %> seats release --stale',
    '<%= config.bin %> seats release ls_06h1… ls_06h2…',
    '<%= config.bin %> seats release --user bob@acme.test --yes',
    '<%= config.bin %> seats release --file leases.csv --dry-run',
  ]
  static override strict = false
  static override args = { leases: Args.string({ description: 'lease ids' }) }
  static override flags = {
    ...bulkFlags,
    user: Flags.string({ description: 'release every lease of this user (repeatable)', multiple: true }),
    stale: Flags.boolean({ description: 'release every stale lease (see `seats stuck`)', default: false }),
    idle: durationFlag({
      description: 'with --stale: idle at least this long instead of the pool’s TTL',
      schema: async () => (await import('../../contract/seats.js')).releaseOptions.shape.idleSeconds.unwrap(),
    }),
    product: Flags.string({ description: 'with --stale: only this product' }),
    'include-roaming': Flags.boolean({
      description: 'also release roaming (offline-borrowed) leases',
      default: false,
    }),
  }

  protected override async validate(): Promise<void> {
    const f = this.flags
    const given = (
      [
        ['lease ids', this.positionals.length > 0],
        ['--user', Boolean(f.user?.length)],
        ['--stale', f.stale],
        ['--file', Boolean(f.file)],
      ] as const
    )
      .filter(([, on]) => on)
      .map(([name]) => name)
    if (given.length === 0) throw new UsageError('name what to release: lease ids, --user, --stale or --file')
    // Two selectors would each name a different set of seats: say which two, not "one of them".
    if (given.length > 1)
      throw new UsageError(
        `${given.slice(0, -1).join(', ')} and ${given.at(-1)} cannot be used together: release by one of lease ids, --user, --stale or --file`,
      )
    if (!f.stale && (f.idle || f.product)) throw new UsageError('--idle and --product go with --stale')
  }

  async run(): Promise<undefined> {
    const client = await this.client()
    const org = await this.org()
    const f = this.flags
    const idleSeconds = f.idle
    let source: BulkSource
    let target = 'lease'
    if (f.stale) {
      const { allItems } = await import('../../client/pages.js')
      const stuck = await allItems(client.seats.stuck, { org }, { product: f.product, idleSeconds })
      if (stuck.length === 0) {
        this.say('No stale leases: nothing to release.')
        // A job of no rows: its document goes out as a job's with rows does (--json a,b and --jq apply).
        const { reportNoRows } = await import('../../cli/bulk/index.js')
        await reportNoRows({ dryRun: f['dry-run'], ...this.structuredOutput, verb: 'release seats' })
        return undefined
      }
      source = { kind: 'args', values: stuck.map((l) => l.id) }
    } else if (f.user?.length) {
      source = { kind: 'args', values: f.user }
      target = 'user'
    } else source = bulkSource(this.positionals, f.file)

    const { listedLines, planBulk, PLANNED_ROWS, runBulk } = await import('../../cli/bulk/index.js')
    const spec = (force: boolean): BulkSpec<ReleaseItem, { org: string }, ReleaseOptions> => ({
      target,
      // A file's row names a lease (`lease`, or the `id` of `seats list`) or a user; a row with both
      // releases the lease only, never every lease of its user.
      ...(target === 'lease' ? { alternativeTargets: ['user'], aliases: { lease: ['id'] } } : {}),
      schema: releaseItem,
      verb: 'release seats',
      describe: describeReleased,
      endpoint: client.seats.release,
      params: { org },
      options: { force, includeRoaming: f['include-roaming'], ...(idleSeconds ? { idleSeconds } : {}) },
    })
    // --stale never forces: every lease listed was idle, and one that has sent a heartbeat since is
    // back in use, so the server leaves it alone (its row says so) instead of releasing it.
    let force = f.yes && !f.stale
    if (!f['dry-run'] && !force && !f.stale) {
      // Plan first: leases that look in use need a confirmation before anything is released. A job
      // of more than one batch is not planned (the plan would take as long as the job).
      const inUse = await planBulk(spec(false), source, (r) => r.code === 'lease_active', {
        strict: f.strict,
        maxRows: PLANNED_ROWS,
      })
      const { canPrompt, confirmDestructive } = await import('../../cli/prompts.js')
      if (!Array.isArray(inUse)) {
        const named =
          source.kind === 'file'
            ? `the seats named in the ${inUse.unplanned} rows of ${source.path}`
            : `the seats of these ${inUse.unplanned} ${target === 'user' ? 'users' : 'leases'}`
        // On a terminal, ask once for all of them; elsewhere a lease in use is left alone and its
        // row fails (lease_active), as --stale leaves one: nothing in use goes without a yes.
        if (canPrompt()) {
          await confirmDestructive(
            `Release ${named}, including leases that look in use (recent heartbeat)?`,
            false,
          )
          force = true
        } else if (!this.jsonEnabled())
          this.note(
            `Not checked for leases in use first (${inUse.unplanned} rows are more than one batch): a lease that looks in use is left alone and its row fails (lease_active); --yes releases those too.`,
          )
      } else if (inUse.length > 0) {
        // With --json stderr carries one error document: the leases go in its details instead.
        if (!this.jsonEnabled())
          for (const line of listedLines(inUse.map((r) => `  ${r.target}: ${r.message}`))) this.note(line)
        // A user's row may hold several leases in use: count the leases, not the rows.
        const leasesOf = (r: (typeof inUse)[number]) =>
          (r.details as { leases?: unknown[] } | undefined)?.leases?.length ?? 1
        const count = inUse.reduce((sum, r) => sum + leasesOf(r), 0)
        const n = count === 1 ? '1 lease looks' : `${count} leases look`
        await confirmDestructive(`${n} in use (recent heartbeat). Release anyway?`, false, {
          inUse: inUse.map((r) => ({ [target]: r.target, message: r.message })),
        })
        force = true
      }
    }
    process.exitCode = await runBulk(spec(force), source, {
      dryRun: f['dry-run'],
      ...this.structuredOutput,
      strict: f.strict,
    })
    return undefined
  }
}

/**
 * Whose seats a row freed, so that whoever runs it knows whom to tell: a lease id alone names no
 * one (`ls_… — cad-pro: carol@acme.test on ws-carol`).
 */
function describeReleased(details: Record<string, unknown>): string | undefined {
  const d = details as {
    released?: Array<{ product: string; user: string; host: string }>
    keptRoaming?: number
  }
  const parts = (d.released ?? []).map((l) => `${l.product}: ${l.user} on ${l.host}`)
  if (d.keptRoaming) parts.push(`${counted(d.keptRoaming, 'roaming seat')} kept`)
  return parts.length > 0 ? parts.join('; ') : undefined
}
