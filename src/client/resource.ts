import type { BulkResponse } from '../contract/bulk.js'
import {
  endpointList,
  fillPath,
  primarySuccess,
  type Endpoints,
  type EndpointSpec,
  type InputOf,
  type ItemIn,
  type OptionsIn,
  type ParamsIn,
  type SuccessOf,
} from '../contract/endpoint.js'
import { ClientError } from './errors.js'
import type { Transport } from './transport.js'

/** How one batch of a bulk job is sent: the same for every bulk endpoint. */
export interface BulkCall<Options = never, Item = unknown> {
  dryRun: boolean
  /**
   * Sent as Idempotency-Key: a retried batch is applied once. Generated when absent; never sent with
   * a dry run, which changes nothing (the server keeps no key for one) and is retried as it is.
   */
  idempotencyKey?: string | undefined
  /**
   * Dry runs in batches: the rows of each earlier batch that would change, batch by batch; the
   * server applies them first, rolled back with the rest.
   */
  prior?: Item[][] | undefined
  /** The endpoint's options, applying to every row (e.g. seats release's includeRoaming). */
  options?: Options | undefined
  /** Called when the server's success answer has arrived, before it is parsed (see RequestOptions). */
  onAnswer?: (() => void) | undefined
  /** How long (ms) to keep trying while the server is unavailable (see RequestOptions.retryFor). */
  retryFor?: number | undefined
}

type Method<S extends EndpointSpec> = S extends { bulk: object }
  ? (
      params: ParamsIn<S>,
      items: Array<ItemIn<S>>,
      call: BulkCall<OptionsIn<S>, ItemIn<S>>,
    ) => Promise<BulkResponse>
  : S extends { body: object }
    ? (params: ParamsIn<S>, body: InputOf<S>) => Promise<SuccessOf<S>>
    : S extends { query: object }
      ? (params: ParamsIn<S>, query?: InputOf<S>) => Promise<SuccessOf<S>>
      : (params: ParamsIn<S>) => Promise<SuccessOf<S>>

/** A topic's client: one method per endpoint of its table, named as in the table. */
export type Resource<T extends Record<string, EndpointSpec>> = { [K in keyof T]: Method<T[K]> }

type Query = Record<string, string | number | boolean | undefined>

/**
 * Derives a topic's client methods from its endpoint table: the path, the method, the response
 * schema and whether to send an Idempotency-Key all come from the contract, never written here.
 */
export function resourceOf<T extends Record<string, EndpointSpec>>(
  table: Endpoints<T>,
  t: Transport,
): Resource<T> {
  const methods: Record<string, unknown> = {}
  for (const e of endpointList(table)) {
    const { schema } = primarySuccess(e)
    const url = (params: Record<string, unknown>) => '/v1' + fillPath(e.path, nonEmpty(params))
    methods[e.name] = e.bulk
      ? (params: Record<string, unknown>, items: unknown[], call: BulkCall<Record<string, unknown>>) =>
          t.request(e.method, url(params), {
            body: {
              ...call.options,
              dryRun: call.dryRun,
              items,
              ...(call.prior?.length ? { prior: call.prior } : {}),
            },
            ...(schema ? { schema } : {}),
            ...(call.dryRun ? { retry: true } : { idempotencyKey: call.idempotencyKey ?? true }),
            ...(call.onAnswer ? { onAnswer: call.onAnswer } : {}),
            ...(call.retryFor !== undefined ? { retryFor: call.retryFor } : {}),
          })
      : (params: Record<string, unknown>, input?: unknown) =>
          t.request(e.method, url(params), {
            ...(e.body ? { body: input } : { query: (input ?? {}) as Query }),
            ...(schema ? { schema } : {}),
            ...(e.idempotent ? { retry: true } : e.mutation ? { idempotencyKey: true as const } : {}),
          })
  }
  return methods as Resource<T>
}

/**
 * An empty path parameter names nothing, and would send the request to another route
 * (`GET /devices/` is the list; `.` and `..` are resolved away by the URL, even encoded): refused
 * before any request, naming the parameter, as the server names a parameter it refuses
 * (`params.id: …`).
 */
function nonEmpty(params: Record<string, unknown>): Record<string, unknown> {
  for (const [name, value] of Object.entries(params))
    if (value === '' || value === '.' || value === '..') {
      const issue = {
        path: `params.${name}`,
        message: value === '' ? 'must not be empty' : `must not be '${value}'`,
      }
      throw new ClientError(`${issue.path}: ${issue.message}`, {
        code: 'validation_failed',
        details: { issues: [issue] },
      })
    }
  return params
}
