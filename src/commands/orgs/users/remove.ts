import { Args } from '@oclif/core'
import { ApiCommand } from '../../../cli/base-command.js'
import { bulkFlags, bulkSource } from '../../../cli/bulk-flags.js'
import type { BulkRowResult } from '../../../contract/bulk.js'
import { removeUserItem, type Release, type Removal } from '../../../contract/users.js'

export default class UsersRemove extends ApiCommand<typeof UsersRemove> {
  static override summary = 'Remove members: releases their seats, revokes their add-ons and tokens (admins)'
  static override description =
    'The only way to stop someone using the organization’s licenses. Everything is released in the same transaction as the removal, and each row says what was released. Destructive: asks on a terminal, needs --yes elsewhere (not with --dry-run).'
  static override examples = [
    '<%= config.bin %> orgs users remove bob@acme.test --yes',
    '<%= config.bin %> orgs users remove --file leavers.csv --dry-run',
  ]
  static override strict = false
  static override args = { emails: Args.string({ description: 'emails of the members to remove' }) }
  static override flags = { ...bulkFlags }

  async run() {
    // The targets first: a usage error is found before the profile is read.
    const source = bulkSource(this.positionals, this.flags.file)
    const client = await this.client()
    const org = await this.org()
    const { listedLines, planBulk, PLANNED_ROWS, runBulk } = await import('../../../cli/bulk/index.js')
    const spec = {
      target: 'email',
      schema: removeUserItem,
      verb: 'remove users',
      describe: describeRemoval,
      endpoint: client.users.remove,
      params: { org },
    }
    if (!this.flags['dry-run'] && !this.flags.yes) {
      const { canPrompt, confirmDestructive } = await import('../../../cli/prompts.js')
      const what = (n?: number) =>
        source.kind === 'file'
          ? `${n === undefined ? 'every member' : `the ${n} members`} listed in ${source.path}`
          : source.values.join(', ')
      const plain = (n?: number) => `Remove ${what(n)} from ${org}, releasing their licenses and tokens?`
      if (canPrompt()) {
        // The server's dry run says what each removal would release: the question names it. A job
        // of more than one batch is not planned first (the plan would take as long as the job).
        const removing = await planBulk(spec, source, (r) => r.status === 'will-change', {
          strict: this.flags.strict,
          maxRows: PLANNED_ROWS,
        })
        if (!Array.isArray(removing)) await confirmDestructive(plain(removing.unplanned), false)
        else if (removing.length > 0) {
          if (removing.length > 1 && !this.jsonEnabled())
            for (const line of listedLines(
              removing.map((r) => `  ${r.target}: ${describeRemoval(r.details ?? {})}`),
            ))
              this.note(line)
          await confirmDestructive(removalQuestion(org, removing), false)
        }
      } else await confirmDestructive(plain(), false)
    }
    process.exitCode = await runBulk(spec, source, {
      dryRun: this.flags['dry-run'],
      ...this.structuredOutput,
      strict: this.flags.strict,
    })
  }
}

/**
 * What removing a member released, for the per-row report (the spec asks that it be said): one part
 * per topic the server reports in `releases`, so a topic that adds a release hook needs nothing here.
 */
export function describeRemoval(details: Record<string, unknown>): string | undefined {
  const releases = (details as Partial<Removal>).releases ?? []
  const parts = releases
    .filter((r) => r.count > 0)
    .map((r) => `${r.noun} ${r.action}: ${r.items.length > 0 ? r.items.join(', ') : r.count}`)
  if (parts.length > 0) return parts.join('; ')
  const nouns = releases.map((r) => r.noun)
  if (nouns.length === 0) return 'nothing held'
  return `no ${nouns.length > 1 ? `${nouns.slice(0, -1).join(', ')} or ${nouns[nouns.length - 1]}` : nouns[0]} held`
}

/**
 * The question before removing members on a terminal, naming what the server's dry run says would be
 * released: one member's releases item by item, several members' counted per topic (each member's
 * own line is shown above the question).
 */
export function removalQuestion(
  org: string,
  removing: ReadonlyArray<Pick<BulkRowResult, 'target' | 'details'>>,
): string {
  if (removing.length === 1) {
    const only = removing[0]!
    return `Remove ${only.target} from ${org} (${describeRemoval(only.details ?? {})})?`
  }
  const totals = new Map<string, Release>()
  for (const r of removing)
    for (const rel of (r.details as Partial<Removal> | undefined)?.releases ?? []) {
      const total = totals.get(rel.topic)
      if (total) total.count += rel.count
      else totals.set(rel.topic, { ...rel, items: [] })
    }
  return `Remove ${removing.length} members from ${org} (${describeRemoval({ releases: [...totals.values()] })})?`
}
