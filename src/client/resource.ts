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
import { inWords } from '../contract/issue-text.js'
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
  /** Ends that waiting at once (see RequestOptions.signal): the job is being stopped. */
  signal?: AbortSignal | undefined
  /** Told once when the batch goes on waiting on `retryFor` (see RequestOptions.onWaiting). */
  onWaiting?: ((budgetMs: number) => void) | undefined
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
    const url = (params: Record<string, unknown>) => {
      checked('params', e.params, pathParams(e.path, nonEmpty(params)))
      return '/v1' + fillPath(e.path, params)
    }
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
            ...(call.signal ? { signal: call.signal } : {}),
            ...(call.onWaiting ? { onWaiting: call.onWaiting } : {}),
          })
      : (params: Record<string, unknown>, input?: unknown) => {
          const path = url(params)
          if (e.body) checked('body', e.body, asSent(input))
          else checked('query', e.query, queryAsSent(input as Query | undefined))
          return t.request(e.method, path, {
            ...(e.body ? { body: input } : { query: (input ?? {}) as Query }),
            ...(schema ? { schema } : {}),
            ...(e.idempotent ? { retry: true } : e.mutation ? { idempotencyKey: true as const } : {}),
          })
        }
  }
  return methods as Resource<T>
}

/** What a schema's safeParse answers, without the client importing zod (the contract brings it). */
interface Checkable {
  safeParse(
    value: unknown,
    params: { error: typeof inWords },
  ): {
    success: boolean
    error?: { issues: ReadonlyArray<{ code: string; path: PropertyKey[]; message: string; keys?: string[] }> }
  }
}

/**
 * Input the contract's own schema refuses is refused here, before any request, as the server would
 * refuse it: `validation_failed`, each issue named by its path (`query.product`, `body.admin.email`),
 * so the CLI names the flag or argument (exit 2) whatever the token, the profile or the network.
 * The value is checked as the server will receive it, and sent as given: the server stays the judge
 * of the rest.
 */
function checked(part: 'params' | 'query' | 'body', schema: Checkable | undefined, value: unknown): void {
  const result = schema?.safeParse(value, { error: inWords })
  if (!result || result.success) return
  const issues = (result.error?.issues ?? []).flatMap((issue) =>
    issue.code === 'unrecognized_keys' && issue.keys?.length
      ? issue.keys.map((key) => ({
          path: fieldPath(part, [...issue.path, key]),
          message: part === 'query' ? 'unknown query parameter' : 'unknown field',
        }))
      : [{ path: fieldPath(part, issue.path), message: issue.message, ...formatInput(issue, value) }],
  )
  const first = issues[0]
  throw new ClientError(first ? `${first.path}: ${first.message}` : 'invalid request', {
    code: 'validation_failed',
    details: { issues },
  })
}

/**
 * For a value refused by its format (a pattern, an email), the text as given, under `input`: the CLI
 * quotes it (`PRODUCT: lowercase letters, …, got 'bad product'`), as its own checks quote theirs.
 */
function formatInput(issue: { code: string; path: PropertyKey[] }, value: unknown): { input?: string } {
  if (issue.code !== 'invalid_format') return {}
  const input = issue.path.reduce<unknown>(
    (at, key) =>
      at !== null && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[key] : undefined,
    value,
  )
  return typeof input === 'string' ? { input } : {}
}

/** A field's path as the server names it: `body.items[3].email`. */
function fieldPath(part: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (at, key) => (typeof key === 'number' ? `${at}[${key}]` : `${at}.${String(key)}`),
    part,
  )
}

/** The parameters the path names: the only ones the server receives. */
function pathParams(path: string, params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries([...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name!, params[name!]]))
}

/** A body as the server receives it: JSON (undefined fields gone). */
const asSent = (input: unknown): unknown =>
  input === undefined ? undefined : JSON.parse(JSON.stringify(input))

/** A query as the server receives it: strings, undefined ones left out (see the transport). */
const queryAsSent = (query: Query | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.entries(query ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])),
  )

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
