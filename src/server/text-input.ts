import type { FastifySchemaCompiler } from 'fastify'
import type * as z from 'zod'

/** Where in `value` the first string holding U+0000 is, or undefined. */
function nulAt(value: unknown, path: PropertyKey[] = []): PropertyKey[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = nulAt(v, [...path, i])
      if (found) return found
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = k.includes('\u0000') ? [...path, k] : nulAt(v, [...path, k])
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
