import { Flags } from '@oclif/core'
import { ApiCommand } from '../../../cli/base-command.js'
import { countFlag, expiryFlag } from '../../../cli/flag-values.js'

export default class DevicesKeysIssue extends ApiCommand<typeof DevicesKeysIssue> {
  static override summary = 'Issue signed device license keys (operator); each key is printed once'
  static override description =
    'A key carries a category, a term (1y = 365, 3y = 1095, 5y = 1825 days) and a count of licenses. Keys are five groups of five characters (Crockford base32) with check characters that catch every mistyped or swapped character, and a tag signed with the server’s issuing secret. Keys are not stored: keep them now. With --json they are in `keys[].key`.'
  static override examples = [
    '<%= config.bin %> devices keys issue --profile operator --category router --term 1y --count 10',
    '<%= config.bin %> devices keys issue --profile operator --category access-point --term 3y --count 1 --quantity 5 --json',
  ]
  static override flags = {
    category: Flags.string({ description: 'device category', required: true }),
    term: Flags.string({ description: 'term of each license', options: ['1y', '3y', '5y'], required: true }),
    count: countFlag({
      description: 'licenses per key',
      required: true,
      schema: async () => (await import('../../../contract/devices.js')).issueKeysBody.shape.count,
    }),
    quantity: countFlag({
      description: 'how many keys',
      default: 1,
      schema: async () =>
        (await import('../../../contract/devices.js')).issueKeysBody.shape.quantity.unwrap(),
    }),
    expires: expiryFlag({
      description:
        'licenses of these keys cannot be assigned after this: a date (through that day, UTC), an ISO-8601 instant or a duration from now (365d)',
    }),
  }

  async run() {
    const client = await this.client()
    const f = this.flags
    const res = await client.devices.keysIssue(
      {},
      {
        category: f.category,
        term: f.term as '1y' | '3y' | '5y',
        count: f.count,
        quantity: f.quantity,
        ...(f.expires !== undefined ? { expires: f.expires } : {}),
      },
    )
    const { renderIssued } = await import('../../../cli/devices-view.js')
    this.say(renderIssued(res))
    this.note(
      res.keys.length === 1 ? 'The key is shown once: keep it now.' : 'Keys are shown once: keep them now.',
    )
    return res
  }
}
