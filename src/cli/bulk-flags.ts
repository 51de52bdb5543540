import { Flags } from '@oclif/core'
import { UsageError } from './errors.js'
import type { BulkSource } from './bulk/source.js'

/** Input and planning flags of every bulk command. */
export const fileFlags = {
  file: Flags.string({
    char: 'f',
    description: 'CSV or TSV (with a header row) or JSON file of targets; - reads stdin',
  }),
  'dry-run': Flags.boolean({
    description:
      'print the plan (what would change, what is already so, what would fail and why); change nothing',
    default: false,
  }),
  strict: Flags.boolean({
    description:
      'refuse the whole input when a target is named twice (by default the second row is reported as a duplicate and applied once)',
    default: false,
  }),
}

/** The flags of a bulk command that may ask for confirmation (destructive ones). */
export const bulkFlags = {
  ...fileFlags,
  yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation', default: false }),
}

/** Targets from the positional arguments (after `fixedArgs` leading ones) or --file, never both. */
export function bulkSource(positionals: string[], file: string | undefined, fixedArgs = 0): BulkSource {
  const targets = positionals.slice(fixedArgs)
  if (file && targets.length > 0) throw new UsageError('give targets as arguments or with --file, not both')
  if (file) return { kind: 'file', path: file }
  if (targets.length === 0)
    throw new UsageError('no targets given', { hint: 'pass them as arguments or with --file <csv|json>' })
  return { kind: 'args', values: targets }
}
