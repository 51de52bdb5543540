import type { FastifySchemaCompiler } from 'fastify'
import type * as z from 'zod'
import { inWords } from '../contract/issue-text.js'

/**
 * Where in `value` the first string holding U+0000 is, or undefined. One path array is pushed and
 * popped on the way down and copied only when a NUL is found: this walks every value of every
 * request (a bulk batch's thousand rows), where a copy per step was a thousand arrays and more.
 */
function nulAt(value: unknown, path: PropertyKey[] = []): PropertyKey[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? [...path] : undefined
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i)
      const found = nulAt(value[i], path)
      path.pop()
      if (found) return found
    }
  } else if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) {
      if (k.includes('\u0000')) return [...path, k]
      path.push(k)
      const found = nulAt((value as Record<string, unknown>)[k], path)
      path.pop()
      if (found) return found
    }
  }
  return undefined
}

/**
 * Wraps a route validator compiler so that every text input (path, query, body) refuses the NUL
 * character, naming the field: PostgreSQL cannot store U+0000 in text and rejects the statement
 * (22021), which would otherwise surface as a 500 from whichever query first met the value, and
 * SQLite would store what PostgreSQL refuses. A fuzzed audit-entry id holding U+0000 found it.
 */
export function refusingNul(compile: FastifySchemaCompiler<z.ZodType>): FastifySchemaCompiler<z.ZodType> {
  return (route) =>
    compile({
      ...route,
      schema: route.schema.superRefine((value: unknown, ctx) => {
        const path = nulAt(value)
        if (path)
          ctx.addIssue({ code: 'custom', path, message: 'must not contain the NUL character (U+0000)' })
      }),
    })
}

/** One refused field of a request, in the shape Fastify gives its error handler (`err.validation`). */
export interface FieldIssue {
  keyword: string
  instancePath: string
  schemaPath: string
  message: string
  params: Record<string, unknown>
}

const WORDED = Symbol('licctl.worded-validation')

/**
 * The route validator: the request part parsed by its contract schema, each issue worded by the
 * contract's `inWords` as the client words the refusals it makes before sending (the type
 * provider's own validator parses with zod's English, and has no way to be given an error map).
 */
export const wordedValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    const result = schema.safeParse(data, { error: inWords })
    if (result.success) return { value: result.data }
    const issues = result.error.issues.map(({ code, path, message, ...params }) => ({
      keyword: code,
      instancePath: `/${path.map(String).join('/')}`,
      schemaPath: `#/${path.map(String).join('/')}/${code}`,
      message,
      params,
      [WORDED]: true,
    }))
    return { error: issues as unknown as Error }
  }

/** A request part the route validator refused: Fastify's error, with the validator's issues. */
export function isRefusedInput(
  err: unknown,
): err is Error & { validation: FieldIssue[]; validationContext?: string } {
  const validation = (err as { validation?: unknown } | null)?.validation
  return (
    Array.isArray(validation) &&
    validation.length > 0 &&
    (validation[0] as { [WORDED]?: unknown })[WORDED] === true
  )
}
