/* eslint-disable @typescript-eslint/no-explicit-any */
// TEMPORARY: derived from the endpoint table until `resourceOf` lands on main (issue 13).
import type { z } from 'zod'
import { bulkResponse, type BulkResponse } from '../../contract/bulk.js'
import { devicesEndpointTable as E } from '../../contract/devices.js'
import type { Transport } from '../transport.js'
import type { BulkCall } from './cloud.js'

type Table = typeof E
type Params<K extends keyof Table> = z.input<Table[K]['params']>
type Out<K extends keyof Table> = Table[K] extends { responses: infer R }
  ? z.infer<R[keyof R] & z.ZodType>
  : BulkResponse
type In<K extends keyof Table> = Table[K] extends { body: infer B extends z.ZodType }
  ? z.input<B>
  : Table[K] extends { query: infer Q extends z.ZodType }
    ? z.input<Q>
    : never
type Item<K extends keyof Table> = Table[K] extends { bulk: { item: infer I extends z.ZodType } }
  ? z.input<I>
  : never

type Plain<K extends keyof Table> = (params: Params<K>, input?: In<K>) => Promise<Out<K>>
type Bulk<K extends keyof Table> = (
  params: Params<K>,
  items: Item<K>[],
  call: BulkCall,
) => Promise<BulkResponse>
export type DevicesResource = {
  [K in keyof Table]: Table[K] extends { bulk: object } ? Bulk<K> : Plain<K>
}

export function devicesResource(t: Transport): DevicesResource {
  const out: Record<string, unknown> = {}
  for (const [name, e] of Object.entries(E) as Array<[string, any]>) {
    const path = (params: Record<string, string>) =>
      '/v1' + e.path.replace(/\{(\w+)\}/g, (_: string, p: string) => encodeURIComponent(params[p]!))
    const schema = (e.bulk ? bulkResponse : Object.values(e.responses)[0]) as z.ZodType
    out[name] = e.bulk
      ? (params: Record<string, string>, items: unknown[], call: BulkCall) =>
          t.request('POST', path(params), {
            body: {
              dryRun: call.dryRun,
              items,
              ...(call.priorChanges ? { priorChanges: call.priorChanges } : {}),
            },
            schema,
            idempotencyKey: call.idempotencyKey ?? true,
          })
      : (params: Record<string, string>, input?: any) =>
          t.request(e.method, path(params), {
            ...(input === undefined ? {} : e.method === 'GET' ? { query: input } : { body: input }),
            schema,
            ...(e.mutation ? { idempotencyKey: true } : {}),
          })
  }
  return out as DevicesResource
}
