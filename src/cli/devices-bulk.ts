import * as z from 'zod'
import type { LicctlClient } from '../client/index.js'
import { assignItem, serialItem, type AssignItem, type SerialItem } from '../contract/devices.js'
import {
  listedLines,
  planBulk,
  PLANNED_ROWS,
  runBulk,
  type BulkSource,
  type BulkSpec,
  type RunOptions,
} from './bulk/index.js'
import { describeDetach, describePreviewRows } from './devices-view.js'
import type { DetachDetails } from '../contract/devices.js'

/** Flags of `devices assign` applied to every row (a file's own columns win). */
export interface AssignDefaults {
  prefer?: 'shortest' | 'longest' | undefined
  license?: string | undefined
  count?: number | undefined
  /** Devices named on the command line are extended when licensed; file rows are not (re-runs are safe). */
  extend?: boolean | undefined
}

export function assignSpec(
  client: LicctlClient,
  org: string,
  defaults: AssignDefaults,
): BulkSpec<AssignItem, { org: string }> {
  const fill = Object.fromEntries(Object.entries(defaults).filter(([, v]) => v !== undefined))
  return {
    target: 'serial',
    // SN-1 and sn-1 are two devices.
    caseSensitive: true,
    optional: ['license', 'count', 'prefer', 'extend'],
    schema: z.preprocess(
      (row) =>
        row && typeof row === 'object' ? { ...fill, ...stripEmpty(row as Record<string, unknown>) } : row,
      assignItem,
    ) as unknown as z.ZodType<AssignItem>,
    verb: 'assign licenses',
    endpoint: client.devices.assign,
    params: { org },
    describe: (d) =>
      Array.isArray(d.licenses) && d.licenses.length > 0
        ? `${(d.licenses as string[]).join(', ')}; valid until ${String(d.validUntil)}`
        : undefined,
  }
}

function stripEmpty(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(row)) {
    if (v === '' || v === undefined || v === null) continue
    // `extend` and `count` are read from text by the contract's own schema, which refuses the rest.
    out[k] = v
  }
  return out
}

export function serialSpec(
  client: LicctlClient,
  org: string,
  op: 'detach' | 'remove',
): BulkSpec<SerialItem, { org: string }> {
  return {
    target: 'serial',
    // SN-1 and sn-1 are two devices.
    caseSensitive: true,
    schema: serialItem,
    verb: op === 'detach' ? 'detach licenses' : 'remove devices',
    endpoint: client.devices[op],
    params: { org },
    describe: (d) => ('returnedDays' in d ? describeDetach(d as DetachDetails) : undefined),
  }
}

/**
 * `devices detach` and `devices remove`: destructive, so a person on a terminal sees the preview
 * (days returned today against tomorrow, the valid-until if reassigned tomorrow; the first rows,
 * then how many more) and is asked; off a terminal --yes is required (exit 2). A job of more than
 * one batch is asked about without a preview: planning it would take as long as applying it (and
 * past 10,000 changing rows a plan stops as dry_run_too_large). Returns the exit code.
 */
export async function runDestructive(
  client: LicctlClient,
  org: string,
  op: 'detach' | 'remove',
  source: BulkSource,
  opts: RunOptions & { yes: boolean; note: (s: string) => void },
): Promise<number> {
  const spec = serialSpec(client, org, op)
  if (!opts.dryRun && !opts.yes) {
    const { canPrompt, confirmDestructive } = await import('./prompts.js')
    const what = (n?: number) => {
      const devices =
        n === undefined
          ? 'these devices'
          : source.kind === 'file'
            ? `the ${n} devices listed in ${source.path}`
            : `these ${n} devices`
      return op === 'detach'
        ? `Detach the licenses of ${devices}`
        : `Remove ${devices} (detaching their licenses)`
    }
    let question = `${what()}?`
    if (canPrompt()) {
      const changing = await planBulk(spec, source, (r) => r.status === 'will-change', {
        strict: opts.strict,
        maxRows: PLANNED_ROWS,
      })
      if (!Array.isArray(changing)) question = `${what(changing.unplanned)}?`
      else if (changing.length === 0) return runBulk(spec, source, opts)
      else for (const line of listedLines(describePreviewRows(changing))) opts.note(line)
    }
    await confirmDestructive(question, false)
  }
  return runBulk(spec, source, opts)
}
