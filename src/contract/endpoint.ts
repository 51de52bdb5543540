import type * as z from 'zod'
import { bulkRequest, bulkResponse } from './bulk.js'

/**
 * Who may call an endpoint. `member` and `admin` are relative to the organization in the path's
 * `{org}` (the operator may always call them); `token` is any valid token; `public` needs none.
 */
export type Access = 'public' | 'token' | 'member' | 'admin' | 'operator'

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'

/** A success status an endpoint answers with. Error statuses come from the error catalog. */
export type SuccessStatus = 200 | 201 | 202 | 204

type AnyObject = z.ZodObject<z.ZodRawShape>

/** One endpoint of the API, as data: the server registers it, the client derives a method from it. */
export interface EndpointSpec {
  method: HttpMethod
  /** Under /v1, OpenAPI style: `/orgs/{org}/cloud/addons/{addon}`. */
  path: string
  summary: string
  description?: string
  access: Access
  /**
   * Changes state: refused to read-only tokens, and takes an Idempotency-Key. A dry run (see
   * `dryRun`) changes nothing: it is a read (allowed to read-only tokens, no key kept).
   */
  mutation?: boolean
  /**
   * A mutation whose body's `"dryRun": true` plans only: the same service code, nothing changed.
   * Every bulk endpoint is one; a plain endpoint with a `dryRun` field in its body says so here.
   */
  dryRun?: true
  /**
   * A mutation that done twice is done once (a heartbeat sets a timestamp to now): the client sends
   * it without an Idempotency-Key, which would cost the server a key's reservation and answer
   * (two writes) for nothing, and retries it all the same. The server still honours a key.
   */
  idempotent?: boolean
  params?: AnyObject
  query?: AnyObject
  body?: z.ZodType
  /** Success responses by status. Bulk endpoints get `200: bulkResponse` by themselves. */
  responses?: Partial<Record<SuccessStatus, z.ZodType>>
  /**
   * A bulk endpoint: its body is the bulk envelope around `item` (plus `options`, flags that apply
   * to every row), its answer one result per row.
   */
  bulk?: { item: z.ZodType; options?: AnyObject }
}

/** An endpoint with its name and topic: `operationId` is `<topic>.<name>`. */
export type Endpoint<S extends EndpointSpec = EndpointSpec> = S & {
  name: string
  topic: string
  operationId: string
  /** The body schema as validated (the bulk envelope for bulk endpoints). */
  bodySchema: z.ZodType | undefined
  /** Success responses, bulk endpoints' included. */
  success: Partial<Record<SuccessStatus, z.ZodType>>
}

export type Endpoints<T extends Record<string, EndpointSpec>> = { [K in keyof T]: Endpoint<T[K]> } & {
  readonly [TOPIC]: string
}

const TOPIC = Symbol('topic')

/** Declares a topic's endpoints. Names become operationIds (`cloud.assign`) and client method names. */
export function defineEndpoints<const T extends Record<string, EndpointSpec>>(
  topic: string,
  table: T,
): Endpoints<T> {
  const out: Record<string, Endpoint> = {}
  for (const [name, spec] of Object.entries(table)) {
    const bodySchema = spec.bulk ? bulkRequest(spec.bulk.item, spec.bulk.options) : spec.body
    const success = spec.bulk ? { 200: bulkResponse, ...spec.responses } : { ...spec.responses }
    out[name] = { ...spec, name, topic, operationId: `${topic}.${name}`, bodySchema, success }
  }
  return Object.assign(out, { [TOPIC]: topic }) as Endpoints<T>
}

/** The endpoints of a table, in declaration order. */
export function endpointList(table: Endpoints<Record<string, EndpointSpec>>): Endpoint[] {
  return Object.values(table)
}

/** `/orgs/{org}/x` → `/orgs/:org/x` (Fastify's router syntax). */
export function routerPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1')
}

/** Fills `{name}` segments from params, each URI-encoded. */
export function fillPath(path: string, params: Record<string, unknown>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name]
    if (value === undefined || value === null) throw new TypeError(`missing path parameter ${name}`)
    return encodeURIComponent(String(value))
  })
}

/** The first success status and its schema: what the client parses, what the server answers by default. */
export function primarySuccess(e: Endpoint): { status: SuccessStatus; schema: z.ZodType | undefined } {
  const entries = Object.entries(e.success) as Array<[string, z.ZodType]>
  const first = entries[0]
  return first
    ? { status: Number(first[0]) as SuccessStatus, schema: first[1] }
    : { status: 200, schema: undefined }
}

// ---- types derived from a spec, shared by the server's handlers and the client's methods ----

type Zin<S> = S extends z.ZodType ? z.input<S> : never
type Zout<S> = S extends z.ZodType ? z.output<S> : never
type FirstSuccess<R> =
  R extends Record<200, infer A>
    ? A
    : R extends Record<201, infer B>
      ? B
      : R extends Record<202, infer C>
        ? C
        : R extends Record<204, infer D>
          ? D
          : undefined

/** What the endpoint answers on success, as parsed (bulk endpoints: the bulk response). */
export type SuccessOf<S extends EndpointSpec> = S extends { bulk: object }
  ? z.output<typeof bulkResponse>
  : Zout<FirstSuccess<S['responses']>>
/** The same, before serialization: what a handler returns. */
export type HandlerResultOf<S extends EndpointSpec> = S extends { bulk: object }
  ? z.input<typeof bulkResponse>
  : Zin<FirstSuccess<S['responses']>>

export type ParamsIn<S extends EndpointSpec> = S extends { params: infer P } ? Zin<P> : Record<string, never>
export type ParamsOut<S extends EndpointSpec> = S extends { params: infer P }
  ? Zout<P>
  : Record<string, never>
export type QueryOut<S extends EndpointSpec> = S extends { query: infer Q } ? Zout<Q> : Record<string, never>
type BulkBodyOut<I, O> = {
  dryRun: boolean
  items: Array<Zout<I>>
  prior?: Array<Array<Zout<I>>> | undefined
} & ([O] extends [never] ? unknown : O extends AnyObject ? z.output<O> : unknown)
export type BodyOut<S extends EndpointSpec> = S extends { bulk: { item: infer I; options: infer O } }
  ? BulkBodyOut<I, O>
  : S extends { bulk: { item: infer I } }
    ? BulkBodyOut<I, never>
    : S extends { body: infer B }
      ? Zout<B>
      : undefined
/** What a plain (non-bulk) client method takes besides params: the body, else the query. */
export type InputOf<S extends EndpointSpec> = S extends { body: infer B }
  ? Zin<B>
  : S extends { query: infer Q }
    ? Zin<Q>
    : undefined
export type ItemIn<S extends EndpointSpec> = S extends { bulk: { item: infer I } } ? Zin<I> : never
export type OptionsIn<S extends EndpointSpec> = S extends { bulk: { options: infer O } } ? Zin<O> : never
