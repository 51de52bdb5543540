import type { LicctlClient } from '../client/index.js'
import type { BulkSource } from './bulk.js'

/** `cloud assign` and `cloud revoke`: one add-on, many users, through the bulk engine. Returns the exit code. */
export async function runAddonJob(
  client: LicctlClient,
  org: string,
  addon: string,
  op: 'assign' | 'revoke',
  source: BulkSource,
  opts: { dryRun: boolean; json: boolean },
): Promise<number> {
  const [{ runBulk }, { addonItem }] = await Promise.all([
    import('./bulk.js'),
    import('../contract/cloud.js'),
  ])
  return runBulk(
    {
      target: 'email',
      schema: addonItem,
      verb: `${op} ${addon}`,
      send: (items, dryRun, idempotencyKey, batch) =>
        client.cloud[op]({ org, addon }, items, { dryRun, idempotencyKey, priorChanges: batch.priorChanges }),
    },
    source,
    opts,
  )
}
