import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../cli/base-command.js'
import { UsageError } from '../cli/errors.js'
import { auditTime, changeText, color } from '../cli/output.js'
import type { Explanation } from '../contract/explain.js'

type Change = Explanation['history'][number]

const SUBJECTS = ['addon', 'pool', 'device', 'activation'] as const
const others = (s: (typeof SUBJECTS)[number]) => SUBJECTS.filter((o) => o !== s)

export default class Explain extends ApiCommand<typeof Explain> {
  static override summary = 'Say why a user has or lacks a license, with the evidence (admins)'
  static override description =
    'One short paragraph from the data, then its evidence: membership and role, what is assigned, leases held and their state, the pool full or expired, and the last audit entries that changed it (actor and time). Without a subject, their membership, the add-ons they hold and the seats they have checked out. The rule is the server’s: the same one that grants or refuses. Exit 0 whenever there is an answer, licensed (✔) or refused (✘); an add-on, pool, device or activation ID the organization does not have is not found (exit 5, naming it), as in every other command.'
  static override examples = [
    '<%= config.bin %> explain bob@acme.test --addon cloud-processing',
    '<%= config.bin %> explain bob@acme.test --pool cad-pro --json',
    '<%= config.bin %> explain bob@acme.test',
  ]
  static override args = { email: Args.string({ description: 'the user’s email', required: true }) }
  static override flags = {
    addon: Flags.string({
      description: 'why they can or cannot use this cloud add-on (its key)',
      exclusive: others('addon'),
    }),
    pool: Flags.string({
      description: 'why they can or cannot check out a seat of this product',
      exclusive: others('pool'),
    }),
    device: Flags.string({
      description: 'a device (its serial): found, licensed through which day, expired or not',
      exclusive: others('device'),
    }),
    activation: Flags.string({
      description: 'an activation ID: active, expired or returned, its seats and the hosts holding them',
      exclusive: others('activation'),
    }),
  }

  async run(): Promise<Explanation> {
    const subject = SUBJECTS.find((s) => this.flags[s] !== undefined)
    // An empty name (a variable that did not expand) names nothing: the server refuses it too.
    if (subject && this.flags[subject] === '') throw new UsageError(`--${subject}: must not be empty`)
    const client = await this.client()
    const org = await this.org()
    const e = await client.explain.user(
      { org, email: this.args.email },
      subject ? { subject, name: this.flags[subject]! } : {},
    )
    const c = color()
    const lines = [
      (e.licensed ? c.green('✔ ') : c.red('✘ ')) + e.summary,
      '',
      c.bold('Evidence'),
      ...e.evidence.map((ev) => `  ${ev.fact}: ${ev.detail}`),
    ]
    if (e.history.length > 0) lines.push('', c.bold('Last changes'), ...e.history.map(historyLine))
    this.say(lines.join('\n'))
    return e
  }
}

/** One audit entry under "Last changes": when, who, what, and its change as `orgs audit` words it. */
export function historyLine(h: Change): string {
  const change = changeText(h.before, h.after)
  return `  ${auditTime(h.at)}  ${h.actor}  ${h.action} ${h.target}` + (change ? `  ${change}` : '')
}
